#pragma once
// A private key held in memory for an identity (mTLS). It never renders itself in logs or
// messages; the only ways out are an unencrypted PKCS#8 PEM for a 0600 file and a PKCS#12.

#include <memory>
#include <string>

#include "truststore/certificate.h"
#include "truststore/error.h"

typedef struct evp_pkey_st EVP_PKEY;

namespace trustctl::truststore {

class PrivateKey;
using PrivateKeyPtr = std::shared_ptr<const PrivateKey>;

class PrivateKey {
 public:
  // Takes a new reference to `key` (borrowed).
  static PrivateKeyPtr fromEvp(EVP_PKEY* key);
  // Parses an unencrypted PKCS#8 or traditional PEM key, as the store writes it.
  static Result<PrivateKeyPtr> parsePem(std::string_view pem);
  ~PrivateKey();
  PrivateKey(const PrivateKey&) = delete;
  PrivateKey& operator=(const PrivateKey&) = delete;

  // Unencrypted PKCS#8 PEM. The caller must only write it to a 0600 file.
  std::string pkcs8Pem() const;
  // Hex SHA-256 of the public half (SubjectPublicKeyInfo): names the key on disk.
  const std::string& spkiSha256() const { return spki_sha256_; }
  // True when `cert` carries this key's public half.
  bool matches(const Certificate& cert) const;
  // Borrowed; valid while this PrivateKey lives.
  EVP_PKEY* evp() const { return key_; }

 private:
  PrivateKey() = default;
  EVP_PKEY* key_ = nullptr;
  std::string spki_sha256_;
};

}  // namespace trustctl::truststore
