// Hostile servers end within the timeout with a clear diagnosis: a chain of 30 certificates,
// a certificate with 10,000 names, a server that trickles one byte a second. Plus the AIA
// fetch of a missing issuer from a real HTTP server.
#include <catch2/catch.hpp>

#include "tests/integration/probe_fixture.h"

using namespace trustctl;
using namespace trustctl::testing;

TEST_CASE("probe: hostile servers are bounded", "[net]") {
  ProbeFixture f;
  SECTION("a chain of 30 certificates") {
    auto root = f.pki.makeRoot("Deep Root CA");
    std::vector<Issued> cas{root};
    for (int i = 0; i < 28; ++i) {
      cas.push_back(f.pki.makeIntermediate(cas.back(), "Deep CA " + std::to_string(i)));
    }
    CertOptions o;
    o.sans = {"IP:127.0.0.1"};
    auto leaf = f.pki.makeLeaf(cas.back(), "localhost", o);
    std::vector<CertificatePtr> chain{leaf.cert};
    for (size_t i = cas.size() - 1; i > 0; --i) {
      chain.push_back(cas[i].cert);
    }
    REQUIRE(chain.size() == 29);
    chain.push_back(root.cert);  // 30 in all
    TlsServerOptions so;
    so.chain = chain;
    so.key = leaf.key;
    auto server = startSServer(so);
    f.trust("deep", "deep-root", {root.cert});
    auto r = f.probe({server->url("https"), "--connector", "deep", "--timeout", "5"});
    CHECK(r["presented_chain"].size() == 30);
    CHECK(codeOf(r) == "ok");
  }
  SECTION("a certificate with 10,000 names") {
    auto root = f.pki.makeRoot("Wide Root CA");
    CertOptions o;
    for (int i = 0; i < 10000; ++i) {
      o.sans.push_back("DNS:host" + std::to_string(i) + ".wide.example");
    }
    o.sans.push_back("IP:127.0.0.1");
    auto leaf = f.pki.makeLeaf(root, "wide", o);
    TlsServerOptions so;
    so.chain = {leaf.cert};
    so.key = leaf.key;
    auto server = startSServer(so);
    RunResult raw;
    auto r = f.probe({server->url("https"), "--timeout", "5"}, &raw);
    // OpenSSL clients refuse a certificate message over 100 KiB, as connector runtimes will;
    // the probe's retry measured the chain, and the size is the first thing wrong.
    CHECK(codeOf(r) == "certificate_too_large");
    CHECK_THAT(r["diagnosis"]["summary"].get<std::string>(), Catch::Contains("KiB"));
  }
  SECTION("a server that trickles one byte a second ends at the timeout") {
    RawServer trickle(RawBehaviour::Trickle);
    auto r =
        f.probe({"https://127.0.0.1:" + std::to_string(trickle.port()) + "/", "--timeout", "2"});
    CHECK(codeOf(r) == "timeout");
    CHECK(r["elapsed_seconds"].get<double>() < 6);
    auto l =
        f.probe({"ldaps://127.0.0.1:" + std::to_string(trickle.port()) + "/", "--timeout", "2"});
    CHECK(codeOf(l) == "timeout");
    CHECK(l["elapsed_seconds"].get<double>() < 6);
  }
}

TEST_CASE("probe: a missing intermediate is fetched from its AIA URL", "[net]") {
  ProbeFixture f;
  auto root = f.pki.makeRoot("Aia Root CA");
  auto inter = f.pki.makeIntermediate(root, "Aia Issuing CA");
  HttpFileServer http({{"/issuing.cer", toDer(inter.cert)}});
  CertOptions o;
  o.sans = {"IP:127.0.0.1"};
  o.aia_ca_issuers = {http.url("/issuing.cer")};
  auto leaf = f.pki.makeLeaf(inter, "localhost", o);
  TlsServerOptions so;
  so.chain = {leaf.cert};
  so.key = leaf.key;
  auto server = startSServer(so);
  f.trust("api", "aia-root", {root.cert});
  auto r = f.probe({server->url("https"), "--connector", "api"});
  CHECK(codeOf(r) == "missing_intermediate");
  CHECK(r["recommendation"]["source"] == "aia");
  CHECK(r["recommendation"]["sha256"] == inter.cert->sha256());
  // --no-aia: nothing is fetched, and the issuer is unknown.
  auto offline = f.probe({server->url("https"), "--connector", "api", "--no-aia"});
  CHECK(offline["recommendation"]["source"] == "unavailable");
}
