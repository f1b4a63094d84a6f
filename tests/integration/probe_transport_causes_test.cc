// Transport evidence from real servers: a leaf with 10,000 SANs (a Certificate message over
// OpenSSL's 100 KiB limit) behind s_server and slapd, and ldap:// (StartTLS) pointed at slapd's
// LDAPS-only port. The capture fields are checked through `--record`; the diagnosis codes,
// which need the engine to call transportEvidenceProblems, are in the [transport-e2e] cases.
#include <catch2/catch.hpp>

#include <fstream>

#include "tests/integration/probe_fixture.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

CertOptions manySans() {
  CertOptions o;
  o.sans = {"DNS:localhost", "IP:127.0.0.1"};
  for (int i = 0; i < 10000; ++i) {
    o.sans.push_back("DNS:host" + std::to_string(i) + ".big.example.test");
  }
  return o;
}

// The one capture `--record` wrote.
nlohmann::json recorded(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  REQUIRE(std::getline(in, line));
  return nlohmann::json::parse(line);
}

struct BigChainServer {
  explicit BigChainServer(ProbeFixture& f) : chain(f.pki.makeChain("Big", manySans())) {
    TlsServerOptions o;
    o.chain = {chain.leaf.cert, chain.intermediate.cert};
    o.key = chain.leaf.key;
    server = startSServer(o);
  }
  TestPki::Chain chain;
  std::unique_ptr<TestServer> server;
};

}  // namespace

TEST_CASE("probe transport: a 10,000-SAN leaf fails OpenSSL and the retry measures it",
          "[integration]") {
  ProbeFixture f;
  BigChainServer big(f);
  REQUIRE(big.chain.leaf.cert->der().size() > 100 * 1024);
  std::string rec = f.dir().file("big.jsonl");
  f.probe({big.server->url("https"), "--timeout", "10", "--record", rec});
  auto c = recorded(rec);
  CHECK(c["failure"] == "handshake_failed");
  CHECK(c["tls_error_library"] == "SSL routines");
  CHECK(c["tls_error_reason"] == 152);  // SSL_R_EXCESSIVE_MESSAGE_SIZE
  CHECK(c["tls_error_reason_text"] == "excessive message size");
  CHECK(c["chain_der_base64"].size() == 2);
  size_t expected =
      7 + 3 + big.chain.leaf.cert->der().size() + 3 + big.chain.intermediate.cert->der().size();
  CHECK(c["certificate_message_bytes"].get<size_t>() == expected);
  CHECK(c["certificate_message_bytes"].get<size_t>() > 100 * 1024);
}

TEST_CASE("probe transport: an ordinary chain records its Certificate message size",
          "[integration]") {
  ProbeFixture f;
  auto chain = f.pki.makeChain("Small");
  TlsServerOptions o;
  o.chain = {chain.leaf.cert, chain.intermediate.cert};
  o.key = chain.leaf.key;
  auto server = startSServer(o);
  std::string rec = f.dir().file("small.jsonl");
  f.probe({server->url("https"), "--timeout", "10", "--record", rec});
  auto c = recorded(rec);
  CHECK(c["tls_error_reason"] == 0);
  CHECK(c["certificate_message_bytes"].get<size_t>() ==
        7 + 6 + chain.leaf.cert->der().size() + chain.intermediate.cert->der().size());
}

TEST_CASE("probe transport: ldap:// on slapd's LDAPS port shows the port speaks TLS",
          "[integration]") {
  ProbeFixture f;
  auto chain = f.pki.makeChain("Dir");
  TlsServerOptions o;
  o.chain = {chain.leaf.cert, chain.intermediate.cert};
  o.key = chain.leaf.key;
  auto slapd = startSlapd(o);
  std::string rec = f.dir().file("ldap.jsonl");
  f.probe({slapd->url("ldap", slapd->port), "--timeout", "5", "--record", rec});
  auto c = recorded(rec);
  CHECK(c["port_speaks_tls"] == true);
  CHECK(c["failure"] != "none");
  SECTION("the plain LDAP port does not") {
    std::string plain = f.dir().file("plain.jsonl");
    f.probe({slapd->url("ldaps", slapd->port2), "--timeout", "3", "--record", plain});
    CHECK(recorded(plain)["port_speaks_tls"] == false);
  }
  SECTION("a directory without TLS refusing StartTLS does not") {
    auto bare = startSlapd({});
    std::string none = f.dir().file("none.jsonl");
    f.probe({bare->url("ldap", bare->port2), "--timeout", "3", "--record", none});
    auto n = recorded(none);
    CHECK(n["failure"] == "starttls_unsupported");
    CHECK(n["port_speaks_tls"] == false);
  }
}

// slapd (GnuTLS) cannot serve a 10,000-SAN leaf at all: it sends its ServerHello and closes
// (checked with openssl s_client), so the LDAP size is checked on an ordinary chain.
TEST_CASE("probe transport: LDAPS records the Certificate message size", "[integration]") {
  ProbeFixture f;
  auto chain = f.pki.makeChain("SizeDir");
  TlsServerOptions o;
  o.chain = {chain.leaf.cert, chain.intermediate.cert};
  o.key = chain.leaf.key;
  auto slapd = startSlapd(o);
  std::string rec = f.dir().file("ldaps.jsonl");
  f.probe({slapd->url("ldaps"), "--timeout", "10", "--record", rec});
  auto c = recorded(rec);
  CHECK(c["certificate_message_bytes"].get<size_t>() ==
        7 + 6 + chain.leaf.cert->der().size() + chain.intermediate.cert->der().size());
}

TEST_CASE("probe transport e2e: certificate_too_large and starttls_on_ldaps_port",
          "[integration][transport-e2e]") {
  ProbeFixture f;
  SECTION("https") {
    BigChainServer big(f);
    auto r = f.probe({big.server->url("https"), "--timeout", "10"});
    CHECK(codeOf(r) == "certificate_too_large");
  }
  SECTION("ldap:// on the LDAPS port") {
    auto chain = f.pki.makeChain("Dir");
    TlsServerOptions o;
    o.chain = {chain.leaf.cert, chain.intermediate.cert};
    o.key = chain.leaf.key;
    auto slapd = startSlapd(o);
    auto r = f.probe({slapd->url("ldap", slapd->port), "--timeout", "5"});
    CHECK(codeOf(r) == "starttls_on_ldaps_port");
  }
}
