#pragma once
// The probe's shell for revocation: fetches, for every certificate of a verified path but the
// last, its CRLs (CRL distribution points) and an OCSP response (AIA OCSP URL), bounded in
// time, size, URLs and redirects, and records each result in Capture::fetched, so that
// diagnose() and a replay judge exactly the same bytes. A small process-wide cache keeps a
// CRL or OCSP answer until its nextUpdate, so a probe run every minute does not refetch.

#include <chrono>
#include <cstddef>
#include <string>
#include <unordered_map>
#include <vector>

#include "probes/capture.h"
#include "truststore/certificate.h"
#include "truststore/revocation.h"
#include "truststore/time_util.h"

namespace trustctl::probes {

struct RevocationFetchBounds {
  UnixTime now = 0;            // required: cached answers are used while current at `now`
  double timeout_seconds = 3;  // for all of the probe's revocation fetches together
  // Never fetch past this (the probe's own deadline); max() = no other limit.
  std::chrono::steady_clock::time_point deadline = std::chrono::steady_clock::time_point::max();
  int max_urls = 8;  // over every certificate of the path
  size_t crl_max_bytes = 4 * 1024 * 1024;
  size_t ocsp_max_bytes = 64 * 1024;
  long max_redirects = 0;  // at most 2 are ever followed
  bool use_cache = true;
};

// `path` is leaf first, path[i + 1] the issuer of path[i]. Appends one FetchedObject (purpose
// Crl or Ocsp, `about` the certificate's sha256) per URL tried or skipped for the budget; a URL
// already recorded for the same certificate is not fetched again.
void fetchRevocationEvidence(Capture& capture, const std::vector<truststore::CertificatePtr>& path,
                             const RevocationFetchBounds& bounds);

// What `capture` holds about `cert`'s revocation: the CRLs and OCSP responses fetched for it,
// the fetch errors ("URL: why"), and the stapled response when `cert` is the presented leaf.
// Every certificate's evidence in a capture, by the sha256 of the certificate it is about.
std::unordered_map<std::string, truststore::RevocationEvidence> revocationEvidenceOf(
    const Capture& capture);
truststore::RevocationEvidence evidenceFromCapture(const Capture& capture,
                                                   const truststore::Certificate& cert);

// The DER OCSPRequest (SHA-1 CertID, no nonce) for `cert` issued by `issuer`; "" on failure.
std::string ocspRequestFor(const truststore::Certificate& cert,
                           const truststore::Certificate& issuer);

// Empties the process-wide cache (tests).
void clearRevocationCache();

}  // namespace trustctl::probes
