#include "truststore/path_builder.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <unordered_set>

#include <openssl/x509.h>
#include <openssl/x509_vfy.h>

#include "truststore/ossl.h"

namespace trustctl::truststore {

bool CertPath::selfContained() const {
  return std::all_of(elements.begin(), elements.end(), [](const PathElement& e) {
    return e.candidate.presented || e.candidate.trusted;
  });
}

bool CertPath::flawless() const {
  return errorCount() == 0;
}

size_t CertPath::errorCount() const {
  size_t n = 0;
  for (const auto& e : elements) {
    for (const auto& err : e.errors) {
      n += err.warning ? 0 : 1;
    }
  }
  return n;
}

const CertPath* PathBuildResult::firstValid() const {
  for (const auto& p : paths) {
    if (p.valid()) {
      return &p;
    }
  }
  return nullptr;
}

namespace {

// Whether `child`'s signature verifies with `issuer`'s key: a pure function of the two
// certificates, so remembered for the process (bounded; forgotten all at once when full).
// An ECDSA or RSA verification costs more than the rest of a probe's path building, and the
// targets of one fleet present the same few certificates.
bool signatureVerifiesRemembered(const Certificate& child, const Certificate& issuer) {
  constexpr size_t kMaxRemembered = 8192;
  static std::mutex mutex;
  static std::unordered_map<std::string, bool> verified;
  std::string key = child.sha256() + issuer.sha256();
  {
    std::lock_guard<std::mutex> lock(mutex);
    auto it = verified.find(key);
    if (it != verified.end()) {
      return it->second;
    }
  }
  EVP_PKEY* pub = X509_get0_pubkey(issuer.x509());
  bool ok = pub != nullptr && X509_verify(child.x509(), pub) == 1;
  ossl::clearErrors();
  std::lock_guard<std::mutex> lock(mutex);
  if (verified.size() >= kMaxRemembered) {
    verified.clear();
  }
  verified.emplace(std::move(key), ok);
  return ok;
}

// One certificate is the same CA as another when subject and key agree: a cross-signed copy
// or a re-issue. A path never holds the same CA twice (that is a loop).
std::string caIdentity(const Certificate& c) {
  return c.info().subject + "|" + c.info().spki_sha256;
}

class Search {
 public:
  explicit Search(const PathBuildRequest& request) : request_(request) {
    for (const auto& c : request.extra) {
      if (c.cert) {
        by_subject_.emplace(c.cert->info().subject, c);
      }
    }
  }

  PathBuildResult run() {
    PathElement leaf;
    leaf.candidate = leafCandidate();
    path_.push_back(leaf);
    on_path_.insert(caIdentity(*request_.leaf));
    extend();
    std::stable_sort(result_.paths.begin(), result_.paths.end(), better);
    return std::move(result_);
  }

 private:
  PathCandidate leafCandidate() const {
    PathCandidate leaf{request_.leaf, "presented", "", false, true};
    if (request_.anchors && request_.anchors->containsFingerprint(request_.leaf->sha256())) {
      leaf.trusted = true;
    }
    return leaf;
  }

  static int endRank(PathEnd e) {
    switch (e) {
      case PathEnd::Anchored:
        return 0;
      case PathEnd::UntrustedRoot:
        return 1;
      case PathEnd::NoIssuer:
        return 2;
      case PathEnd::Limit:
        return 3;
    }
    return 3;
  }

  // Valid first; then the fewest errors; then anchored, then ending at a root; then needing
  // the fewest certificates the connector does not have; then the shortest.
  static bool better(const CertPath& a, const CertPath& b) {
    if (a.valid() != b.valid()) {
      return a.valid();
    }
    if (a.errorCount() != b.errorCount()) {
      return a.errorCount() < b.errorCount();
    }
    if (endRank(a.end) != endRank(b.end)) {
      return endRank(a.end) < endRank(b.end);
    }
    auto missing = [](const CertPath& p) {
      return std::count_if(p.elements.begin(), p.elements.end(), [](const PathElement& e) {
        return !e.candidate.presented && !e.candidate.trusted;
      });
    };
    if (missing(a) != missing(b)) {
      return missing(a) < missing(b);
    }
    return a.elements.size() < b.elements.size();
  }

  bool signatureVerifies(const Certificate& child, const Certificate& issuer) {
    std::string key = child.sha256() + issuer.sha256();
    auto it = signatures_.find(key);
    if (it != signatures_.end()) {
      return it->second;
    }
    if (++signature_checks_ > request_.limits.max_signature_checks) {
      stop("over " + std::to_string(request_.limits.max_signature_checks) + " signature checks");
      return false;
    }
    // Counted as a check whether or not an earlier search already verified it, so the bound
    // stops every search at the same point.
    bool ok = signatureVerifiesRemembered(child, issuer);
    signatures_.emplace(std::move(key), ok);
    return ok;
  }

  // Names the issuer, and key identifiers do not contradict (both present and different).
  static bool mayHaveIssued(const Certificate& issuer, const Certificate& child) {
    if (issuer.info().subject != child.info().issuer) {
      return false;
    }
    const std::string& aki = child.info().authority_key_id;
    const std::string& ski = issuer.info().subject_key_id;
    return aki.empty() || ski.empty() || aki == ski;
  }

  std::vector<PathCandidate> issuersOf(const Certificate& child) {
    std::vector<PathCandidate> out;
    std::set<std::string> seen;
    auto consider = [&](const PathCandidate& c) {
      if (!c.cert || !seen.insert(c.cert->sha256()).second || !mayHaveIssued(*c.cert, child)) {
        return;
      }
      PathCandidate copy = c;
      if (request_.anchors && request_.anchors->containsFingerprint(c.cert->sha256())) {
        copy.trusted = true;
      }
      out.push_back(std::move(copy));
    };
    if (request_.anchors) {
      for (const auto& a : request_.anchors->findBySubject(X509_get_issuer_name(child.x509()))) {
        consider({a, "anchor", "", true, false});
      }
    }
    auto range = by_subject_.equal_range(child.info().issuer);
    for (auto it = range.first; it != range.second; ++it) {
      consider(it->second);
    }
    if (request_.more_issuers) {
      for (const auto& c : request_.more_issuers(child)) {
        consider(c);
      }
    }
    // Only a key that really signed the child is an issuer. One whose signature fails is kept
    // when key identifiers say it is the issuer, so the fault is named; a look-alike with
    // another key, or without key identifiers to tell, is not.
    std::vector<PathCandidate> issuers;
    for (auto& c : out) {
      bool verified = signatureVerifies(child, *c.cert);
      bool key_ids_agree =
          !child.info().authority_key_id.empty() && !c.cert->info().subject_key_id.empty();
      if (verified || key_ids_agree) {
        issuers.push_back(std::move(c));
        bad_signature_.emplace(child.sha256() + issuers.back().cert->sha256(), !verified);
      }
    }
    std::stable_sort(issuers.begin(), issuers.end(),
                     [&](const auto& a, const auto& b) { return preference(a) < preference(b); });
    return issuers;
  }

  // Trusted first, then certificates valid now, then what the server sent, then roots.
  int preference(const PathCandidate& c) const {
    const auto& i = c.cert->info();
    bool current =
        !request_.check_validity || (i.not_before <= request_.now && request_.now <= i.not_after);
    return (c.trusted ? 0 : 8) + (current ? 0 : 4) + (c.presented ? 0 : 2) +
           (i.self_signed ? 0 : 1);
  }

  void stop(const std::string& why) {
    if (!result_.limit_reached) {
      result_.limit_reached = true;
      result_.limit_detail = why;
    }
  }

  void record(PathEnd end) {
    if (static_cast<int>(result_.paths.size()) >= request_.limits.max_paths) {
      stop("over " + std::to_string(request_.limits.max_paths) + " paths");
      return;
    }
    CertPath p;
    p.elements = path_;
    p.end = end;
    checkPath(p, request_);
    for (size_t i = 0; i + 1 < p.elements.size(); ++i) {
      auto it = bad_signature_.find(p.elements[i].candidate.cert->sha256() +
                                    p.elements[i + 1].candidate.cert->sha256());
      if (it != bad_signature_.end() && it->second) {
        p.elements[i].errors.push_back(
            {PathErrorCode::BadSignature, "its signature does not verify with the key of '" +
                                              p.elements[i + 1].candidate.cert->info().subject +
                                              "'"});
      }
    }
    found_valid_ = found_valid_ || p.valid();
    result_.paths.push_back(std::move(p));
  }

  void extend() {
    if (found_valid_) {
      return;
    }
    if (result_.limit_reached) {
      // A bound cut the search while this path was growing: it is kept as cut, so a search
      // stopped before any path ended never reads as one with nothing wrong.
      return record(PathEnd::Limit);
    }
    if (++steps_ > request_.limits.max_steps) {
      stop("over " + std::to_string(request_.limits.max_steps) + " search steps");
      return record(PathEnd::Limit);
    }
    const PathCandidate& top = path_.back().candidate;
    if (top.trusted && (request_.any_trusted_is_anchor || top.cert->info().self_signed)) {
      return record(PathEnd::Anchored);
    }
    if (top.cert->info().self_signed) {
      return record(PathEnd::UntrustedRoot);
    }
    if (static_cast<int>(path_.size()) >= request_.limits.max_depth) {
      stop("a path longer than " + std::to_string(request_.limits.max_depth) + " certificates");
      return record(PathEnd::Limit);
    }
    CertificatePtr child = top.cert;
    std::vector<PathCandidate> issuers = issuersOf(*child);
    bool extended = false;
    for (auto& issuer : issuers) {
      std::string id = caIdentity(*issuer.cert);
      if (on_path_.count(id) != 0) {
        continue;
      }
      extended = true;
      on_path_.insert(id);
      path_.push_back({std::move(issuer), {}, {}});
      extend();
      path_.pop_back();
      on_path_.erase(id);
      if (found_valid_ || result_.limit_reached) {
        return;
      }
    }
    if (!extended) {
      // Past a bound, the candidates left were not checked: not knowing is not "no issuer".
      record(result_.limit_reached ? PathEnd::Limit : PathEnd::NoIssuer);
    }
  }

  const PathBuildRequest& request_;
  std::unordered_multimap<std::string, PathCandidate> by_subject_;
  std::vector<PathElement> path_;
  std::unordered_set<std::string> on_path_;
  std::unordered_map<std::string, bool> signatures_;
  std::unordered_map<std::string, bool> bad_signature_;  // child+issuer: kept though it fails
  PathBuildResult result_;
  int steps_ = 0;
  int signature_checks_ = 0;
  bool found_valid_ = false;
};

}  // namespace

namespace {

struct PathErrorDoc {
  PathErrorCode code;
  std::string_view name;
  int x509_error;
  std::string_view diagnosis;
};

constexpr PathErrorDoc kPathErrors[] = {
#define TRUSTCTL_PATH_ERROR(id, name, x509_error, diagnosis) \
  {PathErrorCode::id, name, x509_error, diagnosis},
#include "truststore/path_errors.def"
#undef TRUSTCTL_PATH_ERROR
};

const PathErrorDoc& docOf(PathErrorCode code) {
  for (const auto& doc : kPathErrors) {
    if (doc.code == code) {
      return doc;
    }
  }
  return kPathErrors[0];
}

}  // namespace

std::string_view pathErrorName(PathErrorCode code) {
  return docOf(code).name;
}
int pathErrorX509Code(PathErrorCode code) {
  return docOf(code).x509_error;
}
std::string_view pathErrorDiagnosisName(PathErrorCode code) {
  return docOf(code).diagnosis;
}

bool issuedBy(const Certificate& child, const Certificate& issuer) {
  return X509_NAME_cmp(X509_get_subject_name(issuer.x509()), X509_get_issuer_name(child.x509())) ==
             0 &&
         signatureVerifiesRemembered(child, issuer);
}

PathBuildResult buildPaths(const PathBuildRequest& request) {
  if (!request.leaf) {
    return {};
  }
  return Search(request).run();
}

}  // namespace trustctl::truststore
