// The encoders and TempDir of test_pki.h: every format a customer might send.
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <stdlib.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <stdexcept>

#include "tests/support/test_pki.h"
#include "truststore/ossl.h"

namespace trustctl::testing {

namespace {

std::string bioText(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

ossl::X509StackPtr stackOf(const std::vector<CertificatePtr>& certs) {
  ossl::X509StackPtr stack(sk_X509_new_null());
  for (const auto& c : certs) {
    ossl::X509Ptr ref = ossl::upRef(c->x509());
    if (sk_X509_push(stack.get(), ref.get()) > 0) {
      ref.release();
    }
  }
  return stack;
}

ossl::Pkcs7Ptr signedData(const std::vector<CertificatePtr>& certs) {
  ossl::Pkcs7Ptr p7(PKCS7_new());
  PKCS7_set_type(p7.get(), NID_pkcs7_signed);
  PKCS7_content_new(p7.get(), NID_pkcs7_data);
  for (const auto& c : certs) {
    PKCS7_add_certificate(p7.get(), c->x509());
  }
  return p7;
}

std::string p12Der(PKCS12* p12) {
  if (p12 == nullptr) {
    throw std::runtime_error("test PKI: PKCS12_create failed: " + ossl::drainErrors());
  }
  unsigned char* buf = nullptr;
  int len = i2d_PKCS12(p12, &buf);
  ossl::OpensslBytesPtr owned(buf);
  return std::string(reinterpret_cast<char*>(buf), static_cast<size_t>(len));
}

}  // namespace

std::string toPem(const std::vector<CertificatePtr>& certs) {
  std::string out;
  for (const auto& c : certs) {
    out += c->pem();
  }
  return out;
}

std::string toDer(const CertificatePtr& cert) {
  return cert->der();
}

std::string toPkcs7Der(const std::vector<CertificatePtr>& certs) {
  auto p7 = signedData(certs);
  unsigned char* buf = nullptr;
  int len = i2d_PKCS7(p7.get(), &buf);
  ossl::OpensslBytesPtr owned(buf);
  return std::string(reinterpret_cast<char*>(buf), static_cast<size_t>(len));
}

std::string toPkcs7Pem(const std::vector<CertificatePtr>& certs) {
  auto p7 = signedData(certs);
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PKCS7(bio.get(), p7.get());
  return bioText(bio.get());
}

std::string toPkcs12(const PrivateKeyPtr& key, const std::vector<CertificatePtr>& certs,
                     const std::string& password, Pkcs12Cipher cipher) {
  int key_nid = 0, cert_nid = 0;  // 0 = OpenSSL 3's defaults (AES-256, PBKDF2)
  if (cipher == Pkcs12Cipher::Legacy3Des) {
    key_nid = cert_nid = NID_pbe_WithSHA1And3_Key_TripleDES_CBC;
  } else if (cipher == Pkcs12Cipher::LegacyRc2) {
    ossl::loadLegacyProvider();
    key_nid = NID_pbe_WithSHA1And3_Key_TripleDES_CBC;
    cert_nid = NID_pbe_WithSHA1And40BitRC2_CBC;
  }
  X509* leaf = nullptr;
  std::vector<CertificatePtr> rest = certs;
  if (key && !certs.empty()) {
    leaf = certs.front()->x509();
    rest.erase(rest.begin());
  }
  auto ca = stackOf(rest);
  ossl::Pkcs12Ptr p12(PKCS12_create(password.c_str(), "test", key ? key->evp() : nullptr, leaf,
                                    ca.get(), key_nid, cert_nid, 0, 0, 0));
  return p12Der(p12.get());
}

std::string toPkcs12KeyOnly(const PrivateKeyPtr& key, const std::string& password) {
  ossl::Pkcs12Ptr p12(
      PKCS12_create(password.c_str(), "key", key->evp(), nullptr, nullptr, 0, 0, 0, 0, 0));
  return p12Der(p12.get());
}

std::string keyPem(const PrivateKeyPtr& key) {
  return key->pkcs8Pem();
}

std::string encryptedKeyPem(const PrivateKeyPtr& key, const std::string& password) {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  PEM_write_bio_PKCS8PrivateKey(bio.get(), key->evp(), EVP_aes_256_cbc(), password.data(),
                                static_cast<int>(password.size()), nullptr, nullptr);
  return bioText(bio.get());
}

std::string keyDer(const PrivateKeyPtr& key) {
  unsigned char* buf = nullptr;
  int len = i2d_PrivateKey(key->evp(), &buf);
  ossl::OpensslBytesPtr owned(buf);
  return std::string(reinterpret_cast<char*>(buf), static_cast<size_t>(len));
}

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base != nullptr ? base : "/tmp") + "/trustctl-test.XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("mkdtemp failed");
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::file(const std::string& name) const {
  return path_ + "/" + name;
}

std::string TempDir::write(const std::string& name, const std::string& data) const {
  std::string p = file(name);
  std::ofstream(p, std::ios::binary) << data;
  return p;
}

}  // namespace trustctl::testing
