#include "probes/diagnosis_text.h"

#include <array>

namespace trustctl::probes {

namespace {

constexpr std::array<std::pair<DiagnosisCode, std::string_view>, 18> kNames{{
    {DiagnosisCode::Ok, "ok"},
    {DiagnosisCode::DnsFailure, "dns_failure"},
    {DiagnosisCode::ConnectionRefused, "connection_refused"},
    {DiagnosisCode::Timeout, "timeout"},
    {DiagnosisCode::NotTls, "not_tls"},
    {DiagnosisCode::StartTlsUnsupported, "starttls_unsupported"},
    {DiagnosisCode::ProtocolMismatch, "protocol_mismatch"},
    {DiagnosisCode::ClientCertificateRequired, "client_certificate_required"},
    {DiagnosisCode::UntrustedRoot, "untrusted_root"},
    {DiagnosisCode::MissingIntermediate, "missing_intermediate"},
    {DiagnosisCode::SelfSigned, "self_signed"},
    {DiagnosisCode::Expired, "expired"},
    {DiagnosisCode::NotYetValid, "not_yet_valid"},
    {DiagnosisCode::HostnameMismatch, "hostname_mismatch"},
    {DiagnosisCode::WrongEnvironment, "wrong_environment"},
    {DiagnosisCode::WeakCrypto, "weak_crypto"},
    {DiagnosisCode::TlsHandshakeFailed, "tls_handshake_failed"},
    {DiagnosisCode::ProtocolError, "protocol_error"},
}};

std::string endpoint(const Capture& c) {
  return c.target.urlHost() + ":" + std::to_string(c.target.port);
}

}  // namespace

std::string_view diagnosisCodeName(DiagnosisCode code) {
  for (const auto& [value, name] : kNames) {
    if (value == code) {
      return name;
    }
  }
  return "tls_handshake_failed";
}

std::vector<DiagnosisCode> allDiagnosisCodes() {
  std::vector<DiagnosisCode> out;
  for (const auto& entry : kNames) {
    out.push_back(entry.first);
  }
  return out;
}

std::string summarize(const Diagnosis& d, const Capture& c, const std::string& host) {
  std::string first = d.problems.empty() ? "" : d.problems[0].detail;
  while (!first.empty() && (first.back() == '.' || first.back() == ' ')) {
    first.pop_back();  // the summary adds its own full stop
  }
  switch (d.code) {
    case DiagnosisCode::Ok:
      return "The connection works: the server's certificate is trusted by the connector and valid "
             "for " +
             host + ".";
    case DiagnosisCode::DnsFailure:
      return "The host name " + c.target.host + " does not resolve from this machine.";
    case DiagnosisCode::ConnectionRefused:
      return "Nothing accepts connections on " + endpoint(c) +
             " (refused or unreachable): check the host, the port and any firewall.";
    case DiagnosisCode::Timeout:
      return endpoint(c) + " did not answer in time (" + first +
             "): a firewall that drops packets, a wrong port or an overloaded server.";
    case DiagnosisCode::NotTls:
      return "Something answers on " + endpoint(c) +
             " but it does not speak TLS: probably a plain HTTP or LDAP port, or the wrong scheme.";
    case DiagnosisCode::StartTlsUnsupported:
      return "The LDAP server on " + endpoint(c) +
             " does not offer StartTLS; use ldaps:// or enable TLS on the server.";
    case DiagnosisCode::ProtocolMismatch:
      return "The server and this client have no TLS version or cipher suite in common (" + first +
             ").";
    case DiagnosisCode::ClientCertificateRequired:
      return "The server requires a client certificate: " + first + ".";
    case DiagnosisCode::UntrustedRoot:
      return "The server's certificate is not trusted by the connector: " + first + ".";
    case DiagnosisCode::MissingIntermediate:
      return "The chain is incomplete: " + first + ".";
    case DiagnosisCode::SelfSigned:
      return "The server uses a self-signed certificate that the connector does not trust.";
    case DiagnosisCode::Expired:
      return "A certificate has expired: " + first + ".";
    case DiagnosisCode::NotYetValid:
      return "A certificate is not valid yet: " + first + ".";
    case DiagnosisCode::HostnameMismatch:
      return "The certificate does not match the host name: " + first + ".";
    case DiagnosisCode::WrongEnvironment:
      return "The connector trusts the wrong certificate: " + first + ".";
    case DiagnosisCode::WeakCrypto:
      return "Weak cryptography: " + first + ".";
    case DiagnosisCode::TlsHandshakeFailed:
      return "The TLS handshake failed: " + first + ".";
    case DiagnosisCode::ProtocolError:
      return "The server on " + endpoint(c) + " broke the protocol: " + first + ".";
  }
  return first;
}

std::vector<std::string> messagesSeenElsewhere(DiagnosisCode code) {
  switch (code) {
    case DiagnosisCode::UntrustedRoot:
    case DiagnosisCode::MissingIntermediate:
    case DiagnosisCode::WrongEnvironment:
      return {
          "Java: PKIX path building failed: unable to find valid certification path to requested "
          "target",
          "OpenSSL/curl: unable to get local issuer certificate (curl: (60) SSL certificate "
          "problem)",
          "LDAP: Can't contact LDAP server (-1) / ldap_start_tls: Connect error (-11)"};
    case DiagnosisCode::SelfSigned:
      return {"Java: PKIX path building failed",
              "OpenSSL/curl: self-signed certificate (curl: (60) SSL certificate problem)",
              "LDAP: Can't contact LDAP server (-1)"};
    case DiagnosisCode::Expired:
    case DiagnosisCode::NotYetValid:
      return {"Java: CertificateExpiredException / CertificateNotYetValidException",
              "OpenSSL/curl: certificate has expired / certificate is not yet valid",
              "LDAP: Can't contact LDAP server (-1)"};
    case DiagnosisCode::HostnameMismatch:
      return {"Java: No subject alternative names matching ... found",
              "curl: (60) SSL: no alternative certificate subject name matches target host name",
              "LDAP: TLS: hostname does not match CN in peer certificate"};
    case DiagnosisCode::ClientCertificateRequired:
      return {"Java: Received fatal alert: bad_certificate / certificate_required",
              "OpenSSL/curl: alert certificate required (SSL alert number 116); nginx: 400 No "
              "required SSL certificate was sent",
              "LDAP: Can't contact LDAP server (-1)"};
    case DiagnosisCode::ProtocolMismatch:
      return {
          "Java: No appropriate protocol (protocol is disabled or cipher suites are inappropriate)",
          "OpenSSL/curl: unsupported protocol / tlsv1 alert protocol version",
          "LDAP: Can't contact LDAP server (-1)"};
    case DiagnosisCode::DnsFailure:
      return {"Java: UnknownHostException", "curl: (6) Could not resolve host",
              "LDAP: Can't contact LDAP server (-1)"};
    case DiagnosisCode::ConnectionRefused:
    case DiagnosisCode::Timeout:
      return {"Java: Connection refused / connect timed out",
              "curl: (7) Failed to connect / (28) Timeout", "LDAP: Can't contact LDAP server (-1)"};
    case DiagnosisCode::NotTls:
      return {"Java: Unsupported or unrecognized SSL message", "OpenSSL/curl: wrong version number",
              "LDAP: Can't contact LDAP server (-1)"};
    case DiagnosisCode::StartTlsUnsupported:
      return {"LDAP: ldap_start_tls: Protocol error (2) / Unavailable (52)"};
    case DiagnosisCode::WeakCrypto:
      return {"Java: Certificates do not conform to algorithm constraints",
              "OpenSSL/curl: ee key too small / ca md too weak"};
    case DiagnosisCode::TlsHandshakeFailed:
      return {"Java: SSLHandshakeException", "curl: (35) SSL connect error",
              "LDAP: Can't contact LDAP server (-1)"};
    case DiagnosisCode::ProtocolError:
      return {"Java: javax.naming.CommunicationException / OutOfMemoryError",
              "LDAP: Can't contact LDAP server (-1) / ber_get_next failed"};
    case DiagnosisCode::Ok:
      return {};
  }
  return {};
}

}  // namespace trustctl::probes
