#pragma once
// Classifies a certificate (root / intermediate / server, as the seeds' three options) and
// judges its health at a given instant: ok, expiring, expired, not yet valid, weak, or not a CA
// while used as one. Works on CertificateInfo so that a large library needs no DER parsing.

#include <cstdint>
#include <string>
#include <vector>

#include "truststore/certificate.h"
#include "truststore/time_util.h"

namespace trustctl::truststore {

enum class CertificateKind { Root, Intermediate, Server };
std::string_view certificateKindName(CertificateKind k);

// Ordered from best to worst: the worst finding is a certificate's status.
enum class CertificateHealth { Ok, Expiring, Weak, NotCaUsedAsCa, NotYetValid, Expired };
std::string_view certificateHealthName(CertificateHealth h);

struct HealthFinding {
  CertificateHealth health;
  std::string reason;  // one line, e.g. "expires in 12 days (2026-12-04)"
};

struct CertificateStatus {
  CertificateHealth health = CertificateHealth::Ok;  // the worst finding
  std::vector<HealthFinding> findings;               // worst first; empty when ok
  // The worst finding's reason, or "ok".
  std::string summary() const;
};

inline constexpr std::int64_t kDefaultExpiringWindowSeconds = 30LL * 24 * 3600;

// Root: self-signed CA. Intermediate: CA, not self-signed. Server: not a CA (an end-entity
// certificate; trusting one directly pins it and breaks at every renewal).
CertificateKind classifyCertificate(const CertificateInfo& info);

// `used_as_ca`: the certificate signed another certificate of the same upload.
CertificateStatus assessCertificate(const CertificateInfo& info, UnixTime now,
                                    std::int64_t expiring_window_seconds, bool used_as_ca);

// True for key sizes or signature digests trustctl calls weak: RSA/DSA below 2048 bits, EC
// below 224 bits, MD5 or SHA-1 signatures (a self-signed root's own signature is not judged).
bool isWeak(const CertificateInfo& info, std::string* reason);
// The key half of isWeak: RSA/DSA under 2048 bits, EC under 224.
bool isWeakKey(const CertificateInfo& info, std::string* reason);

}  // namespace trustctl::truststore
