#pragma once
// The built-in CA's certificate factory: a root and an issuing intermediate, and leaves for a
// few fixed profiles (TLS server, TLS client, token signing) issued by the intermediate. Pure
// apart from key generation and random serials: `now` is an input. It does not store keys or
// certificates (ca_key_file.h encrypts keys; agent/ca_commands.cc puts entries in the library).

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "truststore/certificate.h"
#include "truststore/error.h"
#include "truststore/private_key.h"
#include "truststore/time_util.h"

namespace trustctl::truststore {

// EC P-256 by default; RSA is 3072 bits for the CA (it lives 10 years) and 2048 for leaves.
enum class CaKeyType { Ec, Rsa };
std::string_view caKeyTypeName(CaKeyType t);  // "ec", "rsa"
std::optional<CaKeyType> caKeyTypeFromName(std::string_view name);

enum class LeafProfile { TlsServer, TlsClient, TokenSigning };
std::string_view leafProfileName(LeafProfile p);  // "tls-server", "tls-client", "token-signing"
std::optional<LeafProfile> leafProfileFromName(std::string_view name);

// Validity the CA gives its own certificates and, by default, its TLS leaves.
inline constexpr std::int64_t kCaRootDays = 3652;     // 10 years
inline constexpr std::int64_t kCaIssuingDays = 1826;  // 5 years
inline constexpr std::int64_t kTlsLeafDays = 397;     // the CA/Browser Forum maximum
// Backdating absorbs clock skew between the CA and the peers that check the leaf.
inline constexpr std::int64_t kBackdateSeconds = 5 * 60;

struct CaMaterial {
  CertificatePtr root;     // self-signed, pathlen:1
  CertificatePtr issuing;  // signed by root, pathlen:0
  PrivateKeyPtr root_key;  // caller encrypts before it touches disk
  PrivateKeyPtr issuing_key;
};

// Generates both keys and certificates for CA `name` ("<name> Root CA", "<name> Issuing CA"):
// v3, random 159-bit serials, basicConstraints critical, keyUsage critical keyCertSign +
// cRLSign, SKI and AKI. Fails with Crypto when OpenSSL does.
Result<CaMaterial> createCa(const std::string& name, CaKeyType key, UnixTime now);

struct LeafRequest {
  LeafProfile profile = LeafProfile::TlsServer;
  std::string common_name;       // "" = the first DNS name, else the first IP
  std::vector<std::string> dns;  // subjectAltName DNS names
  std::vector<std::string> ips;  // subjectAltName IP addresses (v4 or v6 literals)
  std::int64_t days = 0;         // 0 = kTlsLeafDays; always capped at the issuer's notAfter
  // Tests only (renewal without waiting days): when > 0, notAfter is now + this many seconds
  // instead of `days`. The agent sets it from TRUSTCTL_TEST_LEAF_LIFETIME_SECONDS.
  std::int64_t lifetime_seconds = 0;
  CaKeyType key = CaKeyType::Ec;  // the leaf's own new key
  UnixTime now = 0;
};

struct IssuedLeaf {
  CertificatePtr cert;
  PrivateKeyPtr key;
};

// A new issuing intermediate for CA `name` signed by its `root` (CA rotation): a new key of
// type `key`, subject "<name> Issuing CA G<generation>" so it never shadows the one it
// replaces, pathlen:0, five years capped at the root's notAfter. Fails with InvalidArgument
// (an expired root, generation < 2) or Crypto. The caller stores both; the old intermediate
// stays in the library so the leaves it signed keep verifying.
Result<IssuedLeaf> issueIntermediate(const Certificate& root, const PrivateKey& root_key,
                                     const std::string& name, CaKeyType key, int generation,
                                     UnixTime now);

// Checks `request` without issuing: a TLS server needs a DNS name or IP, names must be
// hostnames (a leading "*." allowed), IPs literals, days 1..3650. Fails with InvalidArgument.
Result<void> checkLeafRequest(const LeafRequest& request);
// Issues a leaf signed by `issuer` with `issuer_key`: CA:FALSE, the profile's keyUsage and
// extendedKeyUsage (token-signing: digitalSignature only, no EKU), SANs, SKI/AKI, notBefore
// now-5min (never before the issuer's), notAfter min(now+days, issuer's notAfter). Fails with
// InvalidArgument (request, or an issuer already expired) or Crypto.
Result<IssuedLeaf> issueLeaf(const Certificate& issuer, const PrivateKey& issuer_key,
                             const LeafRequest& request);

}  // namespace trustctl::truststore
