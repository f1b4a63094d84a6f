#include "tests/support/test_pki.h"

#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509v3.h>

#include <stdexcept>

#include "truststore/ossl.h"

namespace trustctl::testing {

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    throw std::runtime_error(std::string("test PKI: ") + what + ": " + ossl::drainErrors());
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

void addExtension(X509* cert, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ossl::X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  check(ext != nullptr, "extension");
  check(X509_add_ext(cert, ext.get(), -1) == 1, "add extension");
}

enum class Role { Root, Intermediate, Leaf, SelfSignedLeaf };

}  // namespace

TestPki::TestPki(UnixTime now) : now_(now) {}

namespace {

Issued build(Role role, const std::string& cn, const CertOptions& opts, const Issued* issuer,
             UnixTime now, long serial) {
  PrivateKeyPtr key = opts.reuse_key != nullptr ? *opts.reuse_key : generateKey(opts.key);
  ossl::X509Ptr x(X509_new());
  check(x != nullptr, "X509_new");
  X509_set_version(x.get(), 2);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial);
  X509_NAME* name = X509_get_subject_name(x.get());
  if (!opts.organization.empty()) {
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(opts.organization.c_str()),
                               -1, -1, 0);
  }
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  bool self = issuer == nullptr;
  X509* signer_cert = self ? x.get() : issuer->cert->x509();
  check(X509_set_issuer_name(x.get(), X509_get_subject_name(signer_cert)) == 1, "issuer name");
  time_t base = static_cast<time_t>(now);
  check(X509_time_adj_ex(X509_getm_notBefore(x.get()), 0, opts.not_before_offset, &base) != nullptr,
        "notBefore");
  check(X509_time_adj_ex(X509_getm_notAfter(x.get()), 0, opts.not_after_offset, &base) != nullptr,
        "notAfter");
  check(X509_set_pubkey(x.get(), key->evp()) == 1, "pubkey");
  bool ca = (role == Role::Root || role == Role::Intermediate || opts.ca) && !opts.force_not_ca;
  if (ca) {
    addExtension(x.get(), signer_cert, NID_basic_constraints, "critical,CA:TRUE");
    addExtension(x.get(), signer_cert, NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    addExtension(x.get(), signer_cert, NID_basic_constraints, "critical,CA:FALSE");
    if (role == Role::Leaf || role == Role::SelfSignedLeaf) {
      addExtension(x.get(), signer_cert, NID_key_usage,
                   "critical,digitalSignature,keyEncipherment");
      addExtension(x.get(), signer_cert, NID_ext_key_usage, "serverAuth,clientAuth");
    } else {
      // A "CA" forced to CA:FALSE still carries keyCertSign, as broken real-world ones do.
      addExtension(x.get(), signer_cert, NID_key_usage, "critical,keyCertSign,digitalSignature");
    }
  }
  addExtension(x.get(), signer_cert, NID_subject_key_identifier, "hash");
  if (!self) {
    addExtension(x.get(), signer_cert, NID_authority_key_identifier, "keyid:always");
  }
  std::vector<std::string> sans = opts.sans;
  if (sans.empty() && (role == Role::Leaf || role == Role::SelfSignedLeaf)) {
    sans.push_back("DNS:" + cn);
  }
  if (!sans.empty()) {
    std::string value;
    for (const auto& s : sans) {
      value += (value.empty() ? "" : ",") + s;
    }
    addExtension(x.get(), signer_cert, NID_subject_alt_name, value);
  }
  if (!opts.aia_ca_issuers.empty()) {
    std::string value;
    for (const auto& u : opts.aia_ca_issuers) {
      value += (value.empty() ? "" : ",") + std::string("caIssuers;URI:") + u;
    }
    addExtension(x.get(), signer_cert, NID_info_access, value);
  }
  EVP_PKEY* signing_key = self ? key->evp() : issuer->key->evp();
  const EVP_MD* md = EVP_get_digestbyname(opts.digest.c_str());
  check(md != nullptr, "digest");
  check(X509_sign(x.get(), signing_key, md) > 0, "sign");
  auto cert = truststore::Certificate::fromX509(x.get());
  check(static_cast<bool>(cert), "wrap certificate");
  return Issued{*cert, key};
}

}  // namespace

Issued TestPki::makeRoot(const std::string& cn, CertOptions opts) {
  if (opts.not_after_offset == 365LL * 86400) {
    opts.not_after_offset = 10LL * 365 * 86400;
  }
  return build(Role::Root, cn, opts, nullptr, now_, serial_++);
}

Issued TestPki::makeIntermediate(const Issued& issuer, const std::string& cn, CertOptions opts) {
  if (opts.not_after_offset == 365LL * 86400) {
    opts.not_after_offset = 5LL * 365 * 86400;
  }
  return build(Role::Intermediate, cn, opts, &issuer, now_, serial_++);
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

}  // namespace trustctl::testing
