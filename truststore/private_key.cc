#include "truststore/private_key.h"

#include <openssl/pem.h>

#include "truststore/ossl.h"

namespace trustctl::truststore {

PrivateKeyPtr PrivateKey::fromEvp(EVP_PKEY* key) {
  auto out = std::shared_ptr<PrivateKey>(new PrivateKey());
  out->key_ = ossl::upRef(key).release();
  unsigned char* spki = nullptr;
  int len = i2d_PUBKEY(key, &spki);
  if (len > 0) {
    ossl::OpensslBytesPtr owned(spki);
    out->spki_sha256_ = ossl::sha256HexOf(spki, static_cast<size_t>(len));
  }
  return out;
}

Result<PrivateKeyPtr> PrivateKey::parsePem(std::string_view pem) {
  ossl::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  // An empty passphrase callback result makes an encrypted key fail instead of prompting.
  ossl::EvpPkeyPtr key(PEM_read_bio_PrivateKey(
      bio.get(), nullptr, [](char*, int, int, void*) { return 0; }, nullptr));
  if (!key) {
    ossl::clearErrors();
    return fail(ErrorCode::StoreCorrupt, "a stored private key is not readable PEM");
  }
  return fromEvp(key.get());
}

PrivateKey::~PrivateKey() {
  ossl::EvpPkeyPtr owned(key_);
}

std::string PrivateKey::pkcs8Pem() const {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PKCS8PrivateKey(bio.get(), key_, nullptr, nullptr, 0, nullptr, nullptr);
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  std::string out(data, static_cast<size_t>(len));
  OPENSSL_cleanse(data, static_cast<size_t>(len));
  return out;
}

bool PrivateKey::matches(const Certificate& cert) const {
  bool ok = X509_check_private_key(cert.x509(), key_) == 1;
  ossl::clearErrors();
  return ok;
}

}  // namespace trustctl::truststore
