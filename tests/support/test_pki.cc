// The certificate builder of test_pki.h. Every certificate is signed on the spot with a fresh
// key (unless one is reused), and its validity is anchored to the injected `now`, so a test
// gives the same verdict in any year.
#include "tests/support/test_pki.h"

#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include <stdexcept>
#include <utility>

#include "truststore/ossl.h"

namespace trustctl::testing {

namespace {

// CertOptions' default lifetime; a CA built with it gets a longer one instead (see defaultCa).
constexpr std::int64_t kYear = 365LL * 86400;

enum class Role { Root, Intermediate, Leaf, SelfSignedLeaf };

void check(bool ok, const char* what) {
  if (!ok) {
    throw std::runtime_error(std::string("test PKI: ") + what + " failed: " + ossl::drainErrors());
  }
}

PrivateKeyPtr generateKey(KeyType type) {
  ossl::EvpPkeyPtr key;
  switch (type) {
    case KeyType::EcP256:
      key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
      break;
    case KeyType::Rsa2048:
      key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(2048)));
      break;
    case KeyType::Rsa1024:
      key.reset(EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(1024)));
      break;
  }
  check(key != nullptr, "key generation");
  return truststore::PrivateKey::fromEvp(key.get());
}

// Real CAs outlive their leaves; a chain whose CA expires first would make every "expired
// leaf" test ambiguous. Only the untouched default is stretched, so explicit offsets win.
CertOptions defaultCa(CertOptions opts, std::int64_t lifetime) {
  if (opts.not_after_offset == kYear) {
    opts.not_after_offset = lifetime;
  }
  return opts;
}

void addNameEntry(X509_NAME* name, const char* field, const std::string& value) {
  check(X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1,
                                   0) == 1,
        "subject name");
}

// An extension no verifier knows, marked critical, with an ASN.1 NULL as its value.
void addUnknownCritical(X509* cert, const std::string& oid) {
  ossl::Asn1ObjectPtr obj(OBJ_txt2obj(oid.c_str(), 1));
  check(obj != nullptr, "extension OID");
  ossl::Asn1OctetStringPtr value(ASN1_OCTET_STRING_new());
  const unsigned char null_der[] = {0x05, 0x00};
  check(value && ASN1_OCTET_STRING_set(value.get(), null_der, sizeof(null_der)) == 1,
        "extension value");
  ossl::X509ExtensionPtr ext(X509_EXTENSION_create_by_OBJ(nullptr, obj.get(), 1, value.get()));
  check(ext != nullptr, "unknown extension");
  check(X509_add_ext(cert, ext.get(), -1) == 1, "add unknown extension");
}

void setValidity(X509* x, UnixTime now, const CertOptions& opts) {
  // X509_time_adj_ex takes the base instant explicitly, which keeps the wall clock out.
  time_t base = static_cast<time_t>(now);
  check(X509_time_adj_ex(X509_getm_notBefore(x), 0, static_cast<long>(opts.not_before_offset),
                         &base) != nullptr,
        "notBefore");
  check(X509_time_adj_ex(X509_getm_notAfter(x), 0, static_cast<long>(opts.not_after_offset),
                         &base) != nullptr,
        "notAfter");
}

void addRoleExtensions(X509* x, X509* signer, Role role, const std::string& cn,
                       const CertOptions& opts) {
  bool is_leaf = role == Role::Leaf || role == Role::SelfSignedLeaf;
  bool ca = (!is_leaf || opts.ca) && !opts.force_not_ca;
  if (ca) {
    addX509Extension(x, signer, NID_basic_constraints,
                     "critical,CA:TRUE" +
                         (opts.path_len >= 0 ? ",pathlen:" + std::to_string(opts.path_len) : ""));
    addX509Extension(x, signer, NID_key_usage, "critical,keyCertSign,cRLSign");
    if (!opts.name_constraints.empty()) {
      addX509Extension(x, signer, NID_name_constraints, opts.name_constraints);
    }
  } else if (is_leaf) {
    addX509Extension(x, signer, NID_basic_constraints, "critical,CA:FALSE");
    addX509Extension(x, signer, NID_key_usage, "critical,digitalSignature,keyEncipherment");
    addX509Extension(
        x, signer, NID_ext_key_usage,
        opts.eku.empty() ? std::string("serverAuth,clientAuth") : joinedList(opts.eku, ""));
  } else {
    // A "CA" forced to CA:FALSE still carries keyCertSign, as broken real-world ones do, so
    // only basicConstraints tells it apart.
    addX509Extension(x, signer, NID_basic_constraints, "critical,CA:FALSE");
    addX509Extension(x, signer, NID_key_usage, "critical,keyCertSign,digitalSignature");
  }
  addX509Extension(x, signer, NID_subject_key_identifier, "hash");
  if (role == Role::Intermediate || role == Role::Leaf) {
    addX509Extension(x, signer, NID_authority_key_identifier, "keyid:always");
  }
  std::vector<std::string> sans = opts.sans;
  if (sans.empty() && is_leaf) {
    sans.push_back("DNS:" + cn);
  }
  if (!sans.empty() && !opts.no_san) {
    addX509Extension(x, signer, NID_subject_alt_name, joinedList(sans, ""));
  }
  if (!opts.aia_ca_issuers.empty()) {
    addX509Extension(x, signer, NID_info_access, joinedList(opts.aia_ca_issuers, "caIssuers;URI:"));
  }
  if (!opts.crl_urls.empty()) {
    addX509Extension(x, signer, NID_crl_distribution_points, joinedList(opts.crl_urls, "URI:"));
  }
  for (const auto& oid : opts.unknown_critical_oids) {
    addUnknownCritical(x, oid);
  }
}

Issued build(Role role, const std::string& cn, const CertOptions& opts, const Issued* issuer,
             UnixTime now, long serial) {
  PrivateKeyPtr key = opts.reuse_key != nullptr ? *opts.reuse_key : generateKey(opts.key);
  ossl::X509Ptr x(X509_new());
  check(x != nullptr, "X509_new");
  check(X509_set_version(x.get(), X509_VERSION_3) == 1, "version");
  check(ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial) == 1, "serial");
  X509_NAME* name = X509_get_subject_name(x.get());
  if (!opts.organization.empty()) {
    addNameEntry(name, "O", opts.organization);
  }
  addNameEntry(name, "CN", cn);
  X509* signer = issuer == nullptr ? x.get() : issuer->cert->x509();
  check(X509_set_issuer_name(x.get(), X509_get_subject_name(signer)) == 1, "issuer name");
  setValidity(x.get(), now, opts);
  check(X509_set_pubkey(x.get(), key->evp()) == 1, "public key");
  addRoleExtensions(x.get(), signer, role, cn, opts);
  EVP_PKEY* signing_key = issuer == nullptr ? key->evp() : issuer->key->evp();
  const EVP_MD* md = EVP_get_digestbyname(opts.digest.c_str());
  check(md != nullptr, "digest lookup");
  check(X509_sign(x.get(), signing_key, md) > 0, "signing");
  auto cert = truststore::Certificate::fromX509(x.get());
  check(static_cast<bool>(cert), "wrapping the certificate");
  return Issued{*cert, key};
}

}  // namespace

// `issuer` is the certificate itself for self-signed ones: SKI/AKI read the issuer's key id.
void addX509Extension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ossl::X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  check(ext != nullptr, "extension");
  check(X509_add_ext(cert, ext.get(), -1) == 1, "add extension");
}

std::string joinedList(const std::vector<std::string>& items, const std::string& prefix) {
  std::string out;
  for (const auto& item : items) {
    out += (out.empty() ? "" : ",") + prefix + item;
  }
  return out;
}

TestPki::TestPki(UnixTime now) : now_(now) {}

Issued TestPki::makeRoot(const std::string& cn, CertOptions opts) {
  return build(Role::Root, cn, defaultCa(std::move(opts), 10 * kYear), nullptr, now_, serial_++);
}

Issued TestPki::makeIntermediate(const Issued& issuer, const std::string& cn, CertOptions opts) {
  return build(Role::Intermediate, cn, defaultCa(std::move(opts), 5 * kYear), &issuer, now_,
               serial_++);
}

Issued TestPki::makeLeaf(const Issued& issuer, const std::string& cn, CertOptions opts) {
  return build(Role::Leaf, cn, opts, &issuer, now_, serial_++);
}

Issued TestPki::makeSelfSignedLeaf(const std::string& cn, CertOptions opts) {
  return build(Role::SelfSignedLeaf, cn, opts, nullptr, now_, serial_++);
}

TestPki::Chain TestPki::makeChain(const std::string& prefix, CertOptions leaf_opts) {
  Chain c;
  c.root = makeRoot(prefix + " Root CA");
  c.intermediate = makeIntermediate(c.root, prefix + " Intermediate CA");
  if (leaf_opts.sans.empty()) {
    leaf_opts.sans = {"DNS:localhost", "IP:127.0.0.1"};
  }
  c.leaf = makeLeaf(c.intermediate, "localhost", leaf_opts);
  return c;
}

std::vector<Issued> TestPki::makeCaLadder(const Issued& top, const std::string& prefix, int n) {
  std::vector<Issued> out;
  for (int i = 0; i < n; ++i) {
    out.push_back(makeIntermediate(i == 0 ? top : out.back(), prefix + " " + std::to_string(i)));
  }
  return out;
}

Issued TestPki::reissueRoot(const Issued& root, const std::string& cn, CertOptions opts) {
  opts.reuse_key = &root.key;
  return makeRoot(cn, std::move(opts));
}

Issued TestPki::crossSign(const Issued& issuer, const Issued& subject, const std::string& cn,
                          CertOptions opts) {
  opts.reuse_key = &subject.key;
  return makeIntermediate(issuer, cn, std::move(opts));
}

CertificatePtr withBadSignature(const CertificatePtr& cert) {
  // The DER ends with the signature BIT STRING: its last byte belongs to the signature value,
  // and changing it leaves every length (so the parse) intact.
  std::string der = cert->der();
  der.back() = static_cast<char>(der.back() ^ 0x01);
  auto parsed = truststore::Certificate::parseDer(der);
  check(static_cast<bool>(parsed), "re-parsing the certificate with a flipped signature");
  return *parsed;
}

}  // namespace trustctl::testing
