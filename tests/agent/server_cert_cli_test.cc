// `trustctl server-cert` as an operator runs it: add from PEM, from a PKCS#12 with a password
// file and with an encrypted PKCS#8 key; list, show, path and remove; a bad upload as one line
// with exit code 2 and the store unchanged; the key and password never in the output.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/support/cli_runner.h"
#include "tests/support/test_pki.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

struct CliFixture {
  CliFixture() : pki(wallClockNow()), chain(pki.makeChain("Cli", wwwOptions())) {
    dir.write("fullchain.pem", toPem({chain.leaf.cert, chain.intermediate.cert}));
    dir.write("root.pem", toPem({chain.root.cert}));
    dir.write("key.pem", keyPem(chain.leaf.key));
    dir.write("pw.txt", "pa55-word-xyz\n");
    dir.write("enc.key", encryptedKeyPem(chain.leaf.key, "pa55-word-xyz"));
    dir.write("web.p12", toPkcs12(chain.leaf.key, {chain.leaf.cert, chain.intermediate.cert},
                                  "pa55-word-xyz"));
    // A store with something in it, so "unchanged" means something.
    REQUIRE(run({"import", dir.file("root.pem"), "--name", "cli-root"}).exit_code == 0);
  }
  static CertOptions wwwOptions() {
    CertOptions o;
    o.sans = {"DNS:www.cli.test"};
    return o;
  }
  RunResult run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--store", dir.file("store")});
    return runTrustctl(args);
  }
  // Nothing secret in what the command printed.
  void checkNoSecret(const RunResult& r) {
    for (const std::string& text : {r.out, r.err}) {
      CHECK(text.find("PRIVATE KEY") == std::string::npos);
      CHECK(text.find("pa55-word-xyz") == std::string::npos);
    }
  }
  TestPki pki;
  TestPki::Chain chain;
  TempDir dir;
};

}  // namespace

TEST_CASE("server-cert add from PEM: list, show, path and remove", "[server-cert][agent]") {
  CliFixture f;
  auto add = f.run({"server-cert", "add", "web", "--domain", "www.cli.test", "--cert",
                    f.dir.file("fullchain.pem"), "--key", f.dir.file("key.pem")});
  INFO(add.err);
  REQUIRE(add.exit_code == 0);
  CHECK_THAT(add.out, Catch::Contains("took 'Cli Root CA' from the library"));
  f.checkNoSecret(add);

  auto list = f.run({"server-cert", "list"});
  CHECK_THAT(list.out, Catch::Contains("Domain") && Catch::Contains("Subject CN") &&
                           Catch::Contains("Expires On") && Catch::Contains("User Provided") &&
                           Catch::Contains("days left"));
  auto show = f.run({"server-cert", "show", "web", "--json"});
  auto j = nlohmann::json::parse(show.out);
  CHECK(j["domains"] == nlohmann::json::array({"www.cli.test"}));
  CHECK(j["chain"].size() == 3);
  CHECK(j["status"] == "ok");
  f.checkNoSecret(show);

  auto path = f.run({"server-cert", "path", "web", "--file", "privkey.pem"});
  REQUIRE(path.exit_code == 0);
  std::string key_path = path.out.substr(0, path.out.find('\n'));
  struct stat st {};
  REQUIRE(::stat(key_path.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  CHECK(f.run({"server-cert", "path", "web", "--file", "nope.pem"}).exit_code == 2);

  CHECK(f.run({"server-cert", "remove", "web"}).exit_code == 0);
  CHECK(f.run({"server-cert", "show", "web"}).exit_code == 2);
  CHECK(::stat(key_path.c_str(), &st) != 0);
}

TEST_CASE("server-cert add from a PKCS#12 and with an encrypted PKCS#8 key",
          "[server-cert][agent]") {
  CliFixture f;
  SECTION("PKCS#12 with --password-file") {
    auto add = f.run({"server-cert", "add", "web", "--domain", "www.cli.test", "--cert",
                      f.dir.file("web.p12"), "--password-file", f.dir.file("pw.txt")});
    INFO(add.err);
    CHECK(add.exit_code == 0);
    f.checkNoSecret(add);
  }
  SECTION("encrypted PKCS#8 key with --password-file") {
    auto add = f.run({"server-cert", "add", "web", "--domain", "www.cli.test", "--cert",
                      f.dir.file("fullchain.pem"), "--key", f.dir.file("enc.key"),
                      "--password-file", f.dir.file("pw.txt")});
    INFO(add.err);
    CHECK(add.exit_code == 0);
    f.checkNoSecret(add);
  }
  auto again = f.run({"server-cert", "add", "web", "--domain", "www.cli.test", "--cert",
                      f.dir.file("fullchain.pem"), "--key", f.dir.file("key.pem")});
  CHECK(again.exit_code == 2);  // exists: --replace says so
  CHECK(f.run({"server-cert", "add", "web", "--domain", "www.cli.test", "--cert",
               f.dir.file("fullchain.pem"), "--key", f.dir.file("key.pem"), "--replace"})
            .exit_code == 0);
}

TEST_CASE("server-cert add: a bad upload is one line, exit 2, the store unchanged",
          "[server-cert][agent]") {
  CliFixture f;
  auto other = f.pki.makeLeaf(f.chain.intermediate, "www.cli.test");
  f.dir.write("other.key", keyPem(other.key));
  std::string before = treeFingerprint(f.dir.file("store"));
  struct Case {
    std::vector<std::string> args;
    std::string code;
  };
  std::vector<Case> cases = {
      {{"--domain", "www.cli.test", "--key", f.dir.file("other.key")}, "server_key_mismatch"},
      {{"--domain", "cli.test", "--key", f.dir.file("key.pem")}, "server_name_not_covered"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{
        "server-cert", "add", "bad", "--cert", f.dir.file("fullchain.pem"), "--json"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    auto r = f.run(args);
    INFO(r.err);
    CHECK(r.exit_code == 2);
    CHECK(lineCount(r.err) == 1);
    CHECK_THAT(r.out, Catch::Contains(c.code));
    f.checkNoSecret(r);
    CHECK(treeFingerprint(f.dir.file("store")) == before);
  }
}

TEST_CASE("server-cert add: a missing intermediate is reported, or found in --catalog",
          "[server-cert][agent]") {
  CliFixture f;
  f.dir.write("leaf.pem", toPem({f.chain.leaf.cert}));
  f.dir.write("inter.pem", toPem({f.chain.intermediate.cert}));
  std::vector<std::string> args{"server-cert",
                                "add",
                                "web",
                                "--domain",
                                "www.cli.test",
                                "--cert",
                                f.dir.file("leaf.pem"),
                                "--key",
                                f.dir.file("key.pem")};
  std::string before = treeFingerprint(f.dir.file("store"));
  auto missing = f.run(args);
  CHECK(missing.exit_code == 2);
  CHECK_THAT(missing.err, Catch::Contains("Cli Intermediate CA") && Catch::Contains("--ca"));
  CHECK(treeFingerprint(f.dir.file("store")) == before);
  args.insert(args.end(), {"--catalog", f.dir.file("inter.pem")});
  auto found = f.run(args);
  INFO(found.err);
  CHECK(found.exit_code == 0);
  CHECK_THAT(found.out, Catch::Contains("from the catalog"));
}
