#include "truststore/builtin_ca.h"

#include <arpa/inet.h>

#include <algorithm>
#include <optional>

#include "truststore/ossl.h"

namespace trustctl::truststore {

namespace {

constexpr std::int64_t kDay = 86400;
constexpr int kSerialBits = 159;  // positive, under the 20-octet limit, 64+ bits of entropy

Error cryptoError(const std::string& what) {
  return Error{ErrorCode::Crypto, what + " failed: " + ossl::drainErrors()};
}

Result<ossl::EvpPkeyPtr> generateKey(CaKeyType type, bool for_ca) {
  ossl::EvpPkeyPtr key(
      type == CaKeyType::Ec
          ? EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256")
          : EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", static_cast<size_t>(for_ca ? 3072 : 2048)));
  if (!key) {
    return tl::unexpected(cryptoError("generating a key"));
  }
  return key;
}

Result<void> setRandomSerial(X509* x) {
  ossl::BignumPtr bn(BN_new());
  if (!bn || BN_rand(bn.get(), kSerialBits, BN_RAND_TOP_ONE, BN_RAND_BOTTOM_ANY) != 1) {
    return tl::unexpected(cryptoError("drawing a serial number"));
  }
  ossl::Asn1IntegerPtr serial(BN_to_ASN1_INTEGER(bn.get(), nullptr));
  if (!serial || X509_set_serialNumber(x, serial.get()) != 1) {
    return tl::unexpected(cryptoError("setting the serial number"));
  }
  return {};
}

Result<void> addExtension(X509* subject, X509* issuer, int nid, const std::string& value) {
  X509V3_CTX ctx;
  X509V3_set_ctx(&ctx, issuer, subject, nullptr, nullptr, 0);
  ossl::X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value.c_str()));
  if (!ext || X509_add_ext(subject, ext.get(), -1) != 1) {
    return tl::unexpected(cryptoError(std::string("adding ") + OBJ_nid2sn(nid)));
  }
  return {};
}

struct Blueprint {
  std::string common_name;
  UnixTime not_before = 0;
  UnixTime not_after = 0;
  // (nid, value) in OpenSSL's config syntax; SKI and AKI are always added.
  std::vector<std::pair<int, std::string>> extensions;
};

// Builds and signs one certificate for `key`; `issuer` null means self-signed.
Result<CertificatePtr> makeCertificate(const Blueprint& bp, EVP_PKEY* key, X509* issuer,
                                       EVP_PKEY* issuer_key) {
  ossl::X509Ptr x(X509_new());
  if (!x || X509_set_version(x.get(), X509_VERSION_3) != 1) {
    return tl::unexpected(cryptoError("creating a certificate"));
  }
  if (auto r = setRandomSerial(x.get()); !r) {
    return tl::unexpected(r.error());
  }
  X509_NAME* name = X509_get_subject_name(x.get());
  if (!bp.common_name.empty() &&
      X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                                 reinterpret_cast<const unsigned char*>(bp.common_name.c_str()), -1,
                                 -1, 0) != 1) {
    return tl::unexpected(cryptoError("setting the subject"));
  }
  X509* signer = issuer != nullptr ? issuer : x.get();
  if (X509_set_issuer_name(x.get(), X509_get_subject_name(signer)) != 1 ||
      ASN1_TIME_set(X509_getm_notBefore(x.get()), static_cast<time_t>(bp.not_before)) == nullptr ||
      ASN1_TIME_set(X509_getm_notAfter(x.get()), static_cast<time_t>(bp.not_after)) == nullptr ||
      X509_set_pubkey(x.get(), key) != 1) {
    return tl::unexpected(cryptoError("setting the issuer, validity or key"));
  }
  // SKI first: a self-signed AKI reads it from the certificate itself.
  std::vector<std::pair<int, std::string>> extensions = bp.extensions;
  extensions.emplace_back(NID_subject_key_identifier, "hash");
  extensions.emplace_back(NID_authority_key_identifier, "keyid:always");
  for (const auto& [nid, value] : extensions) {
    if (auto r = addExtension(x.get(), signer, nid, value); !r) {
      return tl::unexpected(r.error());
    }
  }
  if (X509_sign(x.get(), issuer_key != nullptr ? issuer_key : key, EVP_sha256()) <= 0) {
    return tl::unexpected(cryptoError("signing the certificate"));
  }
  return Certificate::fromX509(x.get());
}

bool isHostname(std::string_view name) {
  if (name.rfind("*.", 0) == 0) {
    name.remove_prefix(2);
  }
  if (name.empty() || name.size() > 253 || name.front() == '.' || name.back() == '.' ||
      name.find("..") != std::string_view::npos) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '.';
  });
}

bool isIpLiteral(const std::string& ip) {
  unsigned char buf[16];
  return inet_pton(AF_INET, ip.c_str(), buf) == 1 || inet_pton(AF_INET6, ip.c_str(), buf) == 1;
}

std::string sanValue(const LeafRequest& r) {
  std::string out;
  for (const auto& d : r.dns) {
    out += (out.empty() ? "DNS:" : ",DNS:") + d;
  }
  for (const auto& ip : r.ips) {
    out += (out.empty() ? "IP:" : ",IP:") + ip;
  }
  return out;
}

// keyUsage and extendedKeyUsage per profile. RSA TLS servers keep keyEncipherment for the
// RSA key exchange older clients still offer.
void addProfileExtensions(const LeafRequest& r, Blueprint& bp) {
  switch (r.profile) {
    case LeafProfile::TlsServer:
      bp.extensions.emplace_back(NID_key_usage, r.key == CaKeyType::Rsa
                                                    ? "critical,digitalSignature,keyEncipherment"
                                                    : "critical,digitalSignature");
      bp.extensions.emplace_back(NID_ext_key_usage, "serverAuth");
      break;
    case LeafProfile::TlsClient:
      bp.extensions.emplace_back(NID_key_usage, "critical,digitalSignature");
      bp.extensions.emplace_back(NID_ext_key_usage, "clientAuth");
      break;
    case LeafProfile::TokenSigning:
      // No EKU: JWT/SAML verifiers check the key, and an EKU would only be ignored or refused.
      bp.extensions.emplace_back(NID_key_usage, "critical,digitalSignature");
      break;
  }
}

}  // namespace

std::string_view caKeyTypeName(CaKeyType t) {
  return t == CaKeyType::Ec ? "ec" : "rsa";
}

std::optional<CaKeyType> caKeyTypeFromName(std::string_view name) {
  if (name == "ec") {
    return CaKeyType::Ec;
  }
  if (name == "rsa") {
    return CaKeyType::Rsa;
  }
  return std::nullopt;
}

std::string_view leafProfileName(LeafProfile p) {
  switch (p) {
    case LeafProfile::TlsServer:
      return "tls-server";
    case LeafProfile::TlsClient:
      return "tls-client";
    case LeafProfile::TokenSigning:
      return "token-signing";
  }
  return "?";
}

std::optional<LeafProfile> leafProfileFromName(std::string_view name) {
  for (auto p : {LeafProfile::TlsServer, LeafProfile::TlsClient, LeafProfile::TokenSigning}) {
    if (leafProfileName(p) == name) {
      return p;
    }
  }
  return std::nullopt;
}

Result<CaMaterial> createCa(const std::string& name, CaKeyType key, UnixTime now) {
  auto root_key = generateKey(key, true);
  if (!root_key) {
    return tl::unexpected(root_key.error());
  }
  auto issuing_key = generateKey(key, true);
  if (!issuing_key) {
    return tl::unexpected(issuing_key.error());
  }
  Blueprint root{name + " Root CA", now - kBackdateSeconds, now + kCaRootDays * kDay, {}};
  root.extensions = {{NID_basic_constraints, "critical,CA:TRUE,pathlen:1"},
                     {NID_key_usage, "critical,keyCertSign,cRLSign"}};
  auto root_cert = makeCertificate(root, root_key->get(), nullptr, nullptr);
  if (!root_cert) {
    return tl::unexpected(root_cert.error());
  }
  Blueprint issuing{name + " Issuing CA", now - kBackdateSeconds, now + kCaIssuingDays * kDay, {}};
  issuing.extensions = {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                        {NID_key_usage, "critical,keyCertSign,cRLSign"}};
  auto issuing_cert =
      makeCertificate(issuing, issuing_key->get(), (*root_cert)->x509(), root_key->get());
  if (!issuing_cert) {
    return tl::unexpected(issuing_cert.error());
  }
  return CaMaterial{*root_cert, *issuing_cert, PrivateKey::fromEvp(root_key->get()),
                    PrivateKey::fromEvp(issuing_key->get())};
}

Result<IssuedLeaf> issueIntermediate(const Certificate& root, const PrivateKey& root_key,
                                     const std::string& name, CaKeyType key, int generation,
                                     UnixTime now) {
  const CertificateInfo& ca = root.info();
  if (generation < 2 || now >= ca.not_after) {
    return fail(
        ErrorCode::InvalidArgument,
        "the root '" + ca.subject_cn + "' has expired (or generation < 2); create a new CA");
  }
  auto issuing_key = generateKey(key, true);
  if (!issuing_key) {
    return tl::unexpected(issuing_key.error());
  }
  Blueprint issuing{name + " Issuing CA G" + std::to_string(generation),
                    std::max<UnixTime>(now - kBackdateSeconds, ca.not_before),
                    std::min<UnixTime>(now + kCaIssuingDays * kDay, ca.not_after),
                    {}};
  issuing.extensions = {{NID_basic_constraints, "critical,CA:TRUE,pathlen:0"},
                        {NID_key_usage, "critical,keyCertSign,cRLSign"}};
  auto cert = makeCertificate(issuing, issuing_key->get(), root.x509(), root_key.evp());
  if (!cert) {
    return tl::unexpected(cert.error());
  }
  return IssuedLeaf{*cert, PrivateKey::fromEvp(issuing_key->get())};
}

Result<void> checkLeafRequest(const LeafRequest& r) {
  for (const auto& d : r.dns) {
    if (!isHostname(d)) {
      return fail(ErrorCode::InvalidArgument,
                  "--domain '" + d + "' is not a DNS name; use letters, digits, '-' and '.'");
    }
  }
  for (const auto& ip : r.ips) {
    if (!isIpLiteral(ip)) {
      return fail(ErrorCode::InvalidArgument, "--ip '" + ip + "' is not an IPv4 or IPv6 address");
    }
  }
  if (r.profile == LeafProfile::TlsServer && r.dns.empty() && r.ips.empty()) {
    return fail(ErrorCode::InvalidArgument,
                "a tls-server certificate needs at least one --domain or --ip");
  }
  if (r.days < 0 || r.days > 3650) {
    return fail(ErrorCode::InvalidArgument, "--days must be between 1 and 3650");
  }
  return {};
}

Result<IssuedLeaf> issueLeaf(const Certificate& issuer, const PrivateKey& issuer_key,
                             const LeafRequest& r) {
  if (auto ok = checkLeafRequest(r); !ok) {
    return tl::unexpected(ok.error());
  }
  const CertificateInfo& ca = issuer.info();
  if (r.now >= ca.not_after) {
    return fail(ErrorCode::InvalidArgument,
                "the issuing CA '" + ca.subject_cn + "' has expired; create a new CA to issue");
  }
  Blueprint bp;
  bp.common_name = !r.common_name.empty() ? r.common_name
                   : !r.dns.empty()       ? r.dns.front()
                   : !r.ips.empty()       ? r.ips.front()
                                          : std::string();
  if (bp.common_name.size() > 64) {  // the X.520 upper bound; the SAN still carries it
    bp.common_name.clear();
  }
  bp.not_before = std::max<UnixTime>(r.now - kBackdateSeconds, ca.not_before);
  std::int64_t lifetime =
      r.lifetime_seconds > 0 ? r.lifetime_seconds : (r.days > 0 ? r.days : kTlsLeafDays) * kDay;
  bp.not_after = std::min<UnixTime>(r.now + lifetime, ca.not_after);
  bp.extensions.emplace_back(NID_basic_constraints, "critical,CA:FALSE");
  addProfileExtensions(r, bp);
  std::string san = sanValue(r);
  if (!san.empty()) {
    // An empty subject (CN too long) makes the SAN the only name: RFC 5280 wants it critical.
    bp.extensions.emplace_back(NID_subject_alt_name,
                               bp.common_name.empty() ? "critical," + san : san);
  }
  auto key = generateKey(r.key, false);
  if (!key) {
    return tl::unexpected(key.error());
  }
  auto cert = makeCertificate(bp, key->get(), issuer.x509(), issuer_key.evp());
  if (!cert) {
    return tl::unexpected(cert.error());
  }
  return IssuedLeaf{*cert, PrivateKey::fromEvp(key->get())};
}

}  // namespace trustctl::truststore
