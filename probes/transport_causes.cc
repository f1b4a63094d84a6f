#include "probes/transport_causes.h"

#include <openssl/sslerr.h>

#include <string>

#include "probes/interception.h"

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

std::string target(const Capture& c) {
  return c.target.urlHost() + ":" + std::to_string(c.target.port);
}

}  // namespace

std::string proxyFailureDetail(const Capture& c) {
  std::string proxy = "the proxy " + c.proxy;
  std::string answer = c.proxy_status_line.empty()
                           ? "status " + std::to_string(c.proxy_connect_status)
                           : "\"" + c.proxy_status_line + "\"";
  switch (c.failure) {
    case CaptureFailure::ProxyUnreachable:
      return proxy + (c.proxy_source == "configured" ? "" : " (from " + c.proxy_source + ")") +
             " does not accept connections: " + c.detail;
    case CaptureFailure::ProxyAuthRequired:
      return proxy + " answered CONNECT " + target(c) + " with " + answer +
             (c.proxy_credentials_sent ? ": it refused the credentials given"
                                       : ": it wants credentials and none were given");
    case CaptureFailure::ProxyRefused:
      return proxy + " refused to open a tunnel to " + target(c) + ": it answered CONNECT with " +
             answer;
    default:
      return c.detail;
  }
}

std::optional<Problem> interceptionProblem(const Capture& capture,
                                           const std::vector<truststore::CertificatePtr>& presented,
                                           bool trusted) {
  auto finding = findInterception(capture, presented);
  if (!finding) {
    return std::nullopt;
  }
  Problem p;
  p.code = DiagnosisCode::TlsInterception;
  p.certificate = finding->proxy_top ? finding->proxy_top->sha256() : "";
  p.detail = describeInterception(*finding, capture.proxy);
  if (trusted) {
    p.detail += " (the connector trusts the proxy's root, so it works through this proxy only)";
  }
  p.warning = trusted;
  return p;
}

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
