#pragma once
// Owners for OpenSSL objects: one pointer-sized unique_ptr per type with a stateless deleter.
// This header is the only place in trustctl that calls an OpenSSL *_free function. It also
// turns OpenSSL's error queue into one sentence. Only truststore/ and probes/ include it.

#include <memory>
#include <string>

#include <openssl/bio.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/ocsp.h>
#include <openssl/pkcs12.h>
#include <openssl/pkcs7.h>
#include <openssl/provider.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

namespace trustctl::ossl {

template <auto FreeFn>
struct Deleter {
  template <typename T>
  void operator()(T* p) const noexcept {
    FreeFn(p);
  }
};

inline void freeX509Stack(STACK_OF(X509) * s) {
  sk_X509_pop_free(s, X509_free);
}
inline void freeGeneralNames(GENERAL_NAMES* s) {
  GENERAL_NAMES_free(s);
}
inline void freeAuthorityInfo(AUTHORITY_INFO_ACCESS* a) {
  AUTHORITY_INFO_ACCESS_free(a);
}
inline void freeDistPoints(CRL_DIST_POINTS* d) {
  CRL_DIST_POINTS_free(d);
}
inline void freeSafebagStack(STACK_OF(PKCS12_SAFEBAG) * s) {
  sk_PKCS12_SAFEBAG_pop_free(s, PKCS12_SAFEBAG_free);
}
inline void freePkcs7Stack(STACK_OF(PKCS7) * s) {
  sk_PKCS7_pop_free(s, PKCS7_free);
}
inline void freeOpensslString(char* s) {
  OPENSSL_free(s);
}
inline void freeOpensslBytes(unsigned char* s) {
  OPENSSL_free(s);
}

using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using X509StackPtr = std::unique_ptr<STACK_OF(X509), Deleter<freeX509Stack>>;
using X509StorePtr = std::unique_ptr<X509_STORE, Deleter<X509_STORE_free>>;
using X509StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX_free>>;
using X509NamePtr = std::unique_ptr<X509_NAME, Deleter<X509_NAME_free>>;
using X509LookupMethodPtr = std::unique_ptr<X509_LOOKUP_METHOD, Deleter<X509_LOOKUP_meth_free>>;
using X509ReqPtr = std::unique_ptr<X509_REQ, Deleter<X509_REQ_free>>;
using X509ExtensionPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;
using X509CrlPtr = std::unique_ptr<X509_CRL, Deleter<X509_CRL_free>>;
using X509AlgorPtr = std::unique_ptr<X509_ALGOR, Deleter<X509_ALGOR_free>>;
using X509SigPtr = std::unique_ptr<X509_SIG, Deleter<X509_SIG_free>>;
using Pkcs8InfoPtr = std::unique_ptr<PKCS8_PRIV_KEY_INFO, Deleter<PKCS8_PRIV_KEY_INFO_free>>;
using EvpPkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using EvpPkeyCtxPtr = std::unique_ptr<EVP_PKEY_CTX, Deleter<EVP_PKEY_CTX_free>>;
using EvpMdCtxPtr = std::unique_ptr<EVP_MD_CTX, Deleter<EVP_MD_CTX_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using Pkcs12Ptr = std::unique_ptr<PKCS12, Deleter<PKCS12_free>>;
using Pkcs7Ptr = std::unique_ptr<PKCS7, Deleter<PKCS7_free>>;
using Pkcs7StackPtr = std::unique_ptr<STACK_OF(PKCS7), Deleter<freePkcs7Stack>>;
using SafebagPtr = std::unique_ptr<PKCS12_SAFEBAG, Deleter<PKCS12_SAFEBAG_free>>;
using SafebagStackPtr = std::unique_ptr<STACK_OF(PKCS12_SAFEBAG), Deleter<freeSafebagStack>>;
using PbeParamPtr = std::unique_ptr<PBEPARAM, Deleter<PBEPARAM_free>>;
using Pbe2ParamPtr = std::unique_ptr<PBE2PARAM, Deleter<PBE2PARAM_free>>;
using Pbkdf2ParamPtr = std::unique_ptr<PBKDF2PARAM, Deleter<PBKDF2PARAM_free>>;
using GeneralNamesPtr = std::unique_ptr<GENERAL_NAMES, Deleter<freeGeneralNames>>;
using AuthorityInfoPtr = std::unique_ptr<AUTHORITY_INFO_ACCESS, Deleter<freeAuthorityInfo>>;
using DistPointsPtr = std::unique_ptr<CRL_DIST_POINTS, Deleter<freeDistPoints>>;
using OcspResponsePtr = std::unique_ptr<OCSP_RESPONSE, Deleter<OCSP_RESPONSE_free>>;
using OcspBasicRespPtr = std::unique_ptr<OCSP_BASICRESP, Deleter<OCSP_BASICRESP_free>>;
using OcspRequestPtr = std::unique_ptr<OCSP_REQUEST, Deleter<OCSP_REQUEST_free>>;
using OcspCertIdPtr = std::unique_ptr<OCSP_CERTID, Deleter<OCSP_CERTID_free>>;
using X509RevokedPtr = std::unique_ptr<X509_REVOKED, Deleter<X509_REVOKED_free>>;
using Asn1EnumeratedPtr = std::unique_ptr<ASN1_ENUMERATED, Deleter<ASN1_ENUMERATED_free>>;
using Asn1IntegerPtr = std::unique_ptr<ASN1_INTEGER, Deleter<ASN1_INTEGER_free>>;
using Asn1TimePtr = std::unique_ptr<ASN1_TIME, Deleter<ASN1_TIME_free>>;
using Asn1ObjectPtr = std::unique_ptr<ASN1_OBJECT, Deleter<ASN1_OBJECT_free>>;
using Asn1OctetStringPtr = std::unique_ptr<ASN1_OCTET_STRING, Deleter<ASN1_OCTET_STRING_free>>;
using BignumPtr = std::unique_ptr<BIGNUM, Deleter<BN_free>>;
using EcdsaSigPtr = std::unique_ptr<ECDSA_SIG, Deleter<ECDSA_SIG_free>>;
using SslCtxPtr = std::unique_ptr<SSL_CTX, Deleter<SSL_CTX_free>>;
using SslPtr = std::unique_ptr<SSL, Deleter<SSL_free>>;
using OsslLibCtxPtr = std::unique_ptr<OSSL_LIB_CTX, Deleter<OSSL_LIB_CTX_free>>;
using OpensslStringPtr = std::unique_ptr<char, Deleter<freeOpensslString>>;
using OpensslBytesPtr = std::unique_ptr<unsigned char, Deleter<freeOpensslBytes>>;

// Takes a new reference to a borrowed certificate.
inline X509Ptr upRef(X509* x) {
  X509_up_ref(x);
  return X509Ptr(x);
}
inline EvpPkeyPtr upRef(EVP_PKEY* k) {
  EVP_PKEY_up_ref(k);
  return EvpPkeyPtr(k);
}

// Loads OpenSSL's legacy provider (RC2, 40-bit PBE) once per process, keeping the default
// provider as a fallback; it is unloaded at exit. Returns false when it cannot be loaded.
bool loadLegacyProvider();

// Lowercase hex of bytes, and of their SHA-256 (fingerprints, key ids).
std::string hexOf(const unsigned char* data, size_t size);
std::string sha256HexOf(const unsigned char* data, size_t size);

// Drains the thread's OpenSSL error queue into one line ("" when empty).
std::string drainErrors();

// Clears the thread's error queue without reading it.
void clearErrors();

}  // namespace trustctl::ossl
