#pragma once
// Server certificates as their own kind in the store (issue 15): the ServerCert record
// (store_state.h) and the Identity entry holding its checked chain and key, added, replaced
// and removed in a Transaction; and the files a server loads, written per generation at
// stable paths <store>/current/server-certs/NAME/. The upload checks are in
// server_cert_checks.h; this file trusts what they returned and does no checking of its own.

#include <sys/types.h>

#include <string>
#include <vector>

#include "truststore/certificate_importer.h"
#include "truststore/connector_runtime.h"
#include "truststore/path_builder.h"
#include "truststore/server_cert_checks.h"
#include "truststore/store.h"

namespace trustctl::truststore {

inline constexpr const char* kServerCertsDir = "server-certs";
inline constexpr const char* kServerFullchainFile = "fullchain.pem";  // leaf + intermediates
inline constexpr const char* kServerKeyFile = "privkey.pem";          // PKCS#8, mode 0600
inline constexpr const char* kServerChainFile = "chain.pem";          // intermediates
inline constexpr const char* kServerCertFile = "cert.pem";            // the leaf alone
inline constexpr const char* kServerBundleFile = "bundle.p12";        // key + fullchain
// The PKCS#12 is protected by its 0600 mode like privkey.pem; its password guards nothing.
inline constexpr const char* kServerBundlePassword = "";
inline constexpr int kMaxServerCertNameLength = 60;
// privkey.pem and bundle.p12: only the store's owner reads them, not its group.
inline constexpr mode_t kServerSecretMode = 0600;

// True for a generation-relative path "server-certs/NAME/privkey.pem" or ".../bundle.p12".
bool isServerSecretFile(std::string_view relative_path);

// isValidName, and short enough for its entry's name.
bool isValidServerCertName(std::string_view name);
// The library entry holding server certificate `name`: "srv." + name.
std::string serverCertEntryName(const std::string& name);
Error serverCertNotFoundError(const std::string& name);

struct ServerCertRequest {
  std::string name;
  std::vector<std::string> domains;
  CheckedServerCert checked;  // what checkServerCert returned
  PrivateKeyPtr key;
  std::string source_file;  // for `show`
  InputFormat format = InputFormat::Pem;
  bool replace = false;  // replace an existing one of that name instead of failing
};

// Adds (or with `replace`, replaces) the record and its entry. Fails with InvalidName,
// DuplicateName (a server certificate or the entry exists, without `replace`),
// DuplicateCertificate; the transaction is unchanged then.
Result<void> addServerCert(Transaction& tx, const ServerCertRequest& request);
// Removes the record and its entry. ServerCertNotFound.
Result<void> removeServerCert(Transaction& tx, const std::string& name);

// The CA certificates of the library as path candidates (source "library"), read through
// `store`; the first read error fails.
Result<std::vector<PathCandidate>> libraryCandidates(const Store& store, const StoreState& state);

struct ServerCertFiles {
  std::vector<CertificatePtr> chain;  // leaf first, maybe ending at a self-signed root
  PrivateKeyPtr key;
};
Result<ServerCertFiles> gatherServerCertFiles(const StoreState& state, const ServerCert& server,
                                              const CertificateSource& certificate,
                                              const KeySource& key);
// Writes the five files into `dir` (created 02750; its parent must exist). A self-signed root
// is left out of them: a server never sends it. The key files are 0600.
Result<void> writeServerCertFiles(const std::string& dir, const ServerCertFiles& files);

}  // namespace trustctl::truststore
