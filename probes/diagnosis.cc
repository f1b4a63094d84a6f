#include "probes/diagnosis.h"

#include <algorithm>
#include <set>

#include "probes/diagnosis_text.h"
#include "truststore/certificate_status.h"
#include "truststore/chain_verifier.h"

namespace trustctl::probes {

using truststore::CertificatePtr;

namespace {

// Primary-cause order. Transport first (nothing else can be judged), then dates (installing
// anything cannot fix an expired certificate), then what the connector must trust, then the
// rest of what the server must fix.
constexpr DiagnosisCode kPriority[] = {
    DiagnosisCode::DnsFailure,
    DiagnosisCode::ConnectionRefused,
    DiagnosisCode::Timeout,
    DiagnosisCode::NotTls,
    DiagnosisCode::StartTlsUnsupported,
    DiagnosisCode::ProtocolMismatch,
    DiagnosisCode::ProtocolError,
    DiagnosisCode::Expired,
    DiagnosisCode::NotYetValid,
    DiagnosisCode::SelfSigned,
    DiagnosisCode::WrongEnvironment,
    DiagnosisCode::MissingIntermediate,
    DiagnosisCode::UntrustedRoot,
    DiagnosisCode::HostnameMismatch,
    DiagnosisCode::WeakCrypto,
    DiagnosisCode::ClientCertificateRequired,
    DiagnosisCode::TlsHandshakeFailed,
};

int rank(DiagnosisCode code) {
  for (size_t i = 0; i < std::size(kPriority); ++i) {
    if (kPriority[i] == code) {
      return static_cast<int>(i);
    }
  }
  return static_cast<int>(std::size(kPriority));
}

std::string quoted(const truststore::Certificate& c) {
  const auto& i = c.info();
  return "'" + (i.subject_cn.empty() ? i.subject : i.subject_cn) + "'";
}

std::string role(const Diagnosis& d, const CertificatePtr& c) {
  if (!d.presented.empty() && c == d.presented[0]) {
    return "the server certificate " + quoted(*c);
  }
  return (c->info().self_signed ? "root " : "intermediate ") + quoted(*c);
}

void add(Diagnosis& d, DiagnosisCode code, const CertificatePtr& cert, std::string detail) {
  d.problems.push_back({code, cert ? cert->sha256() : "", std::move(detail)});
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
    default:
      return std::nullopt;
  }
}

// The chain does not reach an anchor: walk up from the leaf through what the server sent and
// then what the catalog knows, and name the missing piece.
void explainUntrusted(Diagnosis& d, const truststore::VerifyOutcome& v, const TrustAnchors& trust,
                      const Catalog& catalog) {
  const CertificatePtr& leaf = d.presented[0];
  if (leaf->info().self_signed) {
    add(d, DiagnosisCode::SelfSigned, leaf,
        "the server certificate " + quoted(*leaf) +
            " is self-signed and the connector does not trust it");
    d.candidate = InstallCandidate{leaf, "server", "presented", ""};
    d.path = {leaf};
    return;
  }
  std::vector<CertificatePtr> walk{leaf};
  std::vector<std::string> sources{"presented"};
  std::vector<std::string> entries{""};
  CertificatePtr lookalike;
  CertificatePtr missing_intermediate;
  std::string missing_source, missing_entry;
  CertificatePtr cur = leaf;
  for (int depth = 0; depth < 16 && !cur->info().self_signed; ++depth) {
    CertificatePtr next;
    for (const auto& p : d.presented) {
      if (p != cur && p->info().subject == cur->info().issuer && p->isIssuerOf(*cur) &&
          std::find(walk.begin(), walk.end(), p) == walk.end()) {
        next = p;
        break;
      }
    }
    if (next) {
      walk.push_back(next);
      sources.push_back("presented");
      entries.push_back("");
      cur = next;
      continue;
    }
    if (!lookalike) {
      for (const auto& a : trust.set().findBySubject(X509_get_issuer_name(cur->x509()))) {
        if (!a->isIssuerOf(*cur)) {
          lookalike = a;
          break;
        }
      }
    }
    auto known = catalog.issuersOf(*cur);
    if (known.empty()) {
      break;
    }
    const KnownCertificate& k = known[0];
    if (!k.cert->info().self_signed && !missing_intermediate) {
      missing_intermediate = k.cert;
      missing_source = k.source;
      missing_entry = k.entry;
    }
    walk.push_back(k.cert);
    sources.push_back(k.source);
    entries.push_back(k.entry);
    cur = k.cert;
  }
  d.path = walk;
  const CertificatePtr& top = walk.back();
  bool top_is_root = top->info().self_signed;
  std::string root_source = sources.back();
  std::string root_entry = entries.back();
  if (lookalike) {
    add(d, DiagnosisCode::WrongEnvironment, lookalike,
        "the connector trusts " + quoted(*lookalike) + " (" +
            truststore::shortFingerprint(lookalike->sha256()) +
            "), which has the name of the issuer the server needs but a different key: "
            "a certificate of another environment (test vs. production) or a CA that was re-keyed");
  } else if (missing_intermediate) {
    add(d, DiagnosisCode::MissingIntermediate, missing_intermediate,
        "the server does not send intermediate " + quoted(*missing_intermediate) +
            " and the connector does not trust it");
    d.candidate =
        InstallCandidate{missing_intermediate, "intermediate", missing_source, missing_entry};
    return;
  } else if (!v.error_text.empty() && v.error != X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT &&
             v.error != X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY &&
             v.error != X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE &&
             v.error != X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN &&
             v.error != X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT) {
    CertificatePtr at = v.failedCertificate();
    if (!at) {
      at = leaf;
    }
    add(d, DiagnosisCode::UntrustedRoot, at,
        "the path to the connector's trust is not valid: " + v.error_text + " (at " + role(d, at) +
            ")");
  } else if (top_is_root) {
    add(d, DiagnosisCode::UntrustedRoot, top,
        "the chain ends at root " + quoted(*top) + ", which the connector does not trust");
  } else {
    add(d, DiagnosisCode::UntrustedRoot, nullptr,
        "the issuer of " + role(d, top) + " ('" + top->info().issuer +
            "') is not trusted by the connector and not known on this machine");
  }
  if (top_is_root) {
    d.candidate = InstallCandidate{top, "root", root_source, root_entry};
  } else {
    d.unknown_issuer_of = top;
  }
}

void checkDates(Diagnosis& d, UnixTime now) {
  std::set<std::string> seen;
  auto judge = [&](const CertificatePtr& c) {
    if (!seen.insert(c->sha256()).second) {
      return;
    }
    const auto& i = c->info();
    if (i.not_after < now) {
      add(d, DiagnosisCode::Expired, c, role(d, c) + " expired on " + formatRfc3339(i.not_after));
    } else if (i.not_before > now) {
      add(d, DiagnosisCode::NotYetValid, c,
          role(d, c) + " is not valid before " + formatRfc3339(i.not_before) +
              " (check the server's and this machine's clocks)");
    }
  };
  for (const auto& c : d.presented)
    judge(c);
  for (const auto& c : d.path)
    judge(c);
  if (d.candidate)
    judge(d.candidate->cert);
}

void checkHostname(Diagnosis& d, const std::string& host) {
  if (host.empty()) {
    return;
  }
  const CertificatePtr& leaf = d.presented[0];
  int match = truststore::isIpLiteral(host)
                  ? X509_check_ip_asc(leaf->x509(), host.c_str(), 0)
                  : X509_check_host(leaf->x509(), host.c_str(), host.size(), 0, nullptr);
  if (match == 1) {
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

void checkWeakness(Diagnosis& d) {
  std::set<std::string> seen;
  auto judge = [&](const CertificatePtr& c) {
    std::string reason;
    if (seen.insert(c->sha256()).second && truststore::isWeak(c->info(), &reason)) {
      add(d, DiagnosisCode::WeakCrypto, c, role(d, c) + " is weak: " + reason);
    }
  };
  for (const auto& c : d.presented)
    judge(c);
  for (const auto& c : d.path)
    judge(c);
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
    : anchors_(anchors ? std::move(anchors) : truststore::AnchorSet::fromCertificates({})),
      store_(anchors_->newX509Store()) {}

truststore::VerifyOutcome TrustAnchors::verifyTrust(
    const std::vector<CertificatePtr>& presented) const {
  constexpr size_t kMaxRemembered = 4096;
  std::string key;
  for (const auto& c : presented) {
    key += c->sha256();
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = verified_.find(key);
    if (it != verified_.end()) {
      return it->second;
    }
  }
  truststore::VerifyOutcome v = truststore::verifyChain(presented, store_.get(), {0, "", false});
  std::lock_guard<std::mutex> lock(mutex_);
  if (verified_.size() >= kMaxRemembered) {
    verified_.clear();
  }
  verified_.emplace(std::move(key), v);
  return v;
}

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

Diagnosis diagnose(const Capture& capture, const TrustAnchors& trust, const Catalog& catalog,
                   const DiagnoseOptions& options) {
  Diagnosis d;
  std::string host = options.host.empty() ? capture.servername : options.host;
  if (host.empty()) {
    host = capture.target.host;
  }
  if (auto code = transportCode(capture.failure)) {
    add(d, *code, nullptr, capture.detail);
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
    truststore::VerifyOutcome v = trust.verifyTrust(d.presented);
    d.path = v.path;
    if (!v.ok) {
      explainUntrusted(d, v, trust, catalog);
    }
    checkDates(d, options.now);
    checkHostname(d, host);
    checkWeakness(d);
  }
  checkProtocolVersion(d, capture);
  checkClientCertificate(d, capture, options.identity_configured);
  bool transport_failed = transportCode(capture.failure).has_value();
  bool handshake_failed = capture.failure == CaptureFailure::HandshakeFailed ||
                          capture.failure == CaptureFailure::AfterHandshake;
  bool explained = std::any_of(d.problems.begin(), d.problems.end(), [](const Problem& p) {
    return p.code == DiagnosisCode::ClientCertificateRequired ||
           p.code == DiagnosisCode::WeakCrypto;
  });
  if (handshake_failed && !explained) {
    std::string alert = capture.alert_received >= 0
                            ? "the server sent alert " + alertName(capture.alert_received) + "; "
                            : "";
    add(d, DiagnosisCode::TlsHandshakeFailed, nullptr, alert + capture.detail);
  } else if (!transport_failed && !handshake_failed && d.presented.empty()) {
    add(d, DiagnosisCode::TlsHandshakeFailed, nullptr, "the server presented no certificate");
  }
  std::stable_sort(d.problems.begin(), d.problems.end(),
                   [](const Problem& a, const Problem& b) { return rank(a.code) < rank(b.code); });
  d.code = d.problems.empty() ? DiagnosisCode::Ok : d.problems[0].code;
  d.summary = summarize(d, capture, host);
  return d;
}

}  // namespace trustctl::probes
