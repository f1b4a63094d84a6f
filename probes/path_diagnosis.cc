// From every path the builder tried to problems and the one certificate worth installing.
// The rules (issue 13's recommendation policy): a certificate is offered for installation
// only when it completes a path with no fault at all, so installing it cannot hide one (an
// intermediate over an expired or SHA-1 root, a root over an expired leaf); what the connector
// already trusts is never offered (it anchors paths, it is not missing from them); a key on
// the compromised list is never offered, and a path through one is named as interception.

#include <set>

#include "probes/diagnosis_parts.h"
#include "truststore/compromised_roots.h"

namespace trustctl::probes::detail {

using truststore::CertificatePtr;
using truststore::CertPath;
using truststore::PathEnd;
using truststore::PathErrorCode;

std::string quoted(const truststore::Certificate& c) {
  const auto& i = c.info();
  return "'" + (i.subject_cn.empty() ? i.subject : i.subject_cn) + "'";
}

std::string role(const Diagnosis& d, const CertificatePtr& c) {
  if (!d.presented.empty() && c->sha256() == d.presented[0]->sha256()) {
    return "the server certificate " + quoted(*c);
  }
  return (c->info().self_signed ? "root " : "intermediate ") + quoted(*c);
}

void addProblem(Diagnosis& d, DiagnosisCode code, const CertificatePtr& cert, std::string detail,
                bool warning) {
  std::string sha = cert ? cert->sha256() : "";
  for (const auto& p : d.problems) {
    if (p.code == code && p.certificate == sha && !sha.empty()) {
      return;  // one problem per certificate and cause, however many paths show it
    }
  }
  d.problems.push_back({code, sha, std::move(detail), warning});
}

namespace {

DiagnosisCode codeFor(PathErrorCode e) {
  return diagnosisCodeFromName(truststore::pathErrorDiagnosisName(e))
      .value_or(DiagnosisCode::TlsHandshakeFailed);
}

std::vector<CertificatePtr> certsOf(const CertPath& p) {
  std::vector<CertificatePtr> out;
  for (const auto& e : p.elements) {
    out.push_back(e.candidate.cert);
  }
  return out;
}

void reportErrors(Diagnosis& d, const CertPath& p) {
  for (const auto& e : p.elements) {
    for (const auto& err : e.errors) {
      std::string who = role(d, e.candidate.cert);
      if (e.candidate.trusted && e.candidate.cert != d.presented[0]) {
        who += " (trusted by the connector)";
      }
      addProblem(d, codeFor(err.code), e.candidate.cert, who + " " + err.detail, err.warning);
    }
  }
}

// What the server sent but no path used still counts for dates and weakness: a support
// engineer wants to know the chain holds an expired certificate even when a path avoids it.
void reportUnusedPresented(Diagnosis& d, const CertPath& p, UnixTime now) {
  std::set<std::string> on_path;
  for (const auto& e : p.elements) {
    on_path.insert(e.candidate.cert->sha256());
  }
  for (const auto& c : d.presented) {
    if (on_path.count(c->sha256()) != 0) {
      continue;
    }
    CertPath single;
    single.elements.push_back({{c, "presented", "", false, true}, {}, {}});
    truststore::PathBuildRequest only_dates;
    only_dates.leaf = c;
    only_dates.now = now;
    only_dates.require_server_auth = false;
    truststore::checkPath(single, only_dates);
    for (const auto& err : single.elements[0].errors) {
      if (err.code == PathErrorCode::Expired || err.code == PathErrorCode::NotYetValid ||
          err.code == PathErrorCode::Weak) {
        addProblem(d, codeFor(err.code), c, role(d, c) + " " + err.detail);
      }
    }
  }
}

bool missingFromConnector(const truststore::PathElement& e) {
  return !e.candidate.presented && !e.candidate.trusted;
}

const truststore::PathElement* firstMissing(const CertPath& p) {
  for (const auto& e : p.elements) {
    if (missingFromConnector(e)) {
      return &e;
    }
  }
  return nullptr;
}

// Installing one certificate would make this path the connector's: it has no fault, and it
// ends at a root, an anchor, or reaches a known certificate the connector could anchor at.
bool fixable(const CertPath& p) {
  if (!p.flawless()) {
    return false;
  }
  return p.end == PathEnd::Anchored || p.end == PathEnd::UntrustedRoot ||
         (p.end == PathEnd::NoIssuer && firstMissing(p) != nullptr);
}

// A trusted certificate with the name of an issuer on the path but another key.
CertificatePtr lookalikeAnchor(const CertPath& p, const TrustAnchors& trust) {
  for (const auto& e : p.elements) {
    const auto& cert = e.candidate.cert;
    if (cert->info().self_signed) {
      continue;
    }
    for (const auto& a : trust.set().findBySubject(X509_get_issuer_name(cert->x509()))) {
      if (!truststore::issuedBy(*cert, *a)) {
        return a;
      }
    }
  }
  return nullptr;
}

bool compromised(const CertificatePtr& c) {
  return truststore::findCompromisedKey(c->info().spki_sha256) != nullptr;
}

void offer(Diagnosis& d, const truststore::PathElement& e, const std::string& kind) {
  if (!compromised(e.candidate.cert)) {
    d.candidate = InstallCandidate{e.candidate.cert, kind, e.candidate.source, e.candidate.entry};
  }
}

void reportMissing(Diagnosis& d, const truststore::PathElement& missing, bool may_offer) {
  addProblem(d, DiagnosisCode::MissingIntermediate, missing.candidate.cert,
             "the server does not send intermediate " + quoted(*missing.candidate.cert) +
                 " and the connector does not trust it");
  if (may_offer) {
    offer(d, missing, "intermediate");
  }
}

// Why `t` is not the connector's path, and (when `may_offer`) what to install.
void explainTrust(Diagnosis& d, const CertPath& t, const TrustAnchors& trust, bool may_offer) {
  const auto& top = t.elements.back();
  const auto* missing = firstMissing(t);
  if (t.end == PathEnd::Anchored && t.selfContained()) {
    return;
  }
  if (t.end == PathEnd::UntrustedRoot && t.elements.size() == 1) {
    addProblem(d, DiagnosisCode::SelfSigned, top.candidate.cert,
               "the server certificate " + quoted(*top.candidate.cert) +
                   " is self-signed and the connector does not trust it");
    if (may_offer) {
      offer(d, top, "server");
    }
    return;
  }
  if (CertificatePtr look = lookalikeAnchor(t, trust)) {
    addProblem(d, DiagnosisCode::WrongEnvironment, look,
               "the connector trusts " + quoted(*look) + " (" +
                   truststore::shortFingerprint(look->sha256()) +
                   "), which has the name of the issuer the server needs but a different key: "
                   "a certificate of another environment (test vs. production) or a CA that "
                   "was re-keyed");
    if (t.end == PathEnd::UntrustedRoot && may_offer) {
      offer(d, top, "root");
    } else if (t.end == PathEnd::NoIssuer) {
      d.unknown_issuer_of = top.candidate.cert;
    }
    return;
  }
  if (missing && missing != &top) {
    return reportMissing(d, *missing, may_offer);
  }
  if (t.end == PathEnd::UntrustedRoot) {
    addProblem(d, DiagnosisCode::UntrustedRoot, top.candidate.cert,
               "the chain ends at root " + quoted(*top.candidate.cert) +
                   ", which the connector does not trust");
    if (may_offer) {
      offer(d, top, "root");
    }
    return;
  }
  if (missing) {  // the top itself came from elsewhere, and nobody has its issuer
    return reportMissing(d, *missing, may_offer);
  }
  const auto& cert = top.candidate.cert;
  d.unknown_issuer_of = cert;
  const auto& info = cert->info();
  if (t.elements.size() == 1) {
    // Not self-issued: its issuer is a CA the server should send, not a root to trust.
    std::string key = info.authority_key_id.empty() ? "" : ", key id " + info.authority_key_id;
    addProblem(d, DiagnosisCode::MissingIntermediate, nullptr,
               "the server sends only its own certificate, and its issuer '" + info.issuer + "'" +
                   key + " is not sent, not trusted and not known on this machine");
    return;
  }
  addProblem(d, DiagnosisCode::UntrustedRoot, nullptr,
             "the issuer of " + role(d, cert) + " ('" + info.issuer +
                 "') is not trusted by the connector and not known on this machine");
}

void reportCompromised(Diagnosis& d, const CertPath& p) {
  for (const auto& e : p.elements) {
    reportCompromisedKey(d, e.candidate.cert);
  }
}

}  // namespace

bool reportCompromisedKey(Diagnosis& d, const CertificatePtr& cert) {
  const auto* key = truststore::findCompromisedKey(cert->info().spki_sha256);
  if (key) {
    addProblem(d, DiagnosisCode::CompromisedRoot, cert,
               role(d, cert) + " has the key of " + std::string(key->name) +
                   ", whose private key is public (" + std::string(key->why) +
                   "); it must never be trusted");
  }
  return key != nullptr;
}

void explainPaths(Diagnosis& d, const truststore::PathBuildResult& result,
                  const TrustAnchors& trust, UnixTime now) {
  d.paths_tried = result.paths;
  if (const CertPath* valid = result.firstValid()) {
    d.path = certsOf(*valid);
    reportErrors(d, *valid);  // warnings only
    reportCompromised(d, *valid);
    reportUnusedPresented(d, *valid, now);
    return;
  }
  const CertPath* best = result.best();
  if (!best || result.limit_reached) {
    // A search cut by a bound proves nothing about the paths it did not try: name the bound,
    // never a partial explanation (a look-alike, a root to install) that may be false.
    if (best) {
      d.path = certsOf(*best);
    }
    addProblem(d, DiagnosisCode::PathBuildingLimit, nullptr,
               "no verifier should accept this chain: path building stopped at " +
                   (result.limit_detail.empty() ? std::string("its bounds") : result.limit_detail) +
                   " from " + role(d, d.presented[0]));
    return;
  }
  const CertPath* fix = nullptr;
  for (const auto& p : result.paths) {
    if (fixable(p)) {
      fix = &p;
      break;
    }
  }
  d.path = certsOf(*best);
  reportErrors(d, *best);
  reportCompromised(d, *best);
  reportUnusedPresented(d, *best, now);
  // A connector anchor that is itself at fault (an expired root with a re-issue known) is
  // named, though the best path avoids it: it is why the connector fails today.
  for (const auto& p : result.paths) {
    if (&p != best && p.end == PathEnd::Anchored && p.selfContained()) {
      const auto& anchor = p.elements.back();
      CertPath only_anchor;
      only_anchor.elements.push_back(anchor);
      bool only_there = only_anchor.errorCount() == p.errorCount();
      if (only_there) {
        reportErrors(d, only_anchor);
      }
      break;
    }
  }
  const CertPath& t = fix ? *fix : *best;
  explainTrust(d, t, trust, fix != nullptr);
}

}  // namespace trustctl::probes::detail
