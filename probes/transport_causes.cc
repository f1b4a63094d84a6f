#include "probes/transport_causes.h"

#include <openssl/sslerr.h>

#include <string>

namespace trustctl::probes {

namespace {

// OpenSSL's default max_cert_list (SSL_CTX_set_max_cert_list): a peer's Certificate message
// longer than this fails the handshake with "excessive message size".
constexpr size_t kOpensslCertListLimit = 100 * 1024;

bool opensslSaidTooLarge(const Capture& c) {
  return c.tls_error_library == "SSL routines" &&
         c.tls_error_reason == SSL_R_EXCESSIVE_MESSAGE_SIZE;
}

std::string leafFingerprint(const Capture& c) {
  if (c.chain_der.empty()) {
    return "";
  }
  auto leaf = truststore::Certificate::parseDer(c.chain_der.front());
  return leaf ? (*leaf)->sha256() : "";
}

// Java's limit is per handshake message, and lower: jdk.tls.maxHandshakeMessageSize, 32768
// bytes by default since 8u271 and 11.0.9 (plus at most 10 certificates,
// jdk.tls.maxCertificateChainLength).
constexpr const char* kOtherClients =
    "Java clients (8u271 and 11.0.9 on) refuse handshake messages over 32 KiB unless "
    "jdk.tls.maxHandshakeMessageSize is raised";

Problem certificateTooLarge(const Capture& c) {
  Problem p;
  p.code = DiagnosisCode::CertificateTooLarge;
  p.certificate = leafFingerprint(c);
  if (c.certificate_message_bytes > 0) {
    size_t kib = (c.certificate_message_bytes + 1023) / 1024;
    p.detail = "the server's certificate chain is " + std::to_string(kib) + " KiB (" +
               std::to_string(c.certificate_message_bytes) +
               " bytes); OpenSSL-based clients accept up to 100 KiB, and " + kOtherClients;
  } else {
    p.detail =
        "the server's certificate chain is larger than the 100 KiB OpenSSL-based clients "
        "accept (" +
        c.tls_error_reason_text + "); " + kOtherClients;
  }
  return p;
}

}  // namespace

std::vector<Problem> transportEvidenceProblems(const Capture& capture) {
  std::vector<Problem> out;
  if (opensslSaidTooLarge(capture) || capture.certificate_message_bytes > kOpensslCertListLimit) {
    out.push_back(certificateTooLarge(capture));
  }
  if (capture.target.protocol == Protocol::LdapStartTls && capture.port_speaks_tls) {
    Problem p;
    p.code = DiagnosisCode::StartTlsOnLdapsPort;
    std::string port = std::to_string(capture.target.port);
    p.detail = "port " + port +
               " answers in TLS from the first byte: it speaks LDAPS; use ldaps://" +
               capture.target.urlHost() + ":" + port;
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace trustctl::probes
