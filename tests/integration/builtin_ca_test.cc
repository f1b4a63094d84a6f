// The built-in CA through the real CLI: create and issue, the key never in plaintext on disk,
// a wrong passphrase leaving the store as it was, and an issued server chain served by nginx
// and accepted by curl and Java trusting only the CA's root.
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/cli_runner.h"
#include "tests/support/runtime_clients.h"
#include "tests/support/servers.h"
#include "truststore/store.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

struct CaFixture {
  TempDir dir;
  std::string store = dir.file("store");
  std::string pass = dir.write("ca.pass", "correct horse battery staple\n");

  CaFixture() { ::chmod(pass.c_str(), 0600); }

  RunResult run(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--store", store});
    return runTrustctl(args);
  }
  RunResult ok(const std::vector<std::string>& args) const {
    RunResult r = run(args);
    INFO(r.err << r.out);
    REQUIRE(r.exit_code == 0);
    return r;
  }
};

// Every file below `dir` whose content holds `needle`.
std::vector<std::string> filesContaining(const std::string& dir, const std::string& needle) {
  std::vector<std::string> out;
  for (const auto& f : std::filesystem::recursive_directory_iterator(dir)) {
    if (!f.is_regular_file()) {
      continue;
    }
    std::ifstream in(f.path());
    std::stringstream text;
    text << in.rdbuf();
    if (text.str().find(needle) != std::string::npos) {
      out.push_back(f.path().string());
    }
  }
  return out;
}

}  // namespace

TEST_CASE("ca CLI: create and issue keep every CA key encrypted and never take a passphrase",
          "[ca][net]") {
  CaFixture f;
  f.ok({"ca", "create", "corp", "--passphrase-file", f.pass});
  CHECK(filesContaining(f.store, "BEGIN PRIVATE KEY").empty());
  CHECK(filesContaining(f.store, "BEGIN EC PRIVATE KEY").empty());
  CHECK(filesContaining(f.store, "correct horse").empty());
  CHECK(filesContaining(f.store + "/ca/corp", "BEGIN ENCRYPTED PRIVATE KEY").size() == 2);

  auto list = nlohmann::json::parse(f.ok({"--json", "ca", "list"}).out);
  REQUIRE(list.size() == 1);
  CHECK(list[0]["root_entry"] == "corp-root");
  CHECK(f.run({"ca", "create", "corp", "--passphrase-file", f.pass}).exit_code == 2);

  SECTION("no passphrase option takes the secret itself") {
    auto r = f.run({"ca", "create", "x", "--passphrase", "secret"});
    CHECK(r.exit_code == 2);
    auto none = runTrustctl({"--store", f.store, "ca", "create", "y"},
                            RunOptions{{{"CREDENTIALS_DIRECTORY", ""}}, "", -1});
    CHECK(none.exit_code == 2);
    CHECK(none.err.find("--passphrase-file") != std::string::npos);
  }
  SECTION("a wrong passphrase: one line, exit 2, the store unchanged") {
    std::string bad = f.dir.write("bad.pass", "not the passphrase\n");
    ::chmod(bad.c_str(), 0600);
    std::string before = treeFingerprint(f.store);
    auto r = f.run({"ca", "issue", "corp", "--domain", "localhost", "--name", "web",
                    "--passphrase-file", bad});
    CHECK(r.exit_code == 2);
    CHECK(lineCount(r.err) == 1);
    CHECK(r.err.find("passphrase does not open") != std::string::npos);
    CHECK(treeFingerprint(f.store) == before);
  }
  SECTION("a passphrase file others can read is refused") {
    ::chmod(f.pass.c_str(), 0644);
    auto r = f.run({"ca", "issue", "corp", "--domain", "localhost", "--name", "web",
                    "--passphrase-file", f.pass});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("chmod 600") != std::string::npos);
  }
  SECTION("an issued leaf is an identity whose validity stops at the issuing CA") {
    auto issued = nlohmann::json::parse(
        f.ok({"--json", "ca", "issue", "corp", "--profile", "tls-client", "--domain", "erp-sync",
              "--name", "erp-client", "--days", "3650", "--passphrase-file", f.pass})
            .out);
    auto show = nlohmann::json::parse(f.ok({"--json", "ca", "show", "corp"}).out);
    CHECK(issued["not_after"] == show["issuing"]["not_after"]);
    REQUIRE(show["issued"].size() == 1);
    CHECK(show["issued"][0]["entry"] == "erp-client");
    f.ok({"connector", "create", "erp"});
    f.ok({"connector", "identity", "erp", "erp-client"});
    // The only plaintext key is the leaf's, in the library's keys/ like any identity.
    auto plain = filesContaining(f.store, "BEGIN PRIVATE KEY");
    REQUIRE(plain.size() >= 1);
    for (const auto& p : plain) {
      CHECK(p.find("/ca/") == std::string::npos);
    }
  }
}

TEST_CASE(
    "ca CLI: an issued server chain served by nginx is accepted by curl and Java "
    "trusting only the root",
    "[ca][net]") {
  CaFixture f;
  f.ok({"ca", "create", "corp", "--passphrase-file", f.pass});
  f.ok({"ca", "issue", "corp", "--profile", "tls-server", "--domain", "localhost", "--ip",
        "127.0.0.1", "--name", "web", "--passphrase-file", f.pass});
  f.ok({"connector", "create", "client"});
  f.ok({"connector", "trust", "client", "corp-root"});

  truststore::Store store(f.store);
  auto snapshot = store.load();
  REQUIRE(snapshot);
  const auto& web = snapshot->state.entries.at("web");
  TlsServerOptions o;
  for (const auto& sha : web.certificates) {
    o.chain.push_back(store.loadCertificate(sha).value());
  }
  o.key = store.loadKey(web.key_id).value();
  auto nginx = startNginx(o);

  std::string root_pem = f.dir.write(
      "root.pem",
      store.loadCertificate(snapshot->state.entries.at("corp-root").certificates.front())
          .value()
          ->pem());
  for (const std::string host : {"localhost", "127.0.0.1"}) {
    auto curl =
        runProgram("/usr/bin/curl", {"-sS", "-o", "/dev/null", "--max-time", "10", "--cacert",
                                     root_pem, "--capath", "/dev/null", "--resolve",
                                     "localhost:" + std::to_string(nginx->port) + ":127.0.0.1",
                                     "https://" + host + ":" + std::to_string(nginx->port) + "/"});
    INFO(host << ": " << curl.err);
    CHECK(curl.exit_code == 0);
  }

  std::string missing = runtimeClientMissing(truststore::ConnectorRuntime::Java);
  if (!missing.empty()) {
    WARN("Java not checked: " << missing);
    return;
  }
  auto trim = [](std::string s) {
    while (!s.empty() && (s.back() == '\n' || s.back() == ' ')) {
      s.pop_back();
    }
    return s;
  };
  ClientCell cell;
  cell.id = "java";
  cell.host = "localhost";
  cell.port = nginx->port;
  cell.ca_bundle = trim(f.ok({"connector", "path", "client", "--file", "bundle"}).out);
  cell.java_truststore = trim(f.ok({"connector", "path", "client", "--file", "java"}).out);
  TempDir work;
  ClientTools tools{TRUSTCTL_SOURCE_DIR, "", work.path()};
  auto outcome = runRuntimeClient(truststore::ConnectorRuntime::Java, {cell}, tools);
  REQUIRE(outcome.size() == 1);
  INFO(outcome[0].message);
  CHECK(outcome[0].ran);
  CHECK(outcome[0].accepted);
}

// Nothing lost: a backup carries the CA's keys (still encrypted), so a store restored from it
// into a wiped folder issues again with the same passphrase.
TEST_CASE("builtin CA: backup and restore keep the CA's keys, encrypted", "[ca]") {
  CaFixture f;
  f.ok({"ca", "create", "corp", "--passphrase-file", f.pass});
  std::string archive = f.dir.file("backup.tar");
  f.ok({"store", "backup", archive});
  std::ifstream in(archive);
  std::stringstream tar;
  tar << in.rdbuf();
  CHECK(tar.str().find("trustctl-backup/ca/corp/issuing-key.pem") != std::string::npos);
  CHECK(tar.str().find("BEGIN ENCRYPTED PRIVATE KEY") != std::string::npos);
  CHECK(tar.str().find("BEGIN PRIVATE KEY") == std::string::npos);
  CHECK(tar.str().find("correct horse") == std::string::npos);

  std::filesystem::remove_all(f.store);
  f.ok({"store", "restore", archive});
  CHECK(f.run({"store", "check"}).exit_code == 0);
  f.ok({"ca", "issue", "corp", "--profile", "tls-server", "--domain", "api.corp.test", "--name",
        "api-tls", "--passphrase-file", f.pass});
}

// `ca issue --server-cert`: the leaf becomes a server certificate (Source: Built-in CA) whose
// files verify against the CA's root alone and whose key is the certificate's.
TEST_CASE("ca CLI: issue --server-cert keeps the leaf as a Built-in CA server certificate",
          "[ca]") {
  CaFixture f;
  f.ok({"ca", "create", "corp", "--passphrase-file", f.pass});
  auto refused = f.run({"ca", "issue", "corp", "--profile", "tls-client", "--domain", "a.test",
                        "--name", "x", "--server-cert", "--passphrase-file", f.pass});
  CHECK(refused.exit_code == 2);
  f.ok({"ca", "issue", "corp", "--domain", "api.corp.test", "--name", "api", "--server-cert",
        "--passphrase-file", f.pass});
  auto list = nlohmann::json::parse(f.ok({"server-cert", "show", "api", "--json"}).out);
  CHECK(list["source"] == "ca");
  auto human = f.ok({"server-cert", "list"});
  CHECK_THAT(human.out, Catch::Contains("Built-in CA"));

  auto path = [&](const std::string& file) {
    std::string out = f.ok({"server-cert", "path", "api", "--file", file}).out;
    return out.substr(0, out.find('\n'));
  };
  truststore::Store store(f.store);
  auto snapshot = store.load();
  REQUIRE(snapshot);
  std::string root_pem = f.dir.write(
      "root.pem",
      store.loadCertificate(snapshot->state.entries.at("corp-root").certificates.front())
          .value()
          ->pem());
  auto verify =
      runProgram("/usr/bin/openssl", {"verify", "-x509_strict", "-purpose", "sslserver", "-CAfile",
                                      root_pem, "-untrusted", path("chain.pem"), path("cert.pem")});
  INFO(verify.out << verify.err);
  CHECK(verify.exit_code == 0);
  auto cert_key =
      runProgram("/usr/bin/openssl", {"x509", "-noout", "-pubkey", "-in", path("cert.pem")});
  auto file_key = runProgram("/usr/bin/openssl", {"pkey", "-pubout", "-in", path("privkey.pem")});
  CHECK(cert_key.out == file_key.out);
  struct stat st {};
  REQUIRE(::stat(path("privkey.pem").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}
