#pragma once
// Verifies a presented chain (leaf first, then untrusted intermediates in any order) against a
// set of trust anchors at a given instant and for a given host name, with the path builder's
// policy (path_builder.h) shared by `trustctl verify`, the probe and the runtime library. A
// trusted intermediate or server certificate anchors (partial chain), as connector runtimes
// are told to. Pure: no clock, no network.

#include <string>
#include <vector>

#include <openssl/x509_vfy.h>

#include "truststore/anchor_set.h"
#include "truststore/certificate.h"
#include "truststore/path_builder.h"
#include "truststore/time_util.h"

namespace trustctl::truststore {

struct VerifyOptions {
  UnixTime now = 0;  // required: the instant to judge validity at
  std::string host;  // DNS name or IP literal to match; "" skips the name check
  // false: judge only the path and signatures, not validity dates (the probe diagnosis checks
  // dates itself so that an expired certificate and a missing anchor both get reported).
  bool check_time = true;
  bool partial_chain = true;    // false: only a self-signed trusted certificate anchors
  bool profile_checks = false;  // the careful verifier's rules on top of RFC 5280 (--strict)
  RevocationMode revocation = RevocationMode::Off;
  const std::unordered_map<std::string, RevocationEvidence>* revocation_evidence = nullptr;
};

struct VerifyOutcome {
  bool ok = false;
  // The nearest X509_V_ERR_* (for scripts written against OpenSSL's numbers), 0 when ok.
  int error = 0;
  std::string error_name;  // stable: a path error name, "hostname_mismatch", "untrusted", ...
  std::string error_text;  // one plain sentence
  int error_depth = -1;    // index in `path` of the certificate the error is about
  // The path OpenSSL built, leaf first, ending at the anchor when ok; on failure the part it
  // got to.
  std::vector<CertificatePtr> path;
  PathBuildResult paths;  // every path tried, best first

  // The certificate `error` is about, or null when ok or OpenSSL named none on the path.
  CertificatePtr failedCertificate() const {
    return error_depth >= 0 && static_cast<size_t>(error_depth) < path.size()
               ? path[static_cast<size_t>(error_depth)]
               : nullptr;
  }
};

VerifyOutcome verifyChain(const std::vector<CertificatePtr>& presented, const AnchorSet& anchors,
                          const VerifyOptions& options);

// True when the certificate is for `host`: an IP literal against IP SANs, a name against DNS
// SANs (RFC 6125: one left-most wildcard label). The subject CN is never used.
bool matchesHost(const Certificate& leaf, const std::string& host);

// True when `host` is an IPv4 or IPv6 literal.
bool isIpLiteral(const std::string& host);

// `host` without the brackets of a URL's IPv6 literal ("[::1]" -> "::1").
std::string bareHost(const std::string& host);

// Makes `param` expect `host`: an IP SAN for an IP literal (bracketed or not), else a DNS name.
// False when OpenSSL refuses the name. The one place both verification and live TLS set it.
bool expectHost(X509_VERIFY_PARAM* param, const std::string& host);

}  // namespace trustctl::truststore
