// "Deployed means proven" against real nginx on 127.0.0.1: `trustctl server-cert check` says
// yes when the listener serves the certificate for every domain's SNI, no with the served
// SHA-256 when it serves another one (also when our domain falls through to nginx's default
// server), reports a different no-SNI default certificate apart, and unreachable when nothing
// listens. `server-cert list` then shows the recorded result in its Deployed column.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/support/cli_runner.h"
#include "tests/support/servers.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

// One nginx server block: its server_name ("" = none), whether it is the default server, and
// the chain and key it serves.
struct Block {
  std::string server_name;
  bool default_server = false;
  const TestPki::Chain* chain = nullptr;
};

// nginx with these server blocks on one port (as tests/support/servers.cc starts it).
std::unique_ptr<TestServer> startNginxBlocks(const std::vector<Block>& blocks) {
  auto s = std::make_unique<TestServer>();
  s->dir = std::make_unique<TempDir>();
  const std::string d = s->dir->path();
  s->port = freeLoopbackPort();
  std::string servers;
  for (size_t i = 0; i < blocks.size(); ++i) {
    const auto& b = blocks[i];
    std::string n = std::to_string(i);
    std::string cert = s->dir->write("chain" + n + ".pem",
                                     toPem({b.chain->leaf.cert, b.chain->intermediate.cert}));
    std::string key = s->dir->write("key" + n + ".pem", keyPem(b.chain->leaf.key));
    servers += " server { listen 127.0.0.1:" + std::to_string(s->port) + " ssl" +
               (b.default_server ? " default_server" : "") + ";" +
               (b.server_name.empty() ? "" : " server_name " + b.server_name + ";") +
               " ssl_certificate " + cert + "; ssl_certificate_key " + key +
               "; location / { return 200 \"ok\\n\"; } }\n";
  }
  std::string conf = "daemon off; master_process on; worker_processes 1; pid " + d +
                     "/nginx.pid; error_log " + d + "/error.log;\n" +
                     (geteuid() == 0 ? "user root;\n" : "") +
                     "events { worker_connections 64; }\nhttp { access_log off; "
                     "client_body_temp_path " +
                     d + "; proxy_temp_path " + d + "; fastcgi_temp_path " + d +
                     "; uwsgi_temp_path " + d + "; scgi_temp_path " + d + ";\n" + servers + "}\n";
  std::string conf_path = s->dir->write("nginx.conf", conf);
  s->process = std::make_unique<ServerProcess>(
      std::vector<std::string>{"nginx", "-c", conf_path, "-p", d, "-e", d + "/error.log"},
      s->dir->file("server.log"));
  waitUntilListening(*s->process, s->port, "nginx");
  return s;
}

struct DeployFixture {
  DeployFixture()
      : pki(wallClockNow()),
        ours(pki.makeChain("Ours", opts())),
        theirs(pki.makeChain("Theirs", opts())) {
    dir.write("fullchain.pem", toPem({ours.leaf.cert, ours.intermediate.cert}));
    dir.write("key.pem", keyPem(ours.leaf.key));
    dir.write("root.pem", toPem({ours.root.cert}));
    dir.write("theirs-root.pem", toPem({theirs.root.cert}));
    dir.write("other.pem", toPem({theirs.leaf.cert, theirs.intermediate.cert}));
    dir.write("other.key", keyPem(theirs.leaf.key));
    REQUIRE(run({"import", dir.file("root.pem"), "--name", "ours-root"}).exit_code == 0);
    REQUIRE(run({"import", dir.file("theirs-root.pem"), "--name", "theirs-root"}).exit_code == 0);
  }
  static CertOptions opts() {
    CertOptions o;
    o.sans = {"DNS:www.dep.test", "DNS:api.dep.test"};
    return o;
  }
  RunResult run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--store", dir.file("store")});
    return runTrustctl(args);
  }
  // Adds the server certificate served at `port` and runs `server-cert check --json`.
  nlohmann::json addAndCheck(int port, int expected_exit) {
    return addAndCheckAt("https://127.0.0.1:" + std::to_string(port), expected_exit);
  }
  nlohmann::json addAndCheckAt(const std::string& url, int expected_exit) {
    auto add = run({"server-cert", "add", "web", "--domain", "www.dep.test", "--domain",
                    "api.dep.test", "--cert", dir.file("fullchain.pem"), "--key",
                    dir.file("key.pem"), "--served-at", url});
    INFO(add.err);
    REQUIRE(add.exit_code == 0);
    auto check = run({"server-cert", "check", "web", "--json", "--timeout", "3"});
    INFO(check.out << check.err);
    CHECK(check.exit_code == expected_exit);
    auto j = nlohmann::json::parse(check.out);
    REQUIRE(j.size() == 1);
    REQUIRE(j[0]["listeners"].size() == 1);
    return j[0]["listeners"][0];
  }
  std::string listDeployed() { return run({"server-cert", "list"}).out; }
  TempDir dir;
  TestPki pki;
  TestPki::Chain ours, theirs;
};

}  // namespace

TEST_CASE("server-cert check: nginx serving the certificate is deployed for every domain",
          "[server-cert][deploy][net]") {
  DeployFixture f;
  auto nginx = startNginxBlocks({{"", true, &f.ours}});
  auto v = f.addAndCheck(nginx->port, 0);
  CHECK(v["deployed"] == "yes");
  REQUIRE(v["domains"].size() == 2);
  CHECK(v["domains"][0]["state"] == "yes");
  CHECK(v["domains"][1]["state"] == "yes");
  CHECK(v["default_certificate"]["state"] == "yes");
  std::string list = f.listDeployed();
  CHECK_THAT(list, Catch::Contains("www.dep.test") && Catch::Contains(" yes"));
  auto status = f.run({"server-cert", "list", "--json"});
  auto rows = nlohmann::json::parse(status.out);
  CHECK(rows[0]["deployment"]["listeners"][0]["deployed"] == "yes");
}

TEST_CASE("server-cert check: nginx serving another certificate is no, with its SHA-256",
          "[server-cert][deploy][net]") {
  DeployFixture f;
  auto nginx = startNginxBlocks({{"", true, &f.theirs}});
  auto v = f.addAndCheck(nginx->port, 1);
  CHECK(v["deployed"] == "no");
  CHECK(v["detail"] == f.theirs.leaf.cert->sha256());
  CHECK_THAT(f.listDeployed(),
             Catch::Contains("no: serves SHA-256 " + f.theirs.leaf.cert->sha256().substr(0, 16)));
}

TEST_CASE("server-cert check: a domain falling through to nginx's default server is no",
          "[server-cert][deploy][net]") {
  DeployFixture f;
  // Our certificate is configured for api only; www gets the default server's certificate.
  auto nginx =
      startNginxBlocks({{"other.dep.test", true, &f.theirs}, {"api.dep.test", false, &f.ours}});
  auto v = f.addAndCheck(nginx->port, 1);
  CHECK(v["deployed"] == "no");
  CHECK(v["domains"][0]["sni"] == "www.dep.test");
  CHECK(v["domains"][0]["state"] == "no");
  CHECK(v["domains"][0]["detail"] == f.theirs.leaf.cert->sha256());
  CHECK(v["domains"][1]["state"] == "yes");
}

TEST_CASE("server-cert check: a different default certificate without SNI is reported apart",
          "[server-cert][deploy][net]") {
  DeployFixture f;
  auto nginx = startNginxBlocks(
      {{"other.dep.test", true, &f.theirs}, {"www.dep.test api.dep.test", false, &f.ours}});
  auto v = f.addAndCheck(nginx->port, 0);
  CHECK(v["deployed"] == "yes");
  CHECK(v["default_certificate"]["sni"] == "");
  CHECK(v["default_certificate"]["state"] == "no");
  CHECK(v["default_certificate"]["detail"] == f.theirs.leaf.cert->sha256());
  auto text = f.run({"server-cert", "check", "web"});
  CHECK(text.exit_code == 0);
  CHECK_THAT(text.out, Catch::Contains("without SNI (default certificate): SHA-256 " +
                                       f.theirs.leaf.cert->sha256()));
}

TEST_CASE("server-cert check: nothing listening is unreachable; edit changes the listeners",
          "[server-cert][deploy][net]") {
  DeployFixture f;
  auto v = f.addAndCheck(closedLoopbackPort(), 1);
  CHECK(v["deployed"] == "unreachable");
  CHECK_FALSE(v["detail"].get<std::string>().empty());
  CHECK_THAT(f.listDeployed(), Catch::Contains("unreachable"));

  CHECK(f.run({"server-cert", "edit", "web", "--served-at", "ftp://x"}).exit_code == 2);
  CHECK(f.run({"server-cert", "edit", "web"}).exit_code == 2);
  auto nginx = startNginxBlocks({{"", true, &f.ours}});
  auto edit = f.run({"server-cert", "edit", "web", "--served-at",
                     "https://127.0.0.1:" + std::to_string(nginx->port)});
  INFO(edit.err);
  REQUIRE(edit.exit_code == 0);
  CHECK(f.run({"server-cert", "check"}).exit_code == 0);
  CHECK_THAT(f.listDeployed(), !Catch::Contains("unreachable"));
  // A replaced certificate keeps its listeners, and its old proof no longer counts.
  auto replace =
      f.run({"server-cert", "add", "web", "--domain", "www.dep.test", "--domain", "api.dep.test",
             "--cert", f.dir.file("other.pem"), "--key", f.dir.file("other.key"), "--replace"});
  INFO(replace.err);
  REQUIRE(replace.exit_code == 0);
  CHECK_THAT(f.listDeployed(), Catch::Contains("not checked"));
  CHECK(f.run({"server-cert", "check"}).exit_code == 1);
  CHECK_THAT(f.listDeployed(),
             Catch::Contains("no: serves SHA-256 " + f.ours.leaf.cert->sha256().substr(0, 16)));
  REQUIRE(f.run({"server-cert", "edit", "web", "--no-served-at"}).exit_code == 0);
  CHECK_THAT(f.listDeployed(), Catch::Contains("not served"));
}

TEST_CASE("server-cert check: slapd over LDAPS and LDAP StartTLS", "[server-cert][deploy][net]") {
  DeployFixture f;
  TlsServerOptions o;
  o.chain = {f.ours.leaf.cert, f.ours.intermediate.cert};
  o.key = f.ours.leaf.key;
  auto slapd = startSlapd(o);
  SECTION("ldaps") {
    auto v = f.addAndCheckAt("ldaps://127.0.0.1:" + std::to_string(slapd->port), 0);
    CHECK(v["deployed"] == "yes");
  }
  SECTION("ldap StartTLS") {
    auto v = f.addAndCheckAt("ldap://127.0.0.1:" + std::to_string(slapd->port2), 0);
    CHECK(v["deployed"] == "yes");
  }
}
