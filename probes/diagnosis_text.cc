#include "probes/diagnosis_text.h"

#include <array>

namespace trustctl::probes {

namespace {

struct CodeDoc {
  DiagnosisCode code;
  std::string_view name;
  bool warning;
  std::string_view meaning;
  std::string_view action;
  std::string_view elsewhere;  // '|' between messages
};

constexpr bool error = false;
constexpr bool warning = true;
constexpr CodeDoc kCodes[] = {
#define TRUSTCTL_DIAGNOSIS(id, name, severity, meaning, action, elsewhere) \
  {DiagnosisCode::id, name, severity, meaning, action, elsewhere},
#include "probes/diagnosis_codes.def"
#undef TRUSTCTL_DIAGNOSIS
};

const CodeDoc& docOf(DiagnosisCode code) {
  for (const auto& doc : kCodes) {
    if (doc.code == code) {
      return doc;
    }
  }
  return kCodes[0];
}

std::string endpoint(const Capture& c) {
  return c.target.urlHost() + ":" + std::to_string(c.target.port);
}

}  // namespace

std::string_view diagnosisCodeName(DiagnosisCode code) {
  return docOf(code).name;
}

std::vector<DiagnosisCode> allDiagnosisCodes() {
  std::vector<DiagnosisCode> out;
  for (const auto& doc : kCodes) {
    out.push_back(doc.code);
  }
  return out;
}

std::optional<DiagnosisCode> diagnosisCodeFromName(std::string_view name) {
  for (const auto& doc : kCodes) {
    if (doc.name == name) {
      return doc.code;
    }
  }
  return std::nullopt;
}

bool isWarning(DiagnosisCode code) {
  return docOf(code).warning;
}

std::string diagnosisCodeTable() {
  std::string out = "| `diagnosis.code` | meaning | recommendation |\n|---|---|---|\n";
  for (const auto& doc : kCodes) {
    out += "| `" + std::string(doc.name) + "` | " + std::string(doc.meaning) + " | " +
           std::string(doc.action) + " |\n";
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
    case DiagnosisCode::StartTlsOnLdapsPort:
      return "The port " + endpoint(c) +
             " speaks LDAPS (TLS from the first byte), not StartTLS: " + "use ldaps://" +
             c.target.urlHost() + ":" + std::to_string(c.target.port) + ".";
    case DiagnosisCode::CompromisedRoot:
      return "Never trust this: " + first +
             ". Its private key is public, so anyone can impersonate any server with it; " +
             "suspect TLS interception on this machine or network.";
    case DiagnosisCode::ProxyUnreachable:
      return "The proxy cannot be reached: " + first + ".";
    case DiagnosisCode::ProxyAuthRequired:
      return "The proxy requires authentication: " + first + ".";
    case DiagnosisCode::ProxyConnectRefused:
      return "The proxy does not let this connection through: " + first + ".";
    case DiagnosisCode::TlsInterception:
      return "TLS interception: " + first + ". The chain shown is the proxy's, not the server's.";
    case DiagnosisCode::RevocationUnknown:
      return "Trusted, but revocation could not be checked: " + first + ".";
    default:
      break;
  }
  if (!isWarning(d.code) && d.code != DiagnosisCode::Ok) {
    return "The server must fix its certificate (nothing to install): " + first + ".";
  }
  return first;
}

std::vector<std::string> messagesSeenElsewhere(DiagnosisCode code) {
  std::vector<std::string> out;
  std::string_view rest = docOf(code).elsewhere;
  while (!rest.empty()) {
    size_t bar = rest.find('|');
    out.emplace_back(rest.substr(0, bar));
    rest = bar == std::string_view::npos ? std::string_view() : rest.substr(bar + 1);
  }
  return out;
}

}  // namespace trustctl::probes
