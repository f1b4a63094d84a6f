#pragma once
// The upload checks of a server certificate (issue 15), as pure functions: the key matches a
// certificate, the chain is put in order leaf -> root with duplicates dropped and a missing
// intermediate taken from the library or the catalog, every domain is covered by the SAN,
// the chain is valid now, nothing on it is weak, and the leaf is a server certificate. Each
// failure is one Error with a stable code (error_codes.def). No clock, no files, no network:
// the caller gathers the candidates (library, catalog; AIA is its business) and `now`.

#include <cstdint>
#include <string>
#include <vector>

#include "truststore/certificate.h"
#include "truststore/error.h"
#include "truststore/path_builder.h"
#include "truststore/private_key.h"
#include "truststore/time_util.h"

namespace trustctl::truststore {

struct ServerCertInput {
  std::vector<CertificatePtr> certificates;  // as given (cert file, then --ca files), any order
  PrivateKeyPtr key;
  std::vector<std::string> domains;  // "host.example" or "*.example"
  std::string cert_label;            // names the certificate file in messages
  std::string key_label;             // names the key file
};

struct ServerCertCheckOptions {
  UnixTime now = 0;                  // required
  std::vector<PathCandidate> known;  // library and catalog certificates, source set
};

struct CheckedServerCert {
  std::vector<CertificatePtr> chain;  // leaf first, ending at a self-signed root
  std::vector<std::string> notes;     // one line each: reordered, dropped, taken from the library
  std::int64_t days_left = 0;         // of the leaf, at `now`
};

// The certificate `key` belongs to. ServerKeyMismatch when none of `certs` carries its public
// key (RSA and EC alike: compared by public key, never by name).
Result<CertificatePtr> findKeyCertificate(const std::vector<CertificatePtr>& certs,
                                          const PrivateKey& key, const ServerCertInput& labels);

// Leaf first, each certificate issued by the next, ending at a self-signed root; duplicates
// and unrelated certificates dropped (noted). A missing issuer is looked up in `known`;
// ServerChainIncomplete names the first one nowhere (with its AIA URL when it has one).
Result<std::vector<CertificatePtr>> orderServerChain(const CertificatePtr& leaf,
                                                     const std::vector<CertificatePtr>& given,
                                                     const std::vector<PathCandidate>& known,
                                                     std::vector<std::string>* notes);

// ServerNameNotCovered for the first domain no DNS SAN covers (RFC 6125: one left-most
// wildcard label; "*.example" does not cover "example"). A "*.x" domain needs the SAN "*.x".
// InvalidArgument for an empty list or a malformed domain.
Result<void> checkDomainsCovered(const Certificate& leaf, const std::vector<std::string>& domains);

// ServerCertExpired / ServerCertNotYetValid for the first certificate on `chain` not valid at
// `now`; returns the leaf's whole days left.
Result<std::int64_t> checkValidityNow(const std::vector<CertificatePtr>& chain, UnixTime now);

// ServerCertWeak for the first weak key or signature on `chain` (certificate_status.h isWeak).
Result<void> checkNotWeak(const std::vector<CertificatePtr>& chain);

// ServerCertNotServer when `leaf` is a CA, or has an extended key usage without serverAuth
// (e.g. clientAuth only).
Result<void> checkServerUsage(const Certificate& leaf);

// Every check above, in the order a user fixes them.
Result<CheckedServerCert> checkServerCert(const ServerCertInput& input,
                                          const ServerCertCheckOptions& options);

}  // namespace trustctl::truststore
