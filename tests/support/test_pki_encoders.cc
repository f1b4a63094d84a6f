// The encoders and TempDir of test_pki.h: every format a customer might send. Legacy PKCS#12
// files are made in a private library context so that the importer under test still has to
// load the legacy provider itself, as it must in production.
#include <openssl/pem.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <stdexcept>

#include "tests/support/test_pki.h"
#include "truststore/ossl.h"

namespace trustctl::testing {

namespace {

// Local owner: ossl.h has none for providers, and only this test helper holds one outside
// truststore/ossl.cc.
using ProviderPtr = std::unique_ptr<OSSL_PROVIDER, ossl::Deleter<OSSL_PROVIDER_unload>>;

void check(bool ok, const char* what) {
  if (!ok) {
    throw std::runtime_error(std::string("test PKI: ") + what + " failed: " + ossl::drainErrors());
  }
}

// OpenSSL's i2d_* functions all share this shape; T is the OpenSSL object type.
template <typename T>
std::string derOf(const T* object, int (*encode)(const T*, unsigned char**), const char* what) {
  unsigned char* buf = nullptr;
  int len = encode(object, &buf);
  ossl::OpensslBytesPtr owned(buf);
  check(len > 0, what);
  return std::string(reinterpret_cast<char*>(buf), static_cast<size_t>(len));
}

ossl::BioPtr memoryBio() {
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  check(bio != nullptr, "BIO_new");
  return bio;
}

std::string bioText(BIO* bio) {
  char* data = nullptr;
  long len = BIO_get_mem_data(bio, &data);
  return std::string(data, static_cast<size_t>(len));
}

ossl::X509StackPtr stackOf(const std::vector<CertificatePtr>& certs) {
  ossl::X509StackPtr stack(sk_X509_new_null());
  check(stack != nullptr, "sk_X509_new_null");
  for (const auto& c : certs) {
    ossl::X509Ptr ref = ossl::upRef(c->x509());
    check(sk_X509_push(stack.get(), ref.get()) > 0, "sk_X509_push");
    ref.release();
  }
  return stack;
}

// A certs-only SignedData ("degenerate" PKCS#7), the shape of .p7b exports.
ossl::Pkcs7Ptr signedData(const std::vector<CertificatePtr>& certs) {
  ossl::Pkcs7Ptr p7(PKCS7_new());
  check(p7 != nullptr, "PKCS7_new");
  check(PKCS7_set_type(p7.get(), NID_pkcs7_signed) == 1, "PKCS7_set_type");
  check(PKCS7_content_new(p7.get(), NID_pkcs7_data) == 1, "PKCS7_content_new");
  for (const auto& c : certs) {
    check(PKCS7_add_certificate(p7.get(), c->x509()) == 1, "PKCS7_add_certificate");
  }
  return p7;
}

// Default and legacy providers in a context of their own: RC2-40 is legacy-only in OpenSSL 3,
// and loading it into the default context would hide an importer that forgets to.
OSSL_LIB_CTX* legacyContext() {
  // Member order matters: the providers are unloaded before their context is freed.
  struct Context {
    ossl::OsslLibCtxPtr ctx{OSSL_LIB_CTX_new()};
    ProviderPtr default_provider{OSSL_PROVIDER_load(ctx.get(), "default")};
    ProviderPtr legacy{OSSL_PROVIDER_load(ctx.get(), "legacy")};
  };
  static Context context;
  check(context.ctx && context.default_provider && context.legacy, "loading the legacy provider");
  return context.ctx.get();
}

std::string p12Der(const ossl::Pkcs12Ptr& p12) {
  check(p12 != nullptr, "PKCS12_create");
  return derOf<PKCS12>(p12.get(), i2d_PKCS12, "i2d_PKCS12");
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
  return derOf<PKCS7>(p7.get(), i2d_PKCS7, "i2d_PKCS7");
}

std::string toPkcs7Pem(const std::vector<CertificatePtr>& certs) {
  auto p7 = signedData(certs);
  auto bio = memoryBio();
  check(PEM_write_bio_PKCS7(bio.get(), p7.get()) == 1, "PEM_write_bio_PKCS7");
  return bioText(bio.get());
}

std::string toPkcs12(const PrivateKeyPtr& key, const std::vector<CertificatePtr>& certs,
                     const std::string& password, Pkcs12Cipher cipher) {
  X509* leaf = nullptr;
  std::vector<CertificatePtr> rest = certs;
  if (key && !certs.empty()) {
    leaf = certs.front()->x509();
    rest.erase(rest.begin());
  }
  auto ca = stackOf(rest);
  EVP_PKEY* pkey = key ? key->evp() : nullptr;
  if (cipher == Pkcs12Cipher::Modern) {
    // Zeros select OpenSSL 3's defaults: AES-256-CBC with PBKDF2, HMAC-SHA-256 MAC.
    ossl::Pkcs12Ptr p12(
        PKCS12_create(password.c_str(), "test", pkey, leaf, ca.get(), 0, 0, 0, 0, 0));
    return p12Der(p12);
  }
  // Old Windows and `openssl pkcs12 -legacy` exports: 3DES key bag, certificates under
  // 3DES or RC2-40, and an HMAC-SHA-1 MAC. The MAC is set afterwards because PKCS12_create
  // always picks SHA-256.
  int cert_nid = cipher == Pkcs12Cipher::LegacyRc2 ? NID_pbe_WithSHA1And40BitRC2_CBC
                                                   : NID_pbe_WithSHA1And3_Key_TripleDES_CBC;
  ossl::Pkcs12Ptr p12(PKCS12_create_ex(password.c_str(), "test", pkey, leaf, ca.get(),
                                       NID_pbe_WithSHA1And3_Key_TripleDES_CBC, cert_nid, 0, -1, 0,
                                       legacyContext(), nullptr));
  check(p12 != nullptr, "PKCS12_create_ex");
  check(PKCS12_set_mac(p12.get(), password.c_str(), -1, nullptr, 0, PKCS12_DEFAULT_ITER,
                       EVP_sha1()) == 1,
        "PKCS12_set_mac");
  return p12Der(p12);
}

std::string toPkcs12KeyOnly(const PrivateKeyPtr& key, const std::string& password) {
  ossl::Pkcs12Ptr p12(
      PKCS12_create(password.c_str(), "key", key->evp(), nullptr, nullptr, 0, 0, 0, 0, 0));
  return p12Der(p12);
}

std::string keyPem(const PrivateKeyPtr& key) {
  return key->pkcs8Pem();
}

std::string encryptedKeyPem(const PrivateKeyPtr& key, const std::string& password) {
  auto bio = memoryBio();
  check(PEM_write_bio_PKCS8PrivateKey(bio.get(), key->evp(), EVP_aes_256_cbc(), password.data(),
                                      static_cast<int>(password.size()), nullptr, nullptr) == 1,
        "PEM_write_bio_PKCS8PrivateKey");
  return bioText(bio.get());
}

std::string keyDer(const PrivateKeyPtr& key) {
  return derOf<EVP_PKEY>(key->evp(), i2d_PrivateKey, "i2d_PrivateKey");
}

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern =
      std::string(base != nullptr && *base != '\0' ? base : "/tmp") + "/trustctl-test.XXXXXX";
  if (mkdtemp(pattern.data()) == nullptr) {
    throw std::runtime_error("test PKI: mkdtemp failed for " + pattern);
  }
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;  // a destructor must not throw; a leftover temp folder is harmless
  std::filesystem::remove_all(path_, ec);
}

std::string TempDir::file(const std::string& name) const {
  return path_ + "/" + name;
}

std::string TempDir::write(const std::string& name, const std::string& data) const {
  std::string p = file(name);
  std::ofstream out(p, std::ios::binary | std::ios::trunc);
  out << data;
  out.close();
  if (!out) {
    throw std::runtime_error("test PKI: cannot write " + p);
  }
  return p;
}

}  // namespace trustctl::testing
