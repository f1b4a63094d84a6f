// Renewal and CA rotation through the real CLI, and the deployment they end in: a leaf issued
// with a test lifetime of seconds (TRUSTCTL_TEST_LEAF_LIFETIME_SECONDS) is due at once, its
// successor replaces the files at the same paths, the on_change of its [server_certs.NAME]
// reloads a real nginx which then serves the new leaf (SHA-256 of what a TLS client gets), and
// after `ca rotate` old and new leaves both pass `openssl verify -x509_strict` to the root.
#include <sys/stat.h>

#include <chrono>
#include <thread>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/bounded_run.h"
#include "tests/support/cli_runner.h"
#include "tests/support/servers.h"
#include "truststore/file_util.h"
#include "truststore/store.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

struct RenewFixture {
  TempDir dir;
  std::string store = dir.file("store");
  std::string pass = dir.write("ca.pass", "correct horse battery staple\n");

  RenewFixture() {
    ::chmod(pass.c_str(), 0600);
    ok({"ca", "create", "corp", "--passphrase-file", pass});
  }
  RunResult run(std::vector<std::string> args, const RunOptions& o = {}) const {
    args.insert(args.begin(), {"--store", store});
    return runTrustctl(args, o);
  }
  RunResult ok(const std::vector<std::string>& args, const RunOptions& o = {}) const {
    RunResult r = run(args, o);
    INFO(r.err << r.out);
    REQUIRE(r.exit_code == 0);
    return r;
  }
  // `ca issue --server-cert`, with a lifetime of `seconds` when > 0.
  void issue(const std::string& name, int seconds) const {
    RunOptions o;
    if (seconds > 0) {
      o.env["TRUSTCTL_TEST_LEAF_LIFETIME_SECONDS"] = std::to_string(seconds);
    }
    ok({"ca", "issue", "corp", "--server-cert", "--name", name, "--domain", name + ".test",
        "--passphrase-file", pass},
       o);
  }
  std::string file(const std::string& name, const std::string& f) const {
    return store + "/current/server-certs/" + name + "/" + f;
  }
};

// SHA-256 (hex) of the DER of the first certificate in `pem_file` or served at `port`.
std::string sha256Of(const std::string& shell_source) {
  auto r = runProgramBounded(
      "/bin/sh", {"-c", shell_source + " | openssl x509 -outform DER | openssl dgst -sha256 -r"},
      {}, 15);
  return r.result.exit_code == 0 ? r.result.out.substr(0, 64) : "";
}
std::string fileSha(const std::string& pem) {
  return sha256Of("cat '" + pem + "'");
}
std::string servedSha(int port, const std::string& sni) {
  return sha256Of("openssl s_client -connect 127.0.0.1:" + std::to_string(port) + " -servername " +
                  sni + " </dev/null 2>/dev/null");
}

std::string strictVerify(const std::string& root, const std::string& chain,
                         const std::string& leaf) {
  auto r = runProgram("/usr/bin/openssl", {"verify", "-x509_strict", "-purpose", "sslserver",
                                           "-CAfile", root, "-untrusted", chain, leaf});
  return r.exit_code == 0 ? "" : r.out + r.err;
}

}  // namespace

TEST_CASE("server-cert renew: what is due is renewed, the rest is left, user uploads refused",
          "[renewal][ca]") {
  RenewFixture f;
  f.issue("web", 60);  // backdated five minutes: past two thirds at once
  f.issue("api", 0);
  std::string web_before = fileSha(f.file("web", "cert.pem"));
  std::string api_before = fileSha(f.file("api", "cert.pem"));
  REQUIRE(web_before.size() == 64);

  auto renewed = nlohmann::json::parse(
      f.ok({"--json", "server-cert", "renew", "--passphrase-file", f.pass}).out);
  REQUIRE(renewed.size() == 1);
  CHECK(renewed[0]["name"] == "web");
  CHECK(renewed[0]["renewed"] == true);
  CHECK(fileSha(f.file("web", "cert.pem")) == renewed[0]["sha256"]);
  CHECK(fileSha(f.file("web", "cert.pem")) != web_before);
  CHECK(fileSha(f.file("api", "cert.pem")) == api_before);

  SECTION("the successor is re-issued as asked and is not due again") {
    truststore::Store store(f.store);
    auto snapshot = store.load();
    REQUIRE(snapshot);
    const auto& web = snapshot->state.server_certs.at("web");
    CHECK(web.source == "ca");
    CHECK(web.issuer == "corp");
    CHECK(web.domains == std::vector<std::string>{"web.test"});
    auto again = f.ok({"server-cert", "renew", "--if-due", "--passphrase-file", f.pass});
    CHECK(again.out.find("Nothing to renew") != std::string::npos);
  }
  SECTION("a wrong passphrase renews nothing and says so") {
    std::string wrong = f.dir.write("wrong.pass", "not the passphrase at all\n");
    ::chmod(wrong.c_str(), 0600);
    std::string before = fileSha(f.file("api", "cert.pem"));
    auto r = f.run({"server-cert", "renew", "api", "--passphrase-file", wrong});
    CHECK(r.exit_code == 2);
    CHECK(fileSha(f.file("api", "cert.pem")) == before);
  }
  SECTION("a name that is not the CA's is refused") {
    CHECK(f.run({"server-cert", "renew", "nope", "--passphrase-file", f.pass}).exit_code == 2);
  }
}

TEST_CASE("ca rotate: old and new leaves verify to the same root, new issues use the new CA",
          "[renewal][ca]") {
  RenewFixture f;
  f.issue("old", 0);
  std::string old_leaf = f.dir.write("old-leaf.pem", "");
  runProgram("/bin/cp", {f.file("old", "cert.pem"), old_leaf});
  std::string old_chain = f.dir.write("old-chain.pem", "");
  runProgram("/bin/cp", {f.file("old", "chain.pem"), old_chain});

  auto rotated = nlohmann::json::parse(
      f.ok({"--json", "ca", "rotate", "corp", "--passphrase-file", f.pass}).out);
  CHECK(rotated["issuing_entry"] == "corp-issuing-g2");
  CHECK(rotated["previous_issuing_entry"] == "corp-issuing");
  f.issue("new", 0);
  f.ok({"server-cert", "renew", "old", "--passphrase-file", f.pass});

  truststore::Store store(f.store);
  auto snapshot = store.load();
  REQUIRE(snapshot);
  std::string root = f.dir.write(
      "root.pem",
      store.loadCertificate(snapshot->state.entries.at("corp-root").certificates.front())
          .value()
          ->pem());
  CHECK(strictVerify(root, old_chain, old_leaf).empty());
  CHECK(strictVerify(root, f.file("new", "chain.pem"), f.file("new", "cert.pem")).empty());
  CHECK(strictVerify(root, f.file("old", "chain.pem"), f.file("old", "cert.pem")).empty());
  CHECK(fileSha(f.file("new", "chain.pem")) != fileSha(old_chain));
  // The old issuing CA stays: the chains it signed still have it.
  CHECK(f.run({"show", "corp-issuing"}).exit_code == 0);
  f.issue("kept", 0);
  auto shown = nlohmann::json::parse(f.ok({"--json", "ca", "show", "corp"}).out);
  CHECK(shown["issuing_entry"] == "corp-issuing-g2");
  CHECK(shown["issued"].size() == 3);  // old (renewed onto G2), new, kept
}

TEST_CASE("server-cert renew: on_change reloads nginx, which then serves the new leaf",
          "[renewal][net]") {
  RenewFixture f;
  f.issue("web", 60);
  // nginx starts on a throwaway chain, then loads the stable paths of server certificate web.
  TestPki pki(wallClockNow());
  auto chain = pki.makeChain("Boot");
  TlsServerOptions o;
  o.chain = {chain.leaf.cert};
  o.key = chain.leaf.key;
  auto nginx = startNginx(o);
  std::string d = nginx->dir->path();
  std::string reload =
      "nginx -s reload -c " + d + "/nginx.conf -p " + d + " -e " + d + "/error.log";
  std::string conf = d + "/nginx.conf";
  REQUIRE(runProgram("/bin/sh",
                     {"-c", "sed -i 's|ssl_certificate [^;]*;|ssl_certificate " +
                                f.file("web", "fullchain.pem") +
                                ";|; s|ssl_certificate_key [^;]*;|ssl_certificate_key " +
                                f.file("web", "privkey.pem") + ";|' " + conf + " && " + reload})
              .exit_code == 0);
  std::string config =
      f.dir.write("trustctl.toml",
                  "[server_certs.web]\ndomains = [\"web.test\"]\nissuer = \"corp\"\n"
                  "passphrase_file = \"" +
                      f.pass + "\"\non_change = \"" + reload + "\"\n");

  auto waitServed = [&](const std::string& want) {
    std::string got;
    for (int i = 0; i < 50 && got != want; ++i) {  // bounded: nginx reloads workers async
      got = servedSha(nginx->port, "web.test");
      if (got != want) {
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
      }
    }
    return got;
  };
  std::string first = fileSha(f.file("web", "cert.pem"));
  REQUIRE(waitServed(first) == first);
  // The file declares what is there: no change, nothing fires.
  auto applied = f.ok({"apply", config});
  CHECK(applied.out.find("No changes") != std::string::npos);
  CHECK(applied.out.find("on_change") == std::string::npos);

  f.ok({"server-cert", "renew", "--if-due", "--passphrase-file", f.pass});
  std::string second = fileSha(f.file("web", "cert.pem"));
  REQUIRE(second != first);
  auto fired = f.ok({"apply", config});
  CHECK(fired.out.find("on_change for server certificate web: exit 0") != std::string::npos);
  CHECK(waitServed(second) == second);
  // Once per change: the next apply does not reload again.
  CHECK(f.ok({"apply", config}).out.find("on_change") == std::string::npos);
}

TEST_CASE("agent: renews a due server certificate by itself and runs its on_change once",
          "[renewal][agent][net]") {
  RenewFixture f;
  f.issue("web", 60);
  std::string first = fileSha(f.file("web", "cert.pem"));
  int port = freeLoopbackPort();
  std::string reloads = f.dir.file("reloads.log");
  std::string cfg = f.dir.write(
      "trustctl.toml", "[agent]\nlisten = \"127.0.0.1:" + std::to_string(port) +
                           "\"\nca_passphrase_file = \"" + f.pass +
                           "\"\n[server_certs.web]\ndomains = [\"web.test\"]\nissuer = \"corp\"\n"
                           "on_change = \"echo $TRUSTCTL_SERVER_CERT >> " +
                           reloads + "\"\n");
  ServerProcess agent({trustctlPath(), "--store", f.store, "agent", "--config", cfg},
                      f.dir.file("agent.log"));
  auto lines = [&] {
    auto text = truststore::readWholeFile(reloads);
    return text ? lineCount(*text) : 0;
  };
  bool reloaded = false;
  for (int i = 0; i < 300 && !reloaded; ++i) {  // bounded: 30 s
    reloaded = lines() >= 1;
    if (!reloaded) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  INFO(agent.logTail());
  REQUIRE(reloaded);
  CHECK(fileSha(f.file("web", "cert.pem")) != first);
  // Renewed for a full lifetime: later cycles neither renew nor reload again.
  std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  CHECK(lines() == 1);
  CHECK(agent.logTail().find("renewed server certificate web") != std::string::npos);
}
