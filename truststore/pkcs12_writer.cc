#include "truststore/pkcs12_writer.h"

#include <cctype>
#include <set>

#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "truststore/ossl.h"

namespace trustctl::truststore {

namespace {

// JDK 17 writes its own PKCS#12 keystores with this count for both the PBKDF2 and the MAC;
// matching it keeps our files no weaker than Java's and no slower to open.
constexpr int kIterations = 10000;

// A cipher NID (not a PKCS#12 PBE NID) makes OpenSSL choose PBES2 with PBKDF2-HMAC-SHA-256.
constexpr int kCipherNid = NID_aes_256_cbc;

// Oracle's "trusted key usage" bag attribute. OpenSSL 3.0 has no NID for it (3.2 added one), so
// it is named by number. Java treats a certBag carrying it, and no localKeyID, as a
// trustedCertEntry; without it Java ignores a key-less certificate.
constexpr const char* kOracleTrustedKeyUsageOid = "2.16.840.1.113894.746875.1.1";

tl::unexpected<Error> cryptoFailure(const std::string& what) {
  return fail(ErrorCode::Crypto, "could not " + what + ": " + ossl::drainErrors());
}

std::string asciiLower(std::string s) {
  for (char& c : s) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return s;
}

Result<void> checkAliases(const std::vector<std::pair<std::string, CertificatePtr>>& anchors) {
  std::set<std::string> seen;
  for (const auto& [alias, cert] : anchors) {
    if (alias.empty() || cert == nullptr) {
      return fail(ErrorCode::InvalidArgument,
                  "a Java truststore entry has an empty alias or no certificate; give each "
                  "anchor a name and a certificate");
    }
    if (!seen.insert(asciiLower(alias)).second) {
      return fail(ErrorCode::DuplicateName,
                  "the alias '" + alias +
                      "' occurs twice in the Java truststore (Java ignores case); rename one "
                      "of the entries");
    }
  }
  return {};
}

Result<ossl::SafebagPtr> makeTrustedCertBag(const std::string& alias, const Certificate& cert) {
  // The bag holds its own DER copy of the certificate; the shared X509 is not modified.
  ossl::SafebagPtr bag(PKCS12_SAFEBAG_create_cert(cert.x509()));
  if (bag == nullptr) {
    return cryptoFailure("wrap the certificate '" + alias + "' in a PKCS#12 bag");
  }
  if (PKCS12_add_friendlyname_utf8(bag.get(), alias.c_str(), static_cast<int>(alias.size())) != 1) {
    return cryptoFailure("name the PKCS#12 bag '" + alias + "'");
  }
  // With len -1 OpenSSL takes `bytes` as an ASN1_OBJECT* and copies it into a SET OF OBJECT
  // IDENTIFIER; OBJ_nid2obj returns a static object that needs no freeing.
  const ASN1_OBJECT* any_eku = OBJ_nid2obj(NID_anyExtendedKeyUsage);
  if (any_eku == nullptr ||
      PKCS12_add1_attr_by_txt(bag.get(), kOracleTrustedKeyUsageOid, V_ASN1_OBJECT,
                              reinterpret_cast<const unsigned char*>(any_eku), -1) != 1) {
    return cryptoFailure("mark the PKCS#12 bag '" + alias + "' as trusted for Java");
  }
  return bag;
}

Result<std::string> toDer(PKCS12* p12) {
  int len = i2d_PKCS12(p12, nullptr);
  if (len <= 0) {
    return cryptoFailure("encode the PKCS#12 file");
  }
  std::string der(static_cast<std::size_t>(len), '\0');
  auto* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_PKCS12(p12, &out) != len) {
    return cryptoFailure("encode the PKCS#12 file");
  }
  return der;
}

}  // namespace

Result<std::string> writeJavaTruststore(
    const std::vector<std::pair<std::string, CertificatePtr>>& anchors,
    const std::string& password) {
  if (auto ok = checkAliases(anchors); !ok) {
    return tl::unexpected(ok.error());
  }
  ossl::SafebagStackPtr bags(sk_PKCS12_SAFEBAG_new_null());
  if (bags == nullptr) {
    return cryptoFailure("allocate the PKCS#12 bag list");
  }
  for (const auto& [alias, cert] : anchors) {
    auto bag = makeTrustedCertBag(alias, *cert);
    if (!bag) {
      return tl::unexpected(bag.error());
    }
    if (sk_PKCS12_SAFEBAG_push(bags.get(), bag->get()) == 0) {
      return cryptoFailure("add the certificate '" + alias + "' to the PKCS#12 bag list");
    }
    bag->release();
  }
  // An empty anchor list still gets its (empty) encrypted safe: keytool then reports a keystore
  // with 0 entries rather than a file it cannot interpret.
  ossl::Pkcs7Ptr safe(
      PKCS12_pack_p7encdata(kCipherNid, password.c_str(), -1, nullptr, 0, kIterations, bags.get()));
  if (safe == nullptr) {
    return cryptoFailure("encrypt the certificates of the Java truststore");
  }
  ossl::Pkcs7StackPtr safes(sk_PKCS7_new_null());
  if (safes == nullptr || sk_PKCS7_push(safes.get(), safe.get()) == 0) {
    return cryptoFailure("collect the safes of the Java truststore");
  }
  safe.release();
  // PKCS12_add_safes encodes `safes` into the new PFX and leaves their ownership with us.
  ossl::Pkcs12Ptr p12(PKCS12_add_safes(safes.get(), 0));
  if (p12 == nullptr) {
    return cryptoFailure("assemble the Java truststore");
  }
  if (PKCS12_set_mac(p12.get(), password.c_str(), -1, nullptr, 0, kIterations, EVP_sha256()) != 1) {
    return cryptoFailure("add the MAC to the Java truststore");
  }
  return toDer(p12.get());
}

Result<std::string> writeIdentityPkcs12(const PrivateKeyPtr& key,
                                        const std::vector<CertificatePtr>& certs,
                                        const std::string& friendly_name,
                                        const std::string& password) {
  if (key == nullptr || certs.empty() || certs.front() == nullptr) {
    return fail(ErrorCode::InvalidArgument,
                "an identity PKCS#12 needs a private key and its certificate; give both");
  }
  if (!key->matches(*certs.front())) {
    return fail(ErrorCode::KeyMismatch, "the private key does not belong to the certificate '" +
                                            certs.front()->info().subject +
                                            "'; export the key that signed its request");
  }
  ossl::X509StackPtr chain(sk_X509_new_null());
  if (chain == nullptr) {
    return cryptoFailure("allocate the certificate chain of the identity");
  }
  for (std::size_t i = 1; i < certs.size(); ++i) {
    if (certs[i] == nullptr) {
      return fail(ErrorCode::InvalidArgument,
                  "the identity's chain has an empty slot; pass only certificates");
    }
    ossl::X509Ptr ref = ossl::upRef(certs[i]->x509());
    if (sk_X509_push(chain.get(), ref.get()) == 0) {
      return cryptoFailure("build the certificate chain of the identity");
    }
    ref.release();
  }
  // mac_iter -1 skips PKCS12_create's own MAC so that the digest is chosen here, not by the
  // library's default of the day.
  ossl::Pkcs12Ptr p12(PKCS12_create(
      password.c_str(), friendly_name.empty() ? nullptr : friendly_name.c_str(), key->evp(),
      certs.front()->x509(), chain.get(), kCipherNid, kCipherNid, kIterations, -1, 0));
  if (p12 == nullptr) {
    return cryptoFailure("assemble the identity PKCS#12");
  }
  if (PKCS12_set_mac(p12.get(), password.c_str(), -1, nullptr, 0, kIterations, EVP_sha256()) != 1) {
    return cryptoFailure("add the MAC to the identity PKCS#12");
  }
  return toDer(p12.get());
}

}  // namespace trustctl::truststore
