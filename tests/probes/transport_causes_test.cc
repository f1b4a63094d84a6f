// Causes read from the transport evidence alone, on synthesized captures: an oversized
// Certificate message (by OpenSSL's reason or by the measured size) and ldap:// on an LDAPS port.
#include <catch2/catch.hpp>

#include <openssl/sslerr.h>

#include "probes/transport_causes.h"
#include "tests/support/test_pki.h"

using namespace trustctl;
using namespace trustctl::probes;

namespace {

Capture captureFor(const std::string& url) {
  Capture c;
  c.target = *parseTarget(url);
  c.servername = c.target.host;
  return c;
}

std::vector<DiagnosisCode> codes(const std::vector<Problem>& problems) {
  std::vector<DiagnosisCode> out;
  for (const auto& p : problems) {
    out.push_back(p.code);
  }
  return out;
}

}  // namespace

TEST_CASE("transport causes: a clean capture shows none", "[probes]") {
  auto c = captureFor("https://example.test:443/");
  c.handshake_completed = true;
  c.certificate_message_bytes = 4000;
  CHECK(transportEvidenceProblems(c).empty());
  auto l = captureFor("ldaps://127.0.0.1:636/");
  l.port_speaks_tls = true;  // ldaps:// on an LDAPS port is what it should be
  CHECK(transportEvidenceProblems(l).empty());
}

TEST_CASE("transport causes: OpenSSL's excessive message size is certificate_too_large",
          "[probes]") {
  trustctl::testing::TestPki pki(1'800'000'000);
  auto chain = pki.makeChain("Big");
  auto c = captureFor("https://example.test:8443/");
  c.failure = CaptureFailure::HandshakeFailed;
  c.tls_error_library = "SSL routines";
  c.tls_error_reason = SSL_R_EXCESSIVE_MESSAGE_SIZE;
  c.tls_error_reason_text = "excessive message size";
  SECTION("size unknown") {
    auto p = transportEvidenceProblems(c);
    REQUIRE(codes(p) == std::vector{DiagnosisCode::CertificateTooLarge});
    CHECK(p[0].detail.find("100 KiB") != std::string::npos);
    CHECK(p[0].detail.find("excessive message size") != std::string::npos);
    CHECK(p[0].certificate.empty());
  }
  SECTION("size measured by the retry, with the chain") {
    c.chain_der = {chain.leaf.cert->der(), chain.intermediate.cert->der()};
    c.certificate_message_bytes = 300 * 1024 + 5;
    auto p = transportEvidenceProblems(c);
    REQUIRE(codes(p) == std::vector{DiagnosisCode::CertificateTooLarge});
    CHECK(p[0].detail.find("is 301 KiB") != std::string::npos);
    CHECK(p[0].detail.find("32 KiB") != std::string::npos);  // Java's lower limit
    CHECK(p[0].certificate == chain.leaf.cert->sha256());
  }
  SECTION("another OpenSSL reason is not this cause") {
    c.tls_error_reason = SSL_R_WRONG_VERSION_NUMBER;
    CHECK(transportEvidenceProblems(c).empty());
  }
}

TEST_CASE("transport causes: a measured chain over 100 KiB is certificate_too_large", "[probes]") {
  auto c = captureFor("ldaps://127.0.0.1:636/");
  c.handshake_completed = true;  // GnuTLS took it; OpenSSL-based clients will not
  c.certificate_message_bytes = 102400;
  CHECK(transportEvidenceProblems(c).empty());
  c.certificate_message_bytes = 102401;
  CHECK(codes(transportEvidenceProblems(c)) == std::vector{DiagnosisCode::CertificateTooLarge});
}

TEST_CASE("transport causes: ldap:// on a port that speaks TLS is starttls_on_ldaps_port",
          "[probes]") {
  auto c = captureFor("ldap://127.0.0.1:10636/");
  c.failure = CaptureFailure::StartTlsUnsupported;
  CHECK(transportEvidenceProblems(c).empty());
  c.port_speaks_tls = true;
  auto p = transportEvidenceProblems(c);
  REQUIRE(codes(p) == std::vector{DiagnosisCode::StartTlsOnLdapsPort});
  CHECK(p[0].detail ==
        "port 10636 answers in TLS from the first byte: it speaks LDAPS; use "
        "ldaps://127.0.0.1:10636");
}
