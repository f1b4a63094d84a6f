#pragma once
// A connector's trust anchors, ready to verify against in time linear in their number.
// OpenSSL 3.0 inserts certificates into an X509_STORE in quadratic time (about 3-4 s for
// 10,000 anchors), so an AnchorSet keeps the DER blobs indexed by subject-name hash and hands
// OpenSSL an X509_STORE whose lookup method parses and inserts only the anchors a
// verification asks for, the way a hashed CApath directory does, but from memory.
// It does not decide what to trust; the store's connectors do.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "truststore/certificate.h"
#include "truststore/error.h"
#include "truststore/ossl.h"

namespace trustctl::truststore {

class AnchorSet;
using AnchorSetPtr = std::shared_ptr<const AnchorSet>;

class AnchorSet : public std::enable_shared_from_this<AnchorSet> {
 public:
  // From parsed certificates (duplicates by fingerprint are dropped).
  static AnchorSetPtr fromCertificates(const std::vector<CertificatePtr>& certs);
  // From the pair of files encodeIndexed() produced; parses no certificate. Errors name paths.
  // A non-empty `expected_der_sha256` (hex) is checked against the DER file as read, so a
  // caller that has a recorded digest does not read the file a second time to check it.
  static Result<AnchorSetPtr> loadIndexed(const std::string& der_path,
                                          const std::string& index_path,
                                          std::string_view expected_der_sha256 = {});
  // Serializes certificates into a DER blob and its subject-hash index.
  static void encodeIndexed(const std::vector<CertificatePtr>& certs, std::string* der_blob,
                            std::string* index);

  size_t size() const { return slots_.size(); }
  // Every anchor, parsed (cached after the first call).
  std::vector<CertificatePtr> all() const;
  // Anchors whose subject equals `name`.
  std::vector<CertificatePtr> findBySubject(const X509_NAME* name) const;
  // True when a certificate with this DER fingerprint is an anchor.
  bool containsFingerprint(const std::string& sha256_hex) const;

  // A new X509_STORE with X509_V_FLAG_PARTIAL_CHAIN (a trusted intermediate or server
  // certificate is enough, as the seeds promise) whose lookups are served from this set.
  // The store holds a reference to the set, so the caller may drop theirs.
  ossl::X509StorePtr newX509Store() const;

 private:
  struct Slot {
    std::uint32_t hash;
    std::uint32_t offset;
    std::uint32_t length;
  };
  AnchorSet() = default;
  void buildIndex();
  CertificatePtr parsed(size_t slot) const;

  std::string blob_;
  std::vector<Slot> slots_;
  std::unordered_multimap<std::uint32_t, size_t> by_hash_;
  mutable std::mutex mutex_;
  mutable std::vector<CertificatePtr> cache_;
};

}  // namespace trustctl::truststore
