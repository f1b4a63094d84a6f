// LDAPS and LDAP+StartTLS against a real slapd (GnuTLS) started from a temporary config.
// libldap turns "localhost" into the machine's name, so targets are 127.0.0.1 with an IP SAN.
#include <catch2/catch.hpp>

#include "tests/integration/probe_fixture.h"

using namespace trustctl;
using namespace trustctl::testing;

TEST_CASE("probe ldap: LDAPS and StartTLS through slapd", "[net]") {
  ProbeFixture f;
  auto c = f.pki.makeChain("Ldap");
  TlsServerOptions o;
  o.chain = {c.leaf.cert, c.intermediate.cert};
  o.key = c.leaf.key;
  auto slapd = startSlapd(o);
  f.trust("ad-sync", "ldap-root", {c.root.cert});
  f.createConnector("empty");

  SECTION("trusted: ldaps and ldap+starttls are ok") {
    auto r = f.probe({slapd->url("ldaps"), "--connector", "ad-sync"});
    CHECK(codeOf(r) == "ok");
    CHECK(r["protocol"] == "ldaps");
    CHECK(r["presented_chain"].size() == 2);
    auto s = f.probe({slapd->url("ldap", slapd->port2), "--connector", "ad-sync"});
    CHECK(codeOf(s) == "ok");
    CHECK(s["protocol"] == "ldap+starttls");
  }
  SECTION("untrusted private CA: the root from the catalog") {
    auto r = f.probe(
        {slapd->url("ldaps"), "--connector", "empty", "--catalog", f.catalog({c.root.cert})});
    CHECK(codeOf(r) == "untrusted_root");
    CHECK(r["recommendation"]["sha256"] == c.root.cert->sha256());
    CHECK(codeOf(f.probe({slapd->url("ldap", slapd->port2), "--connector", "empty"})) ==
          "untrusted_root");
  }
  SECTION("a bind is attempted only over a trusted chain, and its result reported") {
    std::string good = f.dir().write("good.txt", "secret\n");
    std::string bad = f.dir().write("bad.txt", "wrong\n");
    const std::string dn = "cn=admin,dc=example,dc=test";
    auto ok = f.probe({slapd->url("ldaps"), "--connector", "ad-sync", "--bind-dn", dn,
                       "--bind-password-file", good});
    CHECK(ok["ldap"]["bind"]["result"] == 0);
    auto refused = f.probe({slapd->url("ldap", slapd->port2), "--connector", "ad-sync", "--bind-dn",
                            dn, "--bind-password-file", bad});
    CHECK(refused["ldap"]["bind"]["result"] == 49);
    RunResult raw;
    auto untrusted = f.probe({slapd->url("ldaps"), "--connector", "empty", "--bind-dn", dn,
                              "--bind-password-file", good},
                             &raw);
    CHECK(untrusted["ldap"]["bind"]["result"] == -2);
    CHECK(raw.out.find("secret") == std::string::npos);
  }
  SECTION("ldaps:// on the plain LDAP port is not TLS") {
    CHECK(codeOf(f.probe({slapd->url("ldaps", slapd->port2), "--timeout", "3"})) == "not_tls");
  }
  SECTION("closed port") {
    auto r = f.probe(
        {"ldaps://127.0.0.1:" + std::to_string(closedLoopbackPort()) + "/", "--timeout", "3"});
    CHECK(codeOf(r) == "connection_refused");
  }
  SECTION("a listener that never answers: timeout") {
    RawServer silent(RawBehaviour::Silent);
    auto r =
        f.probe({"ldaps://127.0.0.1:" + std::to_string(silent.port()) + "/", "--timeout", "1"});
    CHECK(codeOf(r) == "timeout");
    CHECK(r["elapsed_seconds"].get<double>() < 5);
  }
}

TEST_CASE("probe ldap: StartTLS unsupported, client certificates, names and dates", "[net]") {
  ProbeFixture f;
  auto c = f.pki.makeChain("Dir");
  f.trust("ad-sync", "dir-root", {c.root.cert});
  SECTION("a directory without TLS refuses StartTLS") {
    auto slapd = startSlapd({});
    auto r =
        f.probe({slapd->url("ldap", slapd->port2), "--connector", "ad-sync", "--timeout", "3"});
    CHECK(codeOf(r) == "starttls_unsupported");
  }
  SECTION("a directory that only speaks TLS 1.0 is a protocol mismatch") {
    TlsServerOptions o;
    o.chain = {c.leaf.cert, c.intermediate.cert};
    o.key = c.leaf.key;
    o.extra_args = {"cipher_suite", "NORMAL:-VERS-ALL:+VERS-TLS1.0"};
    auto slapd = startSlapd(o);
    auto r = f.probe({slapd->url("ldaps"), "--connector", "ad-sync", "--timeout", "3"});
    CHECK(codeOf(r) == "protocol_mismatch");
  }
  SECTION("a directory demanding client certificates") {
    auto client_ca = f.pki.makeRoot("Dir Client CA");
    TlsServerOptions o;
    o.chain = {c.leaf.cert, c.intermediate.cert};
    o.key = c.leaf.key;
    o.client_cas = {client_ca.cert};
    auto slapd = startSlapd(o);
    auto r = f.probe({slapd->url("ldaps"), "--connector", "ad-sync", "--timeout", "5"});
    CHECK(codeOf(r) == "client_certificate_required");
    auto client = f.pki.makeLeaf(client_ca, "dir-client");
    std::string pem = f.dir().write("client.pem", toPem({client.cert}));
    std::string key = f.dir().write("client.key", keyPem(client.key));
    REQUIRE(f.run({"import", pem, "--key", key, "--name", "dir-client"}).exit_code == 0);
    REQUIRE(f.run({"connector", "identity", "ad-sync", "dir-client"}).exit_code == 0);
    CHECK(codeOf(f.probe({slapd->url("ldaps"), "--connector", "ad-sync"})) == "ok");
  }
  SECTION("expired certificate and a name that does not match") {
    CertOptions o;
    o.sans = {"DNS:dc1.corp.example"};
    o.not_before_offset = -10 * 86400;
    o.not_after_offset = -86400;
    auto leaf = f.pki.makeLeaf(c.intermediate, "dc1.corp.example", o);
    TlsServerOptions so;
    so.chain = {leaf.cert, c.intermediate.cert};
    so.key = leaf.key;
    auto slapd = startSlapd(so);
    auto r = f.probe({slapd->url("ldaps"), "--connector", "ad-sync"});
    CHECK(codeOf(r) == "expired");
    std::vector<std::string> codes;
    for (const auto& p : r["diagnosis"]["problems"]) {
      codes.push_back(p["code"]);
    }
    CHECK(codes == std::vector<std::string>{"expired", "hostname_mismatch"});
  }
}
