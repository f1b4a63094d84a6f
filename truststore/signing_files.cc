#include "truststore/signing_files.h"

#include <openssl/crypto.h>

#include "truststore/file_util.h"
#include "truststore/server_cert.h"
#include "truststore/signing_chain.h"
#include "truststore/store_files.h"

namespace trustctl::truststore {

bool isSigningSecretFile(std::string_view relative_path) {
  std::string tail = std::string(kSigningDir) + "/" + kSigningKeyFile;
  if (relative_path.size() < tail.size() ||
      relative_path.substr(relative_path.size() - tail.size()) != tail) {
    return false;
  }
  return relative_path.size() == tail.size() ||
         relative_path[relative_path.size() - tail.size() - 1] == '/';
}

Result<void> writeSigningFiles(const Transaction& tx, const StoreState& state,
                               const std::string& work_dir) {
  if (state.signing.empty()) {
    return {};
  }
  auto certificate = [&](const std::string& sha) { return tx.certificate(sha); };
  auto jwks = signingJwks(state, certificate);
  if (!jwks) {
    return tl::unexpected(jwks.error());
  }
  std::string dir = work_dir + "/" + kSigningDir;
  if (auto r = makeStoreDir(dir); !r) {
    return r;
  }
  if (auto r = writeFileDurable(dir + "/" + kSigningJwksFile, *jwks, kStoreFileMode); !r) {
    return r;
  }
  // Between an init and the first key there is no gap, but a store edited by hand may have
  // no active key: then only the JWKS, so verifiers keep working.
  if (const SigningKey* active = state.signing.active()) {
    auto material = signingMaterial(state, *active, certificate,
                                    [&](const std::string& id) { return tx.key(id); });
    if (!material) {
      return tl::unexpected(material.error());
    }
    std::string chain;
    for (const auto& c : material->chain) {
      chain += c->pem();
    }
    if (auto r = writeFileDurable(dir + "/" + kSigningChainFile, chain, kStoreFileMode); !r) {
      return r;
    }
    std::string key = material->key->pkcs8Pem();
    auto written = writeFileDurable(dir + "/" + kSigningKeyFile, key, kServerSecretMode);
    OPENSSL_cleanse(key.data(), key.size());
    if (!written) {
      return written;
    }
  }
  return fsyncDir(dir);
}

}  // namespace trustctl::truststore
