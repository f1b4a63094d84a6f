// [server_certs.NAME] in the config file: each bad field one line naming file, table and
// field; the upload checks of `server-cert add` applied, the store unchanged when one fails;
// added, left alone when unchanged, replaced and (with prune) removed, shown in the plan.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/config/apply_fixture.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

struct ServerConfigFixture : ApplyFixture {
  ServerConfigFixture() {
    CertOptions www;
    www.sans = {"DNS:www.example"};
    auto c = pki.makeChain("Srv", www);
    dir.write("www.pem", toPem({c.leaf.cert, c.intermediate.cert}));
    dir.write("www.key", keyPem(c.leaf.key));
    dir.write("srv-root.pem", toPem({c.root.cert}));
    auto other = pki.makeLeaf(c.intermediate, "www.example");
    dir.write("www2.pem", toPem({other.cert, c.intermediate.cert}));
    dir.write("www2.key", keyPem(other.key));
    dir.write("wrong.key", keyPem(pki.makeLeaf(c.intermediate, "x").key));
  }
  std::string web(const std::string& cert, const std::string& key,
                  const std::string& domain = "www.example") {
    return "[server_certs.web]\ndomains = [\"" + domain + "\"]\ncert = \"" + cert + "\"\nkey = \"" +
           key + "\"\nca = \"srv-root.pem\"\n";
  }
};

}  // namespace

TEST_CASE("Config: bad [server_certs] fields are one line each, with file, table and field",
          "[config][server-cert]") {
  ServerConfigFixture f;
  std::string before = treeFingerprint(f.store());
  auto r = f.apply(
      "[server_certs.a]\ndomains = [\"a.example\"]\n"  // neither
      "[server_certs.b]\ndomains = [\"b.example\"]\ncert = \"www.pem\"\nissuer = \"corp\"\n"
      "[server_certs.c]\ncert = \"www.pem\"\nkey = \"www.key\"\nvalidity_days = 3\n"
      "[server_certs.d]\ndomains = [\"d.example\"]\nissuer = \"corp\"\nkey_algorithm = \"dsa\"\n"
      "profile = \"tls-client\"\nbogus = 1\n");
  CHECK(r.exit_code == 2);
  INFO(r.err);
  CHECK(r.err.find("[server_certs.a]: give cert and key (user-provided) or issuer") !=
        std::string::npos);
  CHECK(r.err.find("[server_certs.b]: give cert and key") != std::string::npos);
  CHECK(r.err.find("[server_certs.c].domains: missing") != std::string::npos);
  CHECK(r.err.find("[server_certs.c].validity_days: only for") != std::string::npos);
  CHECK(r.err.find("[server_certs.d].key_algorithm: expected \"ec\" or \"rsa\"") !=
        std::string::npos);
  CHECK(r.err.find("[server_certs.d].profile: a server certificate is \"tls-server\"") !=
        std::string::npos);
  CHECK(r.err.find("bogus") != std::string::npos);
  CHECK(r.err.find("trustctl.toml:") != std::string::npos);
  CHECK(treeFingerprint(f.store()) == before);
}

TEST_CASE("Config: a server certificate failing an upload check is not applied, nor the rest",
          "[config][server-cert]") {
  ServerConfigFixture f;
  std::string before = treeFingerprint(f.store());
  SECTION("mismatched key") {
    auto r = f.apply("[entries.extra]\nfile = \"root.pem\"\n" + f.web("www.pem", "wrong.key"));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("[server_certs.web]") != std::string::npos);
  }
  SECTION("uncovered domain") {
    auto r = f.apply("[entries.extra]\nfile = \"root.pem\"\n" +
                     f.web("www.pem", "www.key", "api.example"));
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("api.example") != std::string::npos);
  }
  SECTION("an issuer that is no built-in CA") {
    auto r = f.apply("[server_certs.web]\ndomains = [\"www.example\"]\nissuer = \"corp\"\n");
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("[server_certs.web].issuer: no built-in CA 'corp'") != std::string::npos);
  }
  CHECK(treeFingerprint(f.store()) == before);
  CHECK(f.run({"show", "extra"}).exit_code != 0);
}

TEST_CASE("Config: server certificates are added, kept, replaced and pruned as planned",
          "[config][server-cert]") {
  ServerConfigFixture f;
  auto dry = f.apply(f.web("www.pem", "www.key"), {"--dry-run"});
  CHECK(dry.exit_code == 0);
  CHECK(dry.out.find("+ add server certificate web (user-provided)") != std::string::npos);
  CHECK(f.run({"server-cert", "show", "web"}).exit_code != 0);

  f.apply(f.web("www.pem", "www.key"));
  auto shown = nlohmann::json::parse(f.run({"--json", "server-cert", "list"}).out);
  CHECK(shown.dump().find("www.example") != std::string::npos);
  CHECK(f.apply(f.web("www.pem", "www.key")).out.find("No changes") != std::string::npos);

  auto replaced = f.apply(f.web("www2.pem", "www2.key"));
  CHECK(replaced.exit_code == 0);
  CHECK(replaced.out.find("~ replace server certificate web") != std::string::npos);

  auto json = nlohmann::json::parse(f.run({"--json", "apply",
                                           f.dir.write("empty.toml",
                                                       "[entries.existing]\nfile = "
                                                       "\"inter.der\"\n"),
                                           "--prune", "--yes", "--dry-run"})
                                        .out);
  REQUIRE(json["plan"].contains("server_certs"));
  CHECK(json["plan"]["server_certs"][0]["action"] == "remove");
  // Its entry goes with it, not as an entry of the file's own.
  CHECK(json["plan"]["entries"].dump().find("srv.web") == std::string::npos);
  auto pruned = f.run({"apply", f.dir.file("empty.toml"), "--prune", "--yes"});
  INFO(pruned.err);
  CHECK(pruned.exit_code == 0);
  CHECK(f.run({"server-cert", "show", "web"}).exit_code != 0);
  CHECK(f.run({"show", "srv.web"}).exit_code != 0);
}

TEST_CASE("Config: served_at names where the agent proves a server certificate",
          "[config][server-cert]") {
  ServerConfigFixture f;
  std::string with = f.web("www.pem", "www.key") +
                     "served_at = [\"https://127.0.0.1:8443\", \"ldaps://127.0.0.1:1636\"]\n";
  REQUIRE(f.apply(with).exit_code == 0);
  auto shown = nlohmann::json::parse(f.run({"--json", "server-cert", "show", "web"}).out);
  CHECK(shown["served_at"].dump().find("https://127.0.0.1:8443") != std::string::npos);
  CHECK(shown["served_at"].dump().find("ldaps://127.0.0.1:1636") != std::string::npos);
  auto moved = f.apply(f.web("www.pem", "www.key") + "served_at = [\"https://127.0.0.1:9443\"]\n");
  CHECK(moved.out.find("served_at changes") != std::string::npos);

  std::string before = treeFingerprint(f.store());
  auto bad = f.apply(f.web("www.pem", "www.key") + "served_at = [\"ftp://127.0.0.1\"]\n");
  CHECK(bad.exit_code == 2);
  CHECK(lineCount(bad.err) == 1);
  CHECK(bad.err.find("[server_certs.web].served_at") != std::string::npos);
  CHECK(treeFingerprint(f.store()) == before);
}
