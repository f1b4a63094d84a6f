#pragma once
// The files a connector runtime loads, generated from the store whenever the connector's trust
// or identity changes: a PEM bundle (curl CAINFO, OpenLDAP TLS_CACERT, Node
// NODE_EXTRA_CA_CERTS), a c_rehash-style hashed folder (CApath), a Java PKCS#12 truststore, an
// indexed anchor file for trustctl's runtime library, the identity's PEM files and a manifest.
// Writes into a folder that is not yet published; the store switches it in atomically.

#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "truststore/certificate.h"
#include "truststore/error.h"
#include "truststore/private_key.h"
#include "truststore/store_state.h"

namespace trustctl::truststore {

inline constexpr const char* kBundleFile = "ca-bundle.pem";
inline constexpr const char* kCapathDir = "capath";
inline constexpr const char* kJavaTruststoreFile = "truststore.p12";
// The Java truststore holds only public certificates; its password guards nothing, and Java's
// own cacerts uses the same well-known one.
inline constexpr const char* kJavaTruststorePassword = "changeit";
inline constexpr const char* kAnchorsDerFile = "anchors.der";
inline constexpr const char* kAnchorsIndexFile = "anchors.idx";
inline constexpr const char* kIdentityCertFile = "identity.pem";
inline constexpr const char* kIdentityKeyFile = "identity.key";
inline constexpr const char* kManifestFile = "manifest.json";

struct TrustedCertificate {
  std::string entry;  // library entry it comes from
  CertificatePtr cert;
};

struct RuntimeIdentity {
  std::string entry;
  std::vector<CertificatePtr> certificates;  // leaf first
  PrivateKeyPtr key;
};

struct RuntimeInputs {
  const Connector* connector = nullptr;
  std::uint64_t generation = 0;
  std::vector<TrustedCertificate> anchors;  // deduplicated by the writer
  std::optional<RuntimeIdentity> identity;
};

// Writes every runtime file into `dir` (created 02750, its parent must exist), each file 0640,
// the identity key too (store_files.h: only the store's group reaches it).
Result<void> writeConnectorRuntime(const std::string& dir, const RuntimeInputs& inputs);

// What a connector's runtime files are made of, per `state`: its trusted entries' certificates
// and its identity, read through `certificate` and `key` (a transaction's view while writing, the
// store's when checking). Fails with their first error. The result points into `connector`.
using CertificateSource = std::function<Result<CertificatePtr>(const std::string& sha256)>;
using KeySource = std::function<Result<PrivateKeyPtr>(const std::string& key_id)>;
Result<RuntimeInputs> gatherRuntimeInputs(const StoreState& state, const Connector& connector,
                                          std::uint64_t generation,
                                          const CertificateSource& certificate,
                                          const KeySource& key);

}  // namespace trustctl::truststore
