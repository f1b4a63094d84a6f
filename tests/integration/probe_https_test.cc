// Every HTTPS diagnosis against a server that really has the fault: openssl s_server or nginx
// on 127.0.0.1 with a PKI generated at test time, probed by the real trustctl binary.
#include <catch2/catch.hpp>

#include "tests/integration/probe_fixture.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

std::unique_ptr<TestServer> serve(const std::vector<CertificatePtr>& chain,
                                  const PrivateKeyPtr& key, std::vector<std::string> extra = {}) {
  TlsServerOptions o;
  o.chain = chain;
  o.key = key;
  o.extra_args = std::move(extra);
  return startSServer(o);
}

}  // namespace

TEST_CASE("probe https: ok, untrusted root, missing intermediate, self-signed", "[net]") {
  ProbeFixture f;
  auto c = f.pki.makeChain("Https");
  auto full = serve({c.leaf.cert, c.intermediate.cert}, c.leaf.key);
  auto lazy = serve({c.leaf.cert}, c.leaf.key);
  f.trust("api", "https-root", {c.root.cert});
  f.createConnector("empty");

  SECTION("trusted root: ok, exit 0, TLS facts recorded") {
    RunResult raw;
    auto r = f.probe({full->url("https"), "--connector", "api"}, &raw);
    CHECK(raw.exit_code == 0);
    CHECK(codeOf(r) == "ok");
    CHECK(r["verdict"] == "ok");
    CHECK(r["tls"]["version"] == "TLSv1.3");
    CHECK(r["presented_chain"].size() == 2);
    CHECK(r["path"].size() == 3);
    CHECK(r["recommendation"]["action"] == "none");
  }
  SECTION("nothing trusted: untrusted_root, the root found in the catalog") {
    ProbeFixture g;  // a store whose library does not hold the root
    g.createConnector("empty");
    RunResult raw;
    auto r = g.probe(
        {full->url("https"), "--connector", "empty", "--catalog", g.catalog({c.root.cert})}, &raw);
    CHECK(raw.exit_code == 1);
    CHECK(codeOf(r) == "untrusted_root");
    CHECK(r["recommendation"]["kind"] == "root");
    CHECK(r["recommendation"]["source"] == "catalog");
    CHECK(r["recommendation"]["sha256"] == c.root.cert->sha256());
    CHECK(r["recommendation"]["command"] ==
          "trustctl probe " + full->url("https") + " --connector empty --install");
  }
  SECTION("the library holds the root for another connector: trust that entry") {
    auto r = f.probe({full->url("https"), "--connector", "empty"});
    CHECK(codeOf(r) == "untrusted_root");
    CHECK(r["recommendation"]["source"] == "connector:api");
    CHECK(r["recommendation"]["command"] == "trustctl connector trust empty https-root");
  }
  SECTION("no connector and no catalog: unavailable, ask the owner") {
    ProbeFixture g;
    auto r = g.probe({full->url("https")});
    CHECK(codeOf(r) == "untrusted_root");
    CHECK(r["connector"].is_null());
    CHECK(r["recommendation"]["source"] == "unavailable");
    CHECK_THAT(r["recommendation"]["request_text"].get<std::string>(),
               Catch::Contains("Https Root CA"));
  }
  SECTION("the server forgets its intermediate") {
    auto r = f.probe({lazy->url("https"), "--connector", "api", "--catalog",
                      f.catalog({c.intermediate.cert, c.root.cert})});
    CHECK(codeOf(r) == "missing_intermediate");
    CHECK(r["recommendation"]["kind"] == "intermediate");
    CHECK(r["diagnosis"]["problems"][0]["certificate"] == c.intermediate.cert->sha256());
  }
  SECTION("a self-signed server") {
    auto self = f.pki.makeSelfSignedLeaf("localhost", [] {
      CertOptions o;
      o.sans = {"DNS:localhost", "IP:127.0.0.1"};
      return o;
    }());
    auto server = serve({self.cert}, self.key);
    auto r = f.probe({server->url("https"), "--connector", "empty"});
    CHECK(codeOf(r) == "self_signed");
    CHECK(r["recommendation"]["kind"] == "server");
    CHECK(r["recommendation"]["source"] == "presented");
  }
}

TEST_CASE("probe https: dates, names, environments and weak crypto", "[net]") {
  ProbeFixture f;
  auto root = f.pki.makeRoot("Faults Root CA");
  f.trust("api", "faults-root", {root.cert});
  auto leafWith = [&](CertOptions o) { return f.pki.makeLeaf(root, "localhost", o); };

  SECTION("expired") {
    CertOptions o;
    o.sans = {"IP:127.0.0.1"};
    o.not_before_offset = -10 * 86400;
    o.not_after_offset = -86400;
    auto leaf = leafWith(o);
    auto server = serve({leaf.cert}, leaf.key);
    auto r = f.probe({server->url("https"), "--connector", "api"});
    CHECK(codeOf(r) == "expired");
    CHECK(r["recommendation"]["action"] == "fix_server");
  }
  SECTION("not yet valid") {
    CertOptions o;
    o.sans = {"IP:127.0.0.1"};
    o.not_before_offset = 86400;
    auto leaf = leafWith(o);
    auto server = serve({leaf.cert}, leaf.key);
    CHECK(codeOf(f.probe({server->url("https"), "--connector", "api"})) == "not_yet_valid");
  }
  SECTION("hostname mismatch") {
    CertOptions o;
    o.sans = {"DNS:api.example.com"};
    auto leaf = leafWith(o);
    auto server = serve({leaf.cert}, leaf.key);
    auto r = f.probe({server->url("https"), "--connector", "api"});
    CHECK(codeOf(r) == "hostname_mismatch");
    CHECK_THAT(r["diagnosis"]["problems"][0]["detail"].get<std::string>(),
               Catch::Contains("DNS:api.example.com"));
    // --servername sends that name and checks it instead.
    CHECK(codeOf(f.probe({server->url("https"), "--connector", "api", "--servername",
                          "api.example.com"})) == "ok");
  }
  SECTION("wrong environment: a test CA with the production CA's name") {
    auto prod = f.pki.makeChain("Env");
    auto test = f.pki.makeChain("Env");
    f.trust("env", "env-test-root", {test.root.cert});
    auto server = serve({prod.leaf.cert, prod.intermediate.cert}, prod.leaf.key);
    auto r = f.probe(
        {server->url("https"), "--connector", "env", "--catalog", f.catalog({prod.root.cert})});
    CHECK(codeOf(r) == "wrong_environment");
    CHECK(r["diagnosis"]["problems"][0]["certificate"] == test.root.cert->sha256());
    CHECK(r["recommendation"]["sha256"] == prod.root.cert->sha256());
  }
  SECTION("weak: a SHA-1 signed RSA-1024 server certificate") {
    CertOptions o;
    o.sans = {"IP:127.0.0.1"};
    o.key = KeyType::Rsa1024;
    o.digest = "sha1";
    auto leaf = leafWith(o);
    auto server = serve({leaf.cert}, leaf.key, {"-cipher", "DEFAULT@SECLEVEL=0"});
    auto r = f.probe({server->url("https"), "--connector", "api"});
    CHECK(codeOf(r) == "weak_crypto");
  }
}

TEST_CASE("probe https: protocol and transport failures", "[net]") {
  ProbeFixture f;
  auto c = f.pki.makeChain("Transport");
  SECTION("connection refused") {
    auto r = f.probe(
        {"https://127.0.0.1:" + std::to_string(closedLoopbackPort()) + "/", "--timeout", "3"});
    CHECK(codeOf(r) == "connection_refused");
    CHECK(r["recommendation"]["action"] == "check_network");
  }
  SECTION("a listener that never answers: timeout within the bound") {
    RawServer silent(RawBehaviour::Silent);
    auto r =
        f.probe({"https://127.0.0.1:" + std::to_string(silent.port()) + "/", "--timeout", "1"});
    CHECK(codeOf(r) == "timeout");
    CHECK(r["elapsed_seconds"].get<double>() < 5);
  }
  SECTION("a plain HTTP port is not TLS") {
    RawServer http(RawBehaviour::PlainHttp);
    CHECK(codeOf(f.probe({"https://127.0.0.1:" + std::to_string(http.port()) + "/", "--timeout",
                          "3"})) == "not_tls");
  }
  SECTION("an old-TLS-only server is a protocol mismatch") {
    auto server = serve({c.leaf.cert, c.intermediate.cert}, c.leaf.key,
                        {"-tls1", "-cipher", "DEFAULT@SECLEVEL=0"});
    CHECK(codeOf(f.probe({server->url("https"), "--timeout", "3"})) == "protocol_mismatch");
  }
  SECTION("a server that rejects the SNI with an alert: tls_handshake_failed names the alert") {
    auto server = serve({c.leaf.cert, c.intermediate.cert}, c.leaf.key,
                        {"-servername", "expected.example", "-servername_fatal", "-cert2",
                         f.dir().write("cert2.pem", toPem({c.leaf.cert})), "-key2",
                         f.dir().write("key2.pem", keyPem(c.leaf.key))});
    auto r = f.probe({server->url("https"), "--servername", "other.example", "--timeout", "3"});
    CHECK(codeOf(r) == "tls_handshake_failed");
    CHECK_THAT(r["diagnosis"]["problems"][0]["detail"].get<std::string>(),
               Catch::Contains("unrecognized_name"));
  }
  SECTION("a name that does not resolve") {
    auto r = f.probe({"https://no-such-host.invalid/", "--timeout", "3"});
    CHECK((codeOf(r) == "dns_failure"));
  }
}

TEST_CASE("probe https: client certificates (nginx 400 and TLS 1.3 alert)", "[net]") {
  ProbeFixture f;
  auto c = f.pki.makeChain("Mtls");
  auto client_ca = f.pki.makeRoot("Mtls Client CA");
  auto client = f.pki.makeLeaf(client_ca, "integration-client");
  f.trust("api", "mtls-root", {c.root.cert});
  TlsServerOptions o;
  o.chain = {c.leaf.cert, c.intermediate.cert};
  o.key = c.leaf.key;
  o.client_cas = {client_ca.cert};
  SECTION("nginx completes the handshake and answers 400") {
    auto nginx = startNginx(o);
    auto r = f.probe({nginx->url("https"), "--connector", "api"});
    CHECK(codeOf(r) == "client_certificate_required");
    CHECK(r["tls"]["client_certificate_requested"] == true);
    CHECK(r["recommendation"]["action"] == "configure_identity");
    // With the identity configured, the same server answers 200.
    std::string p12_password = f.dir().write("pw.txt", "pw\n");
    std::string p12 = f.dir().write("client.p12", toPkcs12(client.key, {client.cert}, "pw"));
    REQUIRE(
        f.run({"import", p12, "--name", "client-id", "--identity", "--password-file", p12_password})
            .exit_code == 0);
    REQUIRE(f.run({"connector", "identity", "api", "client-id"}).exit_code == 0);
    CHECK(codeOf(f.probe({nginx->url("https"), "--connector", "api"})) == "ok");
  }
  SECTION("s_server with TLS 1.3 sends certificate_required") {
    auto server = startSServer(o);
    auto r = f.probe({server->url("https"), "--connector", "api"});
    CHECK(codeOf(r) == "client_certificate_required");
  }
}
