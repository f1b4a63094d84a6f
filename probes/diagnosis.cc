#include "probes/diagnosis.h"

#include <algorithm>
#include <set>

#include "probes/diagnosis_parts.h"
#include "probes/diagnosis_text.h"
#include "probes/revocation_fetch.h"
#include "probes/transport_causes.h"
#include "truststore/certificate_importer.h"
#include "truststore/certificate_status.h"
#include "truststore/chain_verifier.h"

namespace trustctl::probes {

using truststore::CertificatePtr;

namespace {

// Primary-cause order. Transport first (nothing else can be judged), then dates (installing
// anything cannot fix an expired certificate), then what the connector must trust, then the
// rest of what the server must fix.
constexpr DiagnosisCode kPriority[] = {
    DiagnosisCode::ProxyUnreachable,
    DiagnosisCode::ProxyAuthRequired,
    DiagnosisCode::ProxyConnectRefused,
    DiagnosisCode::StartTlsOnLdapsPort,
    DiagnosisCode::DnsFailure,
    DiagnosisCode::ConnectionRefused,
    DiagnosisCode::Timeout,
    DiagnosisCode::NotTls,
    DiagnosisCode::StartTlsUnsupported,
    DiagnosisCode::ProtocolMismatch,
    DiagnosisCode::ProtocolError,
    DiagnosisCode::CertificateTooLarge,
    DiagnosisCode::PathBuildingLimit,
    DiagnosisCode::CompromisedRoot,
    // What a re-signing proxy presents says nothing about the server: name the proxy first.
    DiagnosisCode::TlsInterception,
    DiagnosisCode::Revoked,
    DiagnosisCode::BadSignature,
    DiagnosisCode::Expired,
    DiagnosisCode::NotYetValid,
    DiagnosisCode::NotForServerAuth,
    DiagnosisCode::IssuerNotCa,
    DiagnosisCode::PathLengthExceeded,
    DiagnosisCode::NameConstraintsViolated,
    DiagnosisCode::UnknownCriticalExtension,
    DiagnosisCode::SelfSigned,
    DiagnosisCode::WrongEnvironment,
    DiagnosisCode::MissingIntermediate,
    DiagnosisCode::UntrustedRoot,
    DiagnosisCode::HostnameMismatch,
    DiagnosisCode::NoSubjectAltName,
    DiagnosisCode::WeakCrypto,
    DiagnosisCode::ClientCertificateRequired,
    DiagnosisCode::TlsHandshakeFailed,
    DiagnosisCode::RevocationUnknown,
};

int rank(DiagnosisCode code) {
  for (size_t i = 0; i < std::size(kPriority); ++i) {
    if (kPriority[i] == code) {
      return static_cast<int>(i);
    }
  }
  return static_cast<int>(std::size(kPriority));
}

using detail::addProblem;
using detail::quoted;

void add(Diagnosis& d, DiagnosisCode code, const CertificatePtr& cert, std::string text) {
  addProblem(d, code, cert, std::move(text));
}

std::optional<DiagnosisCode> transportCode(CaptureFailure f) {
  switch (f) {
    case CaptureFailure::DnsFailure:
      return DiagnosisCode::DnsFailure;
    case CaptureFailure::ConnectionRefused:
      return DiagnosisCode::ConnectionRefused;
    case CaptureFailure::Timeout:
      return DiagnosisCode::Timeout;
    case CaptureFailure::NotTls:
      return DiagnosisCode::NotTls;
    case CaptureFailure::StartTlsUnsupported:
      return DiagnosisCode::StartTlsUnsupported;
    case CaptureFailure::ProtocolMismatch:
      return DiagnosisCode::ProtocolMismatch;
    case CaptureFailure::ProtocolError:
      return DiagnosisCode::ProtocolError;
    case CaptureFailure::ProxyUnreachable:
      return DiagnosisCode::ProxyUnreachable;
    case CaptureFailure::ProxyAuthRequired:
      return DiagnosisCode::ProxyAuthRequired;
    case CaptureFailure::ProxyRefused:
      return DiagnosisCode::ProxyConnectRefused;
    default:
      return std::nullopt;
  }
}

void checkHostname(Diagnosis& d, const std::string& host) {
  if (host.empty()) {
    return;
  }
  const CertificatePtr& leaf = d.presented[0];
  bool ip = truststore::isIpLiteral(host);
  int match = ip ? X509_check_ip_asc(leaf->x509(), host.c_str(), 0)
                 : X509_check_host(leaf->x509(), host.c_str(), host.size(),
                                   X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, nullptr);
  if (match == 1) {
    return;
  }
  bool has_names = false;
  for (const auto& san : leaf->info().sans) {
    has_names = has_names || san.rfind("DNS:", 0) == 0 || san.rfind("IP:", 0) == 0;
  }
  if (!has_names && !ip &&
      X509_check_host(leaf->x509(), host.c_str(), host.size(), 0, nullptr) == 1) {
    add(d, DiagnosisCode::NoSubjectAltName, leaf,
        "the server certificate names '" + host +
            "' only in its subject CN and has no subjectAltName: Chrome, Go, Python and most "
            "modern runtimes refuse it, only old OpenSSL-based clients fall back to the CN");
    return;
  }
  std::string names;
  const auto& sans = leaf->info().sans;
  for (size_t i = 0; i < sans.size() && i < 5; ++i) {
    names += (i ? ", " : "") + sans[i];
  }
  if (sans.size() > 5) {
    names += " and " + std::to_string(sans.size() - 5) + " more";
  }
  if (names.empty()) {
    names = "no subject alternative name (CN '" + leaf->info().subject_cn + "' is not used)";
  }
  add(d, DiagnosisCode::HostnameMismatch, leaf,
      "the server certificate is for " + names + ", not for '" + host + "'");
}

// A server that negotiates below TLS 1.2 offers nothing newer (TLS picks the highest common
// version): runtimes that require 1.2, as Java 17 and current OpenSSL policies do, cannot connect.
void checkProtocolVersion(Diagnosis& d, const Capture& capture) {
  const std::string& v = capture.tls_version;
  if (v == "TLSv1" || v == "TLSv1.0" || v == "TLSv1.1" || v.rfind("SSL", 0) == 0) {
    add(d, DiagnosisCode::ProtocolMismatch, nullptr,
        "the server offers only " + v + ", and connector runtimes require TLS 1.2 or later");
  }
}

bool bodySaysClientCertificate(const Capture& c) {
  return c.http_status == 400 &&
         (c.http_body.find("No required SSL certificate") != std::string::npos ||
          c.http_body.find("SSL certificate error") != std::string::npos);
}

void checkClientCertificate(Diagnosis& d, const Capture& c, bool identity_configured) {
  bool failed =
      c.failure == CaptureFailure::HandshakeFailed || c.failure == CaptureFailure::AfterHandshake;
  bool alert_says = c.alert_received == 116 || c.alert_received == 42 || c.alert_received == 48 ||
                    c.alert_received == 40 || c.alert_received == 46 || c.alert_received == 49;
  bool rejected = bodySaysClientCertificate(c) || (c.client_certificate_requested && failed &&
                                                   (alert_says || !c.client_certificate_sent));
  if (!rejected) {
    return;
  }
  std::string why = bodySaysClientCertificate(c)
                        ? "the server answered HTTP 400 \"No required SSL certificate was sent\""
                    : c.alert_received >= 0 ? "the server sent alert " + alertName(c.alert_received)
                                            : "the server closed the connection";
  if (identity_configured && c.client_certificate_sent) {
    add(d, DiagnosisCode::ClientCertificateRequired, nullptr,
        "the server asked for a client certificate and rejected the one configured (" + why + ")");
  } else {
    add(d, DiagnosisCode::ClientCertificateRequired, nullptr,
        "the server requires a client certificate (mTLS) and none is configured (" + why + ")");
  }
}

}  // namespace

TrustAnchors::TrustAnchors(truststore::AnchorSetPtr anchors)
    : anchors_(anchors ? std::move(anchors) : truststore::AnchorSet::fromCertificates({})) {}

Result<CertificatePtr> parsePresentedCertificate(const std::string& der) {
  constexpr size_t kMaxRemembered = 2048;
  static std::mutex mutex;
  static std::unordered_map<std::string, CertificatePtr> parsed;
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = parsed.find(der);
    if (it != parsed.end()) {
      return it->second;
    }
  }
  auto cert = truststore::Certificate::parseDer(der);
  if (!cert) {
    return cert;
  }
  std::lock_guard<std::mutex> lock(mutex);
  if (parsed.size() >= kMaxRemembered) {
    parsed.clear();
  }
  parsed.emplace(der, *cert);
  return cert;
}

namespace {

// The certificates an AIA body holds (none when it holds no usable certificate), parsed once
// per process for the same bytes (bounded), as presented certificates are: the runner
// diagnoses again after each fetch, and the leaves of a fleet name the same few issuer URLs.
std::vector<CertificatePtr> certificatesFetched(const std::string& body, const std::string& url) {
  constexpr size_t kMaxRemembered = 256;
  static std::mutex mutex;
  static std::unordered_map<std::string, std::vector<CertificatePtr>> parsed;
  std::string key =
      ossl::sha256HexOf(reinterpret_cast<const unsigned char*>(body.data()), body.size());
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = parsed.find(key);
    if (it != parsed.end()) {
      return it->second;
    }
  }
  // The label only names the source in errors, which are not kept: the bytes decide.
  auto material = truststore::parseImport(body, url, [] { return std::nullopt; });
  std::vector<CertificatePtr> certs;
  if (material) {
    certs = material->certificates;
  }
  std::lock_guard<std::mutex> lock(mutex);
  if (parsed.size() >= kMaxRemembered) {
    parsed.clear();
  }
  parsed.emplace(std::move(key), certs);
  return certs;
}

}  // namespace

std::vector<truststore::PathCandidate> fetchedIssuers(const Capture& capture) {
  std::vector<truststore::PathCandidate> out;
  for (const auto& f : capture.fetched) {
    if (f.purpose != FetchPurpose::CaIssuers || f.body.empty()) {
      continue;
    }
    for (const auto& cert : certificatesFetched(f.body, f.url)) {
      out.push_back({cert, "aia", "", false, false});
    }
  }
  return out;
}

namespace {

// A trusted intermediate of an interception CA must not hide the interception: what the
// server sent, and the issuers above the path's top (sent or known), are checked for keys on
// the compromised list too.
void checkCompromisedAncestry(Diagnosis& d, const truststore::PathBuildRequest& request) {
  for (const auto& c : d.presented) {
    detail::reportCompromisedKey(d, c);
  }
  CertificatePtr cur = d.path.empty() ? nullptr : d.path.back();
  for (int depth = 0; cur && depth < 4 && !cur->info().self_signed; ++depth) {
    std::vector<truststore::PathCandidate> above = request.more_issuers(*cur);
    above.insert(above.end(), request.extra.begin(), request.extra.end());
    CertificatePtr next;
    for (const auto& c : above) {
      if (c.cert->info().subject == cur->info().issuer && truststore::issuedBy(*cur, *c.cert)) {
        next = c.cert;
        break;
      }
    }
    if (next && detail::reportCompromisedKey(d, next)) {
      break;
    }
    cur = next;
  }
}

void judgeChain(Diagnosis& d, const Capture& capture, const TrustAnchors& trust,
                const Catalog& catalog, const DiagnoseOptions& options) {
  auto evidence = revocationEvidenceOf(capture);
  truststore::PathBuildRequest request;
  request.leaf = d.presented[0];
  for (size_t i = 1; i < d.presented.size(); ++i) {
    request.extra.push_back({d.presented[i], "presented", "", false, true});
  }
  for (auto& c : fetchedIssuers(capture)) {
    request.extra.push_back(std::move(c));
  }
  request.anchors = &trust.set();
  request.more_issuers = [&catalog](const truststore::Certificate& child) {
    std::vector<truststore::PathCandidate> out;
    for (const auto& k : catalog.withSubject(child.info().issuer)) {
      out.push_back({k.cert, k.source, k.entry, false, false});
    }
    return out;
  };
  request.now = options.now;
  request.revocation = options.revocation;
  request.revocation_evidence = &evidence;
  detail::explainPaths(d, truststore::buildPaths(request), trust, options.now);
  checkCompromisedAncestry(d, request);
}

}  // namespace

Diagnosis diagnose(const Capture& capture, const TrustAnchors& trust, const Catalog& catalog,
                   const DiagnoseOptions& options) {
  Diagnosis d;
  std::string host = options.host.empty() ? capture.servername : options.host;
  if (host.empty()) {
    host = capture.target.host;
  }
  if (auto code = transportCode(capture.failure)) {
    bool proxy = *code == DiagnosisCode::ProxyUnreachable ||
                 *code == DiagnosisCode::ProxyAuthRequired ||
                 *code == DiagnosisCode::ProxyConnectRefused;
    add(d, *code, nullptr, proxy ? proxyFailureDetail(capture) : capture.detail);
  }
  for (auto& p : transportEvidenceProblems(capture)) {
    addProblem(d, p.code, nullptr, p.detail, p.warning);
  }
  for (size_t i = 0; i < capture.chain_der.size(); ++i) {
    auto cert = parsePresentedCertificate(capture.chain_der[i]);
    if (!cert) {
      add(d, DiagnosisCode::TlsHandshakeFailed, nullptr,
          "certificate " + std::to_string(i + 1) + " the server sent cannot be parsed");
      continue;
    }
    d.presented.push_back(*cert);
  }
  if (!d.presented.empty()) {
    judgeChain(d, capture, trust, catalog, options);
    checkHostname(d, host);
    bool trusted = std::none_of(d.problems.begin(), d.problems.end(),
                                [](const Problem& p) { return !p.warning; });
    if (auto p = interceptionProblem(capture, d.presented, trusted)) {
      addProblem(d, p->code, nullptr, p->detail, p->warning);
      d.problems.back().certificate = p->certificate;
    }
  }
  checkProtocolVersion(d, capture);
  checkClientCertificate(d, capture, options.identity_configured);
  bool transport_failed = transportCode(capture.failure).has_value();
  bool handshake_failed = capture.failure == CaptureFailure::HandshakeFailed ||
                          capture.failure == CaptureFailure::AfterHandshake;
  bool explained = std::any_of(d.problems.begin(), d.problems.end(), [](const Problem& p) {
    return p.code == DiagnosisCode::ClientCertificateRequired ||
           p.code == DiagnosisCode::WeakCrypto || p.code == DiagnosisCode::CertificateTooLarge ||
           p.code == DiagnosisCode::StartTlsOnLdapsPort;
  });
  if (handshake_failed && !explained) {
    std::string alert = capture.alert_received >= 0
                            ? "the server sent alert " + alertName(capture.alert_received) + "; "
                            : "";
    add(d, DiagnosisCode::TlsHandshakeFailed, nullptr, alert + capture.detail);
  } else if (!transport_failed && !handshake_failed && d.presented.empty()) {
    add(d, DiagnosisCode::TlsHandshakeFailed, nullptr, "the server presented no certificate");
  }
  // Errors before warnings, each in cause order.
  std::stable_sort(d.problems.begin(), d.problems.end(), [](const Problem& a, const Problem& b) {
    if (a.warning != b.warning) {
      return !a.warning;
    }
    return rank(a.code) < rank(b.code);
  });
  d.code = d.problems.empty() || d.problems[0].warning ? DiagnosisCode::Ok : d.problems[0].code;
  d.summary = summarize(d, capture, host);
  return d;
}

}  // namespace trustctl::probes
