#pragma once
// Builds certification paths from a leaf to a trust anchor, in the way of Chromium's
// path builder: candidate issuers come from every source the caller knows (what the server
// sent, in any order; the connector's anchors; the library, other connectors, catalogs, AIA),
// matched by subject and key identifier; the search is depth-first with backtracking and
// bounded in depth, in steps and in signature checks. Every path tried is returned with the
// errors of each certificate on it, best path first, so a caller can tell "nothing valid"
// from "valid once X is installed". OpenSSL checks signatures and parses extensions; which
// path counts, and why, is decided here. Pure: no clock, no network, no files.

#include <functional>
#include <string>
#include <unordered_map>
#include <vector>

#include "truststore/anchor_set.h"
#include "truststore/certificate.h"
#include "truststore/revocation.h"
#include "truststore/time_util.h"

namespace trustctl::truststore {

// A certificate that may appear on a path, and where it came from.
struct PathCandidate {
  CertificatePtr cert;
  std::string source;  // "presented", "anchor", "library", "connector:NAME", "catalog", "aia"
  std::string entry;   // the library entry holding it, "" when none
  bool trusted = false;
  bool presented = false;
};

// What is wrong with one certificate on one path (truststore/path_errors.def).
enum class PathErrorCode {
#define TRUSTCTL_PATH_ERROR(id, name, x509_error, diagnosis) id,
#include "truststore/path_errors.def"
#undef TRUSTCTL_PATH_ERROR
};
std::string_view pathErrorName(PathErrorCode code);
int pathErrorX509Code(PathErrorCode code);
// The name of the diagnosis code (probes/diagnosis_codes.def) the fault is reported as.
std::string_view pathErrorDiagnosisName(PathErrorCode code);

struct PathError {
  PathErrorCode code;
  std::string detail;  // one plain sentence
  bool warning = false;
};

struct PathElement {
  PathCandidate candidate;
  std::vector<PathError> errors;
  RevocationVerdict revocation;  // NotChecked unless asked and evidence names it
};

enum class PathEnd {
  Anchored,       // ends at a trusted certificate
  UntrustedRoot,  // ends at a self-signed certificate nobody trusts
  NoIssuer,       // ends at a certificate whose issuer no source has
  Limit,          // the search was cut by a bound at this path
};

struct CertPath {
  std::vector<PathElement> elements;  // leaf first
  PathEnd end = PathEnd::NoIssuer;
  // Every certificate is presented or trusted: the connector needs nothing more.
  bool selfContained() const;
  // No error on any certificate (warnings do not count), trusted or not.
  bool flawless() const;
  // Valid for the connector as it is: anchored, self-contained and flawless.
  bool valid() const { return end == PathEnd::Anchored && selfContained() && flawless(); }
  size_t errorCount() const;
};

struct PathBuilderLimits {
  int max_depth = 40;               // certificates on one path
  int max_steps = 20000;            // candidate extensions tried over the whole search
  int max_signature_checks = 4000;  // distinct (child, issuer) signature verifications
  int max_paths = 64;               // paths kept
};

struct PathBuildRequest {
  CertificatePtr leaf;
  std::vector<PathCandidate> extra;  // presented certificates and any other known ones
  const AnchorSet* anchors = nullptr;
  // More issuers for a certificate, from sources too large to list (catalogs); may be empty.
  std::function<std::vector<PathCandidate>(const Certificate&)> more_issuers;
  UnixTime now = 0;  // required
  bool check_validity = true;
  bool any_trusted_is_anchor = true;  // partial chain: a trusted intermediate or leaf anchors
  bool require_server_auth = true;
  bool profile_checks = false;  // `verify --strict`: the careful verifier's extra rules
  RevocationMode revocation = RevocationMode::Off;
  // Evidence per certificate, by sha256 of the certificate it is about.
  const std::unordered_map<std::string, RevocationEvidence>* revocation_evidence = nullptr;
  PathBuilderLimits limits;
};

struct PathBuildResult {
  std::vector<CertPath> paths;  // best first: valid, then fewest errors, anchored before not
  bool limit_reached = false;
  std::string limit_detail;  // which bound, "" when none
  const CertPath* best() const { return paths.empty() ? nullptr : &paths.front(); }
  const CertPath* firstValid() const;
};

PathBuildResult buildPaths(const PathBuildRequest& request);

// Certificate::isIssuerOf (the issuer's subject names the child's issuer and its key verifies
// the child's signature), remembered per process (bounded) by both certificates' sha256, as
// buildPaths remembers its signature checks: the certificates of one fleet are verified once,
// not once per probe. Thread-safe.
bool issuedBy(const Certificate& child, const Certificate& issuer);

// The per-certificate checks of one path (validity, constraints, EKU, names, weakness,
// revocation), run by buildPaths on each path it records; exposed for tests.
void checkPath(CertPath& path, const PathBuildRequest& request);

}  // namespace trustctl::truststore
