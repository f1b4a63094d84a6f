#include "runtime/snapshot_loader.h"

#include <sys/stat.h>

#include <cerrno>
#include <optional>

#include <nlohmann/json.hpp>

#include "runtime/trust_snapshot_impl.h"
#include "truststore/certificate_importer.h"
#include "truststore/connector_runtime.h"
#include "truststore/file_util.h"
#include "truststore/store.h"

namespace trustctl::runtime_internal {

using runtime::TrustSnapshot;
using runtime::TrustSnapshotPtr;

namespace {

constexpr const char* kRepairAdvice = "; run 'trustctl store check' and re-apply the connector";

Error corrupt(const std::string& path, const std::string& what) {
  return Error{ErrorCode::StoreCorrupt, path + ": " + what + kRepairAdvice};
}

// A file of the generation that cannot be read is a damaged store to the runtime; errors that
// already say so (and what to do) pass unchanged. Either way the message names the path.
// A permission error is not damage: it names the file's owner, group and mode, the true cause
// when the connector runs as a user the store's modes do not admit.
Error asStoreCorrupt(const Error& error) {
  return error.code == ErrorCode::StoreCorrupt || error.code == ErrorCode::PermissionDenied
             ? error
             : Error{ErrorCode::StoreCorrupt, error.message + kRepairAdvice};
}

Result<nlohmann::json> readManifest(const std::string& path) {
  auto text = truststore::readWholeFile(path);
  if (!text) {
    return tl::unexpected(text.error());
  }
  auto json = nlohmann::json::parse(*text, nullptr, /*allow_exceptions=*/false);
  if (json.is_discarded() || !json.is_object() || !json.contains("anchors") ||
      !json["anchors"].is_array()) {
    return tl::unexpected(corrupt(path, "is not a trustctl runtime manifest"));
  }
  // Without the recorded hash a damaged or substituted anchors file could not be told from the
  // one trustctl wrote, so a manifest missing it is refused, never trusted unchecked.
  auto hash = json.find("anchors_sha256");
  if (hash == json.end() || !hash->is_string() || hash->get<std::string>().size() != 64) {
    return tl::unexpected(corrupt(path, "has no anchors_sha256 (the SHA-256 of " +
                                            std::string(truststore::kAnchorsDerFile) +
                                            "), so its anchors cannot be checked"));
  }
  return json;
}

Result<void> loadIdentity(const std::string& dir, TrustSnapshot::Impl& impl) {
  std::string cert_path = dir + "/" + truststore::kIdentityCertFile;
  std::string key_path = dir + "/" + truststore::kIdentityKeyFile;
  auto chain = truststore::readCertificatesFromFile(cert_path);
  if (!chain) {
    return tl::unexpected(chain.error().code == ErrorCode::PermissionDenied
                              ? chain.error()
                              : corrupt(cert_path, chain.error().message));
  }
  if (chain->empty()) {
    return tl::unexpected(corrupt(cert_path, "holds no certificate"));
  }
  auto key_text = truststore::readWholeFile(key_path);
  if (!key_text) {
    return tl::unexpected(key_text.error());
  }
  auto key = truststore::PrivateKey::parsePem(*key_text);
  OPENSSL_cleanse(key_text->data(), key_text->size());
  if (!key) {
    return tl::unexpected(corrupt(key_path, "is not a readable private key"));
  }
  if (!(*key)->matches(*chain->front())) {
    return tl::unexpected(corrupt(key_path, "does not belong to " + cert_path));
  }
  impl.identity_chain = std::move(*chain);
  impl.identity_key = std::move(*key);
  return {};
}

// The PermissionDenied error when `path` cannot be reached for lack of permission.
std::optional<Error> permissionDenied(const std::string& path) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 && (errno == EACCES || errno == EPERM)) {
    return truststore::permissionDeniedError(path, /*write=*/false);
  }
  return std::nullopt;
}

}  // namespace

std::uint64_t readCurrentGeneration(const std::string& store_dir) {
  return truststore::Store(store_dir).currentGeneration();
}

bool sameManifest(const TrustSnapshot& snapshot, const std::string& store_dir,
                  std::uint64_t generation, const std::string& connector) {
  struct stat st {};
  std::string path = truststore::Store(store_dir).connectorDir(generation, connector) + "/" +
                     truststore::kManifestFile;
  return ::stat(path.c_str(), &st) == 0 &&
         static_cast<std::uint64_t>(st.st_dev) == snapshot.impl().manifest_device &&
         static_cast<std::uint64_t>(st.st_ino) == snapshot.impl().manifest_inode;
}

Result<TrustSnapshotPtr> loadSnapshot(const std::string& store_dir, std::uint64_t generation,
                                      const std::string& connector) {
  if (generation == 0) {
    // readlink fails alike when `current` is missing and when the store folder may not be
    // entered (a 0700 state directory); only the first is "no store here".
    if (auto denied = permissionDenied(store_dir + "/current")) {
      return tl::unexpected(*denied);
    }
    return fail(ErrorCode::StoreCorrupt,
                store_dir +
                    "/current: no store generation here; create the connector with "
                    "'trustctl connector add' or check the store path");
  }
  auto impl = std::make_unique<TrustSnapshot::Impl>();
  impl->generation = generation;
  truststore::Store store(store_dir);
  impl->runtime_dir = store.connectorDir(generation, connector);
  std::string manifest_path = impl->runtime_dir + "/" + truststore::kManifestFile;
  struct stat st {};
  if (::stat(manifest_path.c_str(), &st) != 0) {
    if (auto denied = permissionDenied(manifest_path)) {
      return tl::unexpected(*denied);
    }
    std::string gen_dir = store.generationDir(generation);
    if (truststore::pathExists(gen_dir + "/state.json")) {
      return fail(ErrorCode::ConnectorNotFound,
                  "connector '" + connector + "' is not in the store at " + store_dir +
                      "; list connectors with 'trustctl connector list'");
    }
    return fail(ErrorCode::Io, gen_dir + ": generation vanished while loading; try again");
  }
  impl->manifest_device = static_cast<std::uint64_t>(st.st_dev);
  impl->manifest_inode = static_cast<std::uint64_t>(st.st_ino);
  auto manifest = readManifest(manifest_path);
  if (!manifest) {
    return tl::unexpected(manifest.error());
  }
  std::string index_path = impl->runtime_dir + "/" + truststore::kAnchorsIndexFile;
  auto anchors = truststore::AnchorSet::loadIndexed(
      impl->runtime_dir + "/" + truststore::kAnchorsDerFile, index_path,
      manifest->value("anchors_sha256", std::string()));
  if (!anchors) {
    return tl::unexpected(asStoreCorrupt(anchors.error()));
  }
  if ((*anchors)->size() != (*manifest)["anchors"].size()) {
    return tl::unexpected(corrupt(index_path, "holds " + std::to_string((*anchors)->size()) +
                                                  " anchors where the manifest lists " +
                                                  std::to_string((*manifest)["anchors"].size())));
  }
  impl->anchors = *anchors;
  impl->store = impl->anchors->newX509Store();
  if (!impl->store) {
    return fail(ErrorCode::Crypto, "could not build an X509_STORE: " + ossl::drainErrors());
  }
  if (manifest->contains("identity") && !(*manifest)["identity"].is_null()) {
    if (auto r = loadIdentity(impl->runtime_dir, *impl); !r) {
      return tl::unexpected(r.error());
    }
  }
  return std::make_shared<const TrustSnapshot>(std::move(impl));
}

}  // namespace trustctl::runtime_internal
