#pragma once
// Verifies a presented chain (leaf first, then untrusted intermediates) against a set of trust
// anchors at a given instant and for a given host name, with OpenSSL's partial-chain flag on
// as connector runtimes use it. Pure: no clock, no network. The probe diagnosis builds on it.

#include <string>
#include <vector>

#include <openssl/x509_vfy.h>

#include "truststore/anchor_set.h"
#include "truststore/certificate.h"
#include "truststore/time_util.h"

namespace trustctl::truststore {

struct VerifyOptions {
  UnixTime now = 0;  // required: the instant to judge validity at
  std::string host;  // DNS name or IP literal to match; "" skips the name check
  // false: judge only the path and signatures, not validity dates (the probe diagnosis checks
  // dates itself so that an expired certificate and a missing anchor both get reported).
  bool check_time = true;
};

struct VerifyOutcome {
  bool ok = false;
  int error = 0;           // X509_V_ERR_*, 0 when ok
  std::string error_text;  // OpenSSL's text for `error`
  int error_depth = -1;    // index in `path` of the certificate the error is about
  // The path OpenSSL built, leaf first, ending at the anchor when ok; on failure the part it
  // got to.
  std::vector<CertificatePtr> path;

  // The certificate `error` is about, or null when ok or OpenSSL named none on the path.
  CertificatePtr failedCertificate() const {
    return error_depth >= 0 && static_cast<size_t>(error_depth) < path.size()
               ? path[static_cast<size_t>(error_depth)]
               : nullptr;
  }
};

VerifyOutcome verifyChain(const std::vector<CertificatePtr>& presented, const AnchorSet& anchors,
                          const VerifyOptions& options);

// Same, with a store made earlier by AnchorSet::newX509Store() (reused across calls).
VerifyOutcome verifyChain(const std::vector<CertificatePtr>& presented, X509_STORE* store,
                          const VerifyOptions& options);

// True when `host` is an IPv4 or IPv6 literal.
bool isIpLiteral(const std::string& host);

// `host` without the brackets of a URL's IPv6 literal ("[::1]" -> "::1").
std::string bareHost(const std::string& host);

// Makes `param` expect `host`: an IP SAN for an IP literal (bracketed or not), else a DNS name.
// False when OpenSSL refuses the name. The one place both verification and live TLS set it.
bool expectHost(X509_VERIFY_PARAM* param, const std::string& host);

}  // namespace trustctl::truststore
