// The operator's journey through the real binary: import every format, list, show, attach to
// connectors, verify, export, rename, remove, audit.
#include <sys/stat.h>

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include "tests/support/cli_runner.h"
#include "tests/support/servers.h"
#include "tests/support/test_pki.h"

using namespace trustctl::testing;
using nlohmann::json;

namespace {

struct Cli {
  TempDir dir;
  std::string store = dir.file("store");
  RunResult run(std::vector<std::string> args, const RunOptions& options = {}) {
    args.insert(args.begin(), {"--store", store});
    return runTrustctl(args, options);
  }
  json runJson(std::vector<std::string> args, int expected_exit = 0) {
    args.insert(args.begin(), "--json");
    RunResult r = run(args);
    INFO("stderr: " << r.err);
    REQUIRE(r.exit_code == expected_exit);
    return json::parse(r.out);
  }
};

}  // namespace

TEST_CASE("CLI: every import format lands as the right kind of entry", "[agent]") {
  Cli cli;
  TestPki pki(trustctl::wallClockNow());
  auto c = pki.makeChain("Formats");
  // One leaf per entry: a leaf (or identity) certificate belongs to one entry only.
  auto p7_leaf = pki.makeLeaf(c.intermediate, "p7.formats.example");
  auto client = pki.makeLeaf(c.intermediate, "client.formats.example");
  cli.dir.write("pw", "s3cret\n");
  RunOptions stdin_pem;
  stdin_pem.stdin_data = toPem({c.leaf.cert, c.intermediate.cert});
  CHECK(cli.run({"import", cli.dir.write("root.pem", toPem({c.root.cert}))}).exit_code == 0);
  CHECK(cli.run({"import", cli.dir.write("inter.cer", toDer(c.intermediate.cert))}).exit_code == 0);
  CHECK(cli.run({"import", "-", "--name", "chain-from-stdin"}, stdin_pem).exit_code == 0);
  CHECK(cli.run({"import",
                 cli.dir.write("bundle.p7b",
                               toPkcs7Der({p7_leaf.cert, c.intermediate.cert, c.root.cert})),
                 "--name", "p7"})
            .exit_code == 0);
  CHECK(
      cli.run({"import",
               cli.dir.write("client.pfx", toPkcs12(client.key, {client.cert, c.intermediate.cert},
                                                    "s3cret", Pkcs12Cipher::LegacyRc2)),
               "--identity", "--password-file", cli.dir.file("pw")})
          .exit_code == 0);
  json list = cli.runJson({"list"});
  std::map<std::string, json> by_name;
  for (const auto& e : list) {
    by_name[e["name"]] = e;
  }
  REQUIRE(by_name.size() == 5);
  CHECK(by_name["root"]["kind"] == "root");
  CHECK(by_name["inter"]["kind"] == "intermediate");
  CHECK(by_name["inter"]["format"] == "DER");
  CHECK(by_name["chain-from-stdin"]["kind"] == "chain");
  CHECK(by_name["p7"]["format"] == "PKCS#7");
  CHECK(by_name["client"]["kind"] == "identity");
  CHECK(by_name["client"]["has_private_key"] == true);
  CHECK(by_name["root"]["subject_cn"] == "Formats Root CA");
  CHECK(by_name["root"]["sha256"].get<std::string>().size() == 64);
  CHECK(by_name["root"]["status"] == "ok");
  // Human output: the table the seeds show, and no private key material anywhere.
  RunResult table = cli.run({"list"});
  CHECK_THAT(table.out, Catch::Contains("SUBJECT CN") && Catch::Contains("EXPIRES ON"));
  RunResult show = cli.run({"show", "client"});
  CHECK(show.out.find("PRIVATE KEY") == std::string::npos);
  CHECK(cli.run({"--json", "show", "client"}).out.find("PRIVATE KEY") == std::string::npos);
}

TEST_CASE("CLI: connectors, verify, where-used, rename, remove and the audit log", "[agent]") {
  Cli cli;
  TestPki pki(trustctl::wallClockNow());
  auto c = pki.makeChain("Journey");
  std::string chain = cli.dir.write("server-chain.pem", toPem({c.leaf.cert, c.intermediate.cert}));
  REQUIRE(
      cli.run({"import", cli.dir.write("root.pem", toPem({c.root.cert})), "--name", "corp-root"})
          .exit_code == 0);
  REQUIRE(cli.run({"import", cli.dir.write("inter.pem", toPem({c.intermediate.cert})), "--name",
                   "corp-inter"})
              .exit_code == 0);
  REQUIRE(cli.run({"connector", "create", "erp", "--env", "prod"}).exit_code == 0);

  // Nothing is trusted by default.
  CHECK(cli.run({"verify", chain, "--connector", "erp", "--host", "localhost"}).exit_code == 1);
  REQUIRE(cli.run({"connector", "trust", "erp", "corp-root"}).exit_code == 0);
  json ok = cli.runJson({"verify", chain, "--connector", "erp", "--host", "localhost"});
  CHECK(ok["verdict"] == "ok");
  CHECK(ok["path"].size() == 3);
  json wrong_host = cli.runJson({"verify", chain, "-c", "erp", "--host", "evil.example"}, 1);
  CHECK(wrong_host["verdict"] == "fail");
  json later = cli.runJson({"verify", chain, "-c", "erp", "--at", "2100-01-01"}, 1);
  CHECK(later["verdict"] == "fail");

  json used = cli.runJson({"where-used", "corp-root"});
  CHECK(used["used_by"][0]["connector"] == "erp");
  CHECK(cli.run({"remove", "corp-root"}).exit_code == 2);
  REQUIRE(cli.run({"rename", "corp-root", "corp-root-2026"}).exit_code == 0);
  json shown = cli.runJson({"connector", "show", "erp"});
  CHECK(shown["trust"][0]["name"] == "corp-root-2026");
  REQUIRE(cli.run({"edit", "corp-root-2026", "--note", "from IT", "--env", "prod"}).exit_code == 0);
  CHECK(cli.runJson({"show", "corp-root-2026"})["note"] == "from IT");
  REQUIRE(cli.run({"remove", "corp-root-2026", "--force"}).exit_code == 0);
  CHECK(cli.runJson({"connector", "show", "erp"})["trust"].empty());
  json log = cli.runJson({"log"});
  std::vector<std::string> actions;
  for (const auto& r : log) {
    actions.push_back(r["action"]);
  }
  CHECK(std::count(actions.begin(), actions.end(), "import") == 2);
  CHECK(std::count(actions.begin(), actions.end(), "rename") == 1);
  CHECK(std::count(actions.begin(), actions.end(), "remove") == 1);
  RunResult path = cli.run({"connector", "path", "erp", "--file", "java"});
  CHECK_THAT(path.out, Catch::Contains("truststore.p12"));
}

TEST_CASE("CLI: an identity exports as PKCS#12 with a new password and imports back", "[agent]") {
  Cli cli;
  TestPki pki(trustctl::wallClockNow());
  auto c = pki.makeChain("Identity");
  std::string cert = cli.dir.write("client.crt", toPem({c.leaf.cert, c.intermediate.cert}));
  std::string key = cli.dir.write("client.key", encryptedKeyPem(c.leaf.key, "keypass"));
  RunOptions env;
  env.env["KEYPASS"] = "keypass";
  RunResult imported =
      cli.run({"import", cert, "--key", key, "--name", "client", "--password-env", "KEYPASS"}, env);
  INFO(imported.err);
  REQUIRE(imported.exit_code == 0);
  std::string out = cli.dir.file("exported.p12");
  RunOptions newpass;
  newpass.env["NEWPASS"] = "n3w-pass";
  REQUIRE(cli.run({"export-identity", "client", "-o", out, "--password-env", "NEWPASS"}, newpass)
              .exit_code == 0);
  struct stat st {};
  REQUIRE(stat(out.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  Cli other;
  RunResult back = other.run(
      {"import", out, "--name", "back", "--identity", "--password-env", "NEWPASS"}, newpass);
  INFO(back.err);
  CHECK(back.exit_code == 0);
  json e = other.runJson({"show", "back"});
  CHECK(e["sha256"] == c.leaf.cert->sha256());
  CHECK(e["certificates"].size() == 2);
}

TEST_CASE("CLI: a URL after --catalog FILE is a URL, not another catalog", "[agent]") {
  Cli cli;
  TestPki pki(1'800'000'000);
  std::string catalog = cli.dir.write("catalog.pem", toPem({pki.makeRoot("Catalog Root").cert}));
  std::string url = "https://127.0.0.1:" + std::to_string(closedLoopbackPort()) + "/";
  json out = cli.runJson({"probe", "--catalog", catalog, url, "--timeout", "2"}, 1);
  CHECK(out["diagnosis"]["code"] == "connection_refused");
}
