// judgeAsRuntime: the paths come from buildPaths under the runtime's anchor rule; each is then
// judged again by the runtime's own policy (keys, SHA-1, EKU, anchor dates) in place of
// trustctl's, and the leaf's name by the runtime's matcher.

#include <algorithm>

#include "truststore/runtime_model.h"

namespace trustctl::truststore {

namespace {

std::string nameOf(const Certificate& c) {
  const auto& i = c.info();
  return "'" + (i.subject_cn.empty() ? i.subject : i.subject_cn) + "'";
}

bool containsAny(std::string haystack, std::initializer_list<const char*> needles) {
  std::transform(haystack.begin(), haystack.end(), haystack.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::any_of(needles.begin(), needles.end(),
                     [&](const char* n) { return haystack.find(n) != std::string::npos; });
}

std::string keyWeakness(const RuntimeModel& m, const CertificateInfo& i) {
  bool rsa_like =
      i.key_algorithm == "RSA" || i.key_algorithm == "RSA-PSS" || i.key_algorithm == "DSA";
  if (rsa_like && i.key_bits > 0 && i.key_bits < m.min_rsa_bits) {
    return i.key_algorithm + " key of " + std::to_string(i.key_bits) + " bits (" +
           std::string(m.name) + " requires " + std::to_string(m.min_rsa_bits) + ")";
  }
  if (i.key_algorithm == "EC" && i.key_bits > 0 && i.key_bits < m.min_ec_bits) {
    return "EC key of " + std::to_string(i.key_bits) + " bits (" + std::string(m.name) +
           " requires " + std::to_string(m.min_ec_bits) + ")";
  }
  return "";
}

std::string signatureWeakness(const RuntimeModel& m, const CertificateInfo& i) {
  if (containsAny(i.signature_algorithm, {"md5", "md2"}) ||
      (!m.sha1_accepted && containsAny(i.signature_algorithm, {"sha1"}))) {
    return "signed with " + i.signature_algorithm + ", which " + std::string(m.name) + " refuses";
  }
  return "";
}

bool dropped(const RuntimeModel& m, const PathError& e, size_t i, bool anchor) {
  if (e.code == PathErrorCode::Weak) {
    return true;  // trustctl's policy; the model's is added below
  }
  if (e.code == PathErrorCode::NotForServerAuth && m.eku == EkuRule::Leaf && i > 0) {
    return true;
  }
  return anchor && !m.anchor_validity_checked &&
         (e.code == PathErrorCode::Expired || e.code == PathErrorCode::NotYetValid);
}

// The path as the runtime sees it: trustctl's weakness verdicts replaced by the model's.
void rejudge(const RuntimeModel& m, CertPath& p) {
  for (size_t i = 0; i < p.elements.size(); ++i) {
    PathElement& e = p.elements[i];
    bool anchor = p.end == PathEnd::Anchored && i + 1 == p.elements.size();
    std::erase_if(e.errors, [&](const PathError& err) { return dropped(m, err, i, anchor); });
    const CertificateInfo& info = e.candidate.cert->info();
    std::string why = keyWeakness(m, info);
    bool check_signature =
        !anchor ||
        (!info.self_signed && (m.anchor_signature == AnchorSignature::Checked ||
                               (i == 0 && m.anchor_signature == AnchorSignature::LeafOnly)));
    if (why.empty() && check_signature) {
      why = signatureWeakness(m, info);
    }
    if (!why.empty()) {
      e.errors.push_back({PathErrorCode::Weak, "is weak: " + why, false});
    }
  }
}

// After a trailing self-signed certificate is dropped, the server sends only its own.
bool sentAlone(const std::vector<CertificatePtr>& presented) {
  size_t n = presented.size();
  if (n > 1 && presented.back()->info().self_signed) {
    --n;
  }
  return n == 1;
}

RuntimeVerdict verdict(const RuntimeModel& m, bool accepted, std::string code,
                       const std::string& why) {
  RuntimeVerdict v;
  v.runtime = m.runtime;
  v.accepted = accepted;
  v.code = std::move(code);
  v.sentence = std::string(m.display) + (accepted ? " accepts the server certificate"
                                                  : " refuses the server certificate: " + why);
  return v;
}

RuntimeVerdict hostVerdict(const RuntimeModel& m, const Certificate& leaf,
                           const std::string& host) {
  if (host.empty() || runtimeMatchesHost(m, leaf, host)) {
    return verdict(m, true, "ok", "");
  }
  const auto& sans = leaf.info().sans;
  bool name_sans = std::any_of(sans.begin(), sans.end(), [](const std::string& s) {
    return s.rfind("DNS:", 0) == 0 || s.rfind("IP:", 0) == 0;
  });
  RuntimeModel lenient = m;
  lenient.cn_fallback = CnFallback::NoSanMatch;
  lenient.ip_in_cn = true;
  if (!name_sans && runtimeMatchesHost(lenient, leaf, host)) {
    return verdict(m, false, "cn_only",
                   nameOf(leaf) + " names " + host + " only in its subject CN, which " +
                       std::string(m.name) + " does not compare here; reissue it with a " +
                       "subjectAltName");
  }
  return verdict(m, false, "hostname_mismatch",
                 nameOf(leaf) + " is not for " + host +
                     (name_sans ? "" : " and has no DNS or IP subjectAltName"));
}

RuntimeVerdict untrusted(const RuntimeModel& m, const PathBuildResult& result, bool pin_unused) {
  for (const auto& p : result.paths) {
    for (const auto& e : p.elements) {
      if (e.candidate.trusted && m.anchors == AnchorRule::SelfSignedRoot &&
          !e.candidate.cert->info().self_signed) {
        return verdict(m, false, "needs_self_signed_root",
                       std::string(m.name) + " anchors only at a trusted self-signed root, and " +
                           nameOf(*e.candidate.cert) + " is trusted but is not one; trust " +
                           "the root that issued it");
      }
    }
  }
  if (pin_unused) {
    return verdict(m, false, "pin_not_used",
                   std::string(m.name) + " does not anchor at a trusted server certificate " +
                       "sent with intermediates; trust the CA that issued it");
  }
  const CertPath* best = result.best();
  if (!best || best->elements.empty()) {
    return verdict(m, false, "untrusted", "no path to a trusted certificate");
  }
  const Certificate& top = *best->elements.back().candidate.cert;
  return verdict(m, false, "untrusted",
                 best->end == PathEnd::UntrustedRoot
                     ? "the chain ends at " + nameOf(top) + ", which is not trusted"
                     : "the issuer '" + top.info().issuer_cn + "' of " + nameOf(top) +
                           " is neither sent by the server nor trusted");
}

}  // namespace

RuntimeVerdict judgeAsRuntime(const RuntimeModel& model,
                              const std::vector<CertificatePtr>& presented,
                              const AnchorSet& anchors, const VerifyOptions& options) {
  if (presented.empty() || !presented.front()) {
    return verdict(model, false, "untrusted", "the server presented no certificate");
  }
  const CertificatePtr& leaf = presented.front();
  bool pinned = anchors.containsFingerprint(leaf->sha256());
  if (pinned && model.pinned_leaf == PinRule::Unchecked) {
    return hostVerdict(model, *leaf, options.host);
  }
  // A runtime that ignores pins judges with the trusted CAs (and self-signed certificates,
  // their own roots) alone.
  AnchorSetPtr without_pins;
  const AnchorSet* used = &anchors;
  bool pin_unused = pinned && !leaf->info().self_signed &&
                    (model.pinned_leaf == PinRule::Never ||
                     (model.pinned_leaf == PinRule::WhenSentAlone && !sentAlone(presented)));
  if (pin_unused && model.anchors != AnchorRule::SelfSignedRoot) {
    std::vector<CertificatePtr> kept;
    for (const auto& c : anchors.all()) {
      if (c->info().is_ca || c->info().self_signed) {
        kept.push_back(c);
      }
    }
    without_pins = AnchorSet::fromCertificates(kept);
    used = without_pins.get();
  }
  PathBuildRequest request;
  request.leaf = leaf;
  for (size_t i = 1; i < presented.size(); ++i) {
    if (presented[i]) {
      request.extra.push_back({presented[i], "presented", "", false, true});
    }
  }
  request.anchors = used;
  request.now = options.now;
  request.check_validity = options.check_time;
  request.any_trusted_is_anchor = model.anchors != AnchorRule::SelfSignedRoot;
  request.require_server_auth = model.eku != EkuRule::None;
  PathBuildResult result = buildPaths(request);
  const CertPath* best_anchored = nullptr;
  for (auto& p : result.paths) {
    if (p.end != PathEnd::Anchored) {
      continue;
    }
    rejudge(model, p);
    if (p.errorCount() == 0) {
      return hostVerdict(model, *leaf, options.host);
    }
    if (!best_anchored || p.errorCount() < best_anchored->errorCount()) {
      best_anchored = &p;
    }
  }
  if (!best_anchored) {
    return untrusted(model, result, pin_unused);
  }
  for (const auto& e : best_anchored->elements) {
    for (const auto& err : e.errors) {
      if (!err.warning) {
        return verdict(model, false, std::string(pathErrorName(err.code)),
                       nameOf(*e.candidate.cert) + " " + err.detail);
      }
    }
  }
  return verdict(model, false, "untrusted", "no path to a trusted certificate");
}

}  // namespace trustctl::truststore
