#include "truststore/anchor_set.h"

#include <cstring>

#include <openssl/x509_vfy.h>

#include "truststore/file_util.h"

namespace trustctl::truststore {

namespace {

constexpr char kIndexMagic[4] = {'T', 'C', 'A', '1'};

std::uint32_t subjectHash(const X509_NAME* name) {
  int ok = 0;
  unsigned long h = X509_NAME_hash_ex(name, nullptr, nullptr, &ok);
  return static_cast<std::uint32_t>(h);
}

void putU32(std::string& out, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) {
    out += static_cast<char>((v >> (8 * i)) & 0xff);
  }
}

std::uint32_t getU32(const char* p) {
  std::uint32_t v = 0;
  for (int i = 0; i < 4; ++i) {
    v |= static_cast<std::uint32_t>(static_cast<unsigned char>(p[i])) << (8 * i);
  }
  return v;
}

// What a store's lookup method needs: the set, kept alive for as long as the store lives.
struct LookupData {
  AnchorSetPtr anchors;
};

int lookupBySubject(X509_LOOKUP* lookup, X509_LOOKUP_TYPE type, const X509_NAME* name,
                    X509_OBJECT* ret) {
  if (type != X509_LU_X509) {
    return 0;
  }
  auto* data = static_cast<LookupData*>(X509_LOOKUP_get_method_data(lookup));
  X509_STORE* store = X509_LOOKUP_get_store(lookup);
  std::vector<CertificatePtr> found = data->anchors->findBySubject(name);
  if (found.empty()) {
    return 0;
  }
  for (const auto& cert : found) {
    // Adding a certificate the store already holds is a no-op that succeeds.
    X509_STORE_add_cert(store, cert->x509());
  }
  ossl::clearErrors();
  // The caller takes its own reference to what `ret` points at and never frees `ret`, so
  // `ret` must borrow: set1 adds a reference, which is dropped again at once (the set and the
  // store both still hold one).
  X509_OBJECT_set1_X509(ret, found.front()->x509());
  ossl::X509Ptr extra_reference(found.front()->x509());
  return 1;
}

void freeLookup(X509_LOOKUP* lookup) {
  delete static_cast<LookupData*>(X509_LOOKUP_get_method_data(lookup));
  X509_LOOKUP_set_method_data(lookup, nullptr);
}

X509_LOOKUP_METHOD* anchorLookupMethod() {
  // One method table for the process; OpenSSL only reads it.
  static X509_LOOKUP_METHOD* method = [] {
    X509_LOOKUP_METHOD* m = X509_LOOKUP_meth_new("trustctl anchors");
    X509_LOOKUP_meth_set_get_by_subject(m, lookupBySubject);
    X509_LOOKUP_meth_set_free(m, freeLookup);
    return m;
  }();
  return method;
}

}  // namespace

AnchorSetPtr AnchorSet::fromCertificates(const std::vector<CertificatePtr>& certs) {
  auto set = std::shared_ptr<AnchorSet>(new AnchorSet());
  std::unordered_map<std::string, bool> seen;
  std::vector<CertificatePtr> kept;
  for (const auto& c : certs) {
    if (!seen.emplace(c->sha256(), true).second) {
      continue;
    }
    set->slots_.push_back({subjectHash(X509_get_subject_name(c->x509())),
                           static_cast<std::uint32_t>(set->blob_.size()),
                           static_cast<std::uint32_t>(c->der().size())});
    set->blob_.append(c->der());
    kept.push_back(c);
  }
  set->buildIndex();
  // The parsed objects are at hand: seed the cache so no DER is parsed twice.
  set->cache_ = std::move(kept);
  return set;
}

void AnchorSet::encodeIndexed(const std::vector<CertificatePtr>& certs, std::string* der_blob,
                              std::string* index) {
  der_blob->clear();
  index->assign(kIndexMagic, sizeof kIndexMagic);
  std::string records;
  std::uint32_t count = 0;
  std::unordered_map<std::string, bool> fingerprints;
  for (const auto& c : certs) {
    if (!fingerprints.emplace(c->sha256(), true).second) {
      continue;
    }
    putU32(records, subjectHash(X509_get_subject_name(c->x509())));
    putU32(records, static_cast<std::uint32_t>(der_blob->size()));
    putU32(records, static_cast<std::uint32_t>(c->der().size()));
    der_blob->append(c->der());
    ++count;
  }
  putU32(*index, count);
  index->append(records);
}

Result<AnchorSetPtr> AnchorSet::loadIndexed(const std::string& der_path,
                                            const std::string& index_path,
                                            std::string_view expected_der_sha256) {
  auto blob = readWholeFile(der_path);
  if (!blob) {
    return tl::unexpected(blob.error());
  }
  if (!expected_der_sha256.empty() &&
      ossl::sha256HexOf(reinterpret_cast<const unsigned char*>(blob->data()), blob->size()) !=
          expected_der_sha256) {
    return fail(
        ErrorCode::StoreCorrupt,
        der_path + ": its SHA-256 is not the one recorded for it; run 'trustctl store check'");
  }
  auto index = readWholeFile(index_path);
  if (!index) {
    return tl::unexpected(index.error());
  }
  auto corrupt = [&] {
    return fail(ErrorCode::StoreCorrupt,
                index_path + ": the anchor index is damaged; run 'trustctl store check'");
  };
  if (index->size() < 8 || std::memcmp(index->data(), kIndexMagic, 4) != 0) {
    return corrupt();
  }
  std::uint32_t count = getU32(index->data() + 4);
  if (index->size() != 8 + static_cast<size_t>(count) * 12) {
    return corrupt();
  }
  auto set = std::shared_ptr<AnchorSet>(new AnchorSet());
  set->blob_ = std::move(*blob);
  set->slots_.reserve(count);
  for (std::uint32_t i = 0; i < count; ++i) {
    const char* r = index->data() + 8 + static_cast<size_t>(i) * 12;
    Slot s{getU32(r), getU32(r + 4), getU32(r + 8)};
    if (static_cast<size_t>(s.offset) + s.length > set->blob_.size()) {
      return corrupt();
    }
    set->slots_.push_back(s);
  }
  set->buildIndex();
  return AnchorSetPtr(std::move(set));
}

void AnchorSet::buildIndex() {
  by_hash_.reserve(slots_.size());
  for (size_t i = 0; i < slots_.size(); ++i) {
    by_hash_.emplace(slots_[i].hash, i);
  }
  cache_.resize(slots_.size());
}

CertificatePtr AnchorSet::parsed(size_t slot) const {
  std::lock_guard<std::mutex> lock(mutex_);
  if (!cache_[slot]) {
    auto cert = Certificate::parseDer(
        std::string_view(blob_.data() + slots_[slot].offset, slots_[slot].length));
    if (cert) {
      cache_[slot] = *cert;
    }
  }
  return cache_[slot];
}

std::vector<CertificatePtr> AnchorSet::all() const {
  std::vector<CertificatePtr> out;
  out.reserve(slots_.size());
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (auto c = parsed(i)) {
      out.push_back(std::move(c));
    }
  }
  return out;
}

std::vector<CertificatePtr> AnchorSet::findBySubject(const X509_NAME* name) const {
  std::vector<CertificatePtr> out;
  auto range = by_hash_.equal_range(subjectHash(name));
  for (auto it = range.first; it != range.second; ++it) {
    CertificatePtr c = parsed(it->second);
    if (c && X509_NAME_cmp(X509_get_subject_name(c->x509()), name) == 0) {
      out.push_back(std::move(c));
    }
  }
  return out;
}

bool AnchorSet::containsFingerprint(const std::string& sha256_hex) const {
  for (const auto& c : all()) {
    if (c->sha256() == sha256_hex) {
      return true;
    }
  }
  return false;
}

ossl::X509StorePtr AnchorSet::newX509Store() const {
  ossl::X509StorePtr store(X509_STORE_new());
  if (!store) {
    return store;
  }
  X509_LOOKUP* lookup = X509_STORE_add_lookup(store.get(), anchorLookupMethod());
  if (lookup == nullptr) {
    return ossl::X509StorePtr();
  }
  X509_LOOKUP_set_method_data(lookup, new LookupData{shared_from_this()});
  X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN);
  return store;
}

}  // namespace trustctl::truststore
