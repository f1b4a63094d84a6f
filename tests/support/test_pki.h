#pragma once
// A PKI generated at test time: roots, intermediates and leaves with validity relative to an
// injected `now`, plus encoders for every import format (PEM, DER, PKCS#7, PKCS#12 modern and
// legacy, encrypted keys). Nothing is committed and nothing depends on today's date.

#include <cstdint>
#include <string>
#include <vector>

#include "truststore/certificate.h"
#include "truststore/private_key.h"
#include "truststore/time_util.h"

namespace trustctl::testing {

using truststore::CertificatePtr;
using truststore::PrivateKeyPtr;

enum class KeyType { EcP256, Rsa2048, Rsa1024 };

struct CertOptions {
  std::vector<std::string> sans;            // "DNS:name" / "IP:1.2.3.4"; leaves default to DNS:<cn>
  std::int64_t not_before_offset = -86400;  // seconds relative to TestPki::now()
  std::int64_t not_after_offset = 365LL * 86400;
  KeyType key = KeyType::EcP256;
  std::string digest = "sha256";            // "sha1" or "md5" make weak signatures
  std::vector<std::string> aia_ca_issuers;  // URLs
  bool ca = false;  // forced CA:TRUE on a leaf (or CA:FALSE via force_not_ca on a CA call)
  bool force_not_ca = false;  // makeIntermediate/makeRoot with basicConstraints CA:FALSE
  std::string organization;   // optional O= in the subject
  const PrivateKeyPtr* reuse_key = nullptr;  // use this key instead of generating one
  // The faults of issue 13 (defaults make the well-formed certificates above).
  std::vector<std::string> eku;  // leaves: replaces serverAuth,clientAuth (e.g. {"clientAuth"})
  bool no_san = false;           // leaves: no subjectAltName at all, the host only in the CN
  std::string name_constraints;  // CAs: e.g. "critical,excluded;DNS:localhost"
  int path_len = -1;             // CAs: basicConstraints pathlen, -1 none
  std::vector<std::string> crl_urls;               // CRL distribution points (URIs)
  std::vector<std::string> unknown_critical_oids;  // critical extensions nobody knows (NULL value)
};

struct Issued {
  CertificatePtr cert;
  PrivateKeyPtr key;
};

class TestPki {
 public:
  explicit TestPki(UnixTime now);
  UnixTime now() const { return now_; }

  // Self-signed CA (basicConstraints critical CA:TRUE, keyCertSign, SKI).
  Issued makeRoot(const std::string& cn, CertOptions opts = {});
  // CA signed by `issuer` (SKI/AKI set).
  Issued makeIntermediate(const Issued& issuer, const std::string& cn, CertOptions opts = {});
  // End-entity signed by `issuer`: CA:FALSE, serverAuth+clientAuth, SAN (default DNS:<cn>).
  Issued makeLeaf(const Issued& issuer, const std::string& cn, CertOptions opts = {});
  // End-entity signing itself (the "self_signed" server).
  Issued makeSelfSignedLeaf(const std::string& cn, CertOptions opts = {});

  struct Chain {
    Issued root, intermediate, leaf;
  };
  // root "<prefix> Root CA" -> "<prefix> Intermediate CA" -> leaf "localhost" with SANs
  // DNS:localhost and IP:127.0.0.1 unless leaf_opts.sans says otherwise.
  Chain makeChain(const std::string& prefix = "Test", CertOptions leaf_opts = {});

  // `n` CAs below `top`, each issued by the one before: [0] by top, [n-1] the lowest.
  std::vector<Issued> makeCaLadder(const Issued& top, const std::string& prefix, int n);
  // The same root (subject and key) signed again with new validity: a re-issued root.
  Issued reissueRoot(const Issued& root, const std::string& cn, CertOptions opts = {});
  // `subject`'s name and key, certified by `issuer` (a cross-signature, ISRG X1 by DST X3).
  Issued crossSign(const Issued& issuer, const Issued& subject, const std::string& cn,
                   CertOptions opts = {});

 private:
  UnixTime now_;
  long serial_ = 1000;
};

// `cert` with one byte of its signature flipped: it parses, and no key verifies it.
CertificatePtr withBadSignature(const CertificatePtr& cert);

// Adds extension `nid` = `value` (OpenSSL's config syntax) to `cert`; `issuer` is the
// certificate itself for self-signed ones (SKI/AKI read the issuer's key id). Throws on error.
void addX509Extension(X509* cert, X509* issuer, int nid, const std::string& value);
// "a,b,c" with `prefix` before each item.
std::string joinedList(const std::vector<std::string>& items, const std::string& prefix);

enum class Pkcs12Cipher { Modern, Legacy3Des, LegacyRc2 };

std::string toPem(const std::vector<CertificatePtr>& certs);
std::string toDer(const CertificatePtr& cert);
std::string toPkcs7Der(const std::vector<CertificatePtr>& certs);
std::string toPkcs7Pem(const std::vector<CertificatePtr>& certs);
// `key` may be null (a PKCS#12 of certificates only); `certs[0]` is the key's certificate.
std::string toPkcs12(const PrivateKeyPtr& key, const std::vector<CertificatePtr>& certs,
                     const std::string& password, Pkcs12Cipher cipher = Pkcs12Cipher::Modern);
// A PKCS#12 with only a key bag (no certificate at all).
std::string toPkcs12KeyOnly(const PrivateKeyPtr& key, const std::string& password);
std::string keyPem(const PrivateKeyPtr& key);
std::string encryptedKeyPem(const PrivateKeyPtr& key, const std::string& password);
std::string keyDer(const PrivateKeyPtr& key);

// A fresh folder under $TMPDIR removed (recursively) at scope exit.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  // path()/name
  std::string file(const std::string& name) const;
  // Writes `data` to path()/name and returns the full path.
  std::string write(const std::string& name, const std::string& data) const;

 private:
  std::string path_;
};

}  // namespace trustctl::testing
