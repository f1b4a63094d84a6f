#include "truststore/store.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <openssl/crypto.h>

#include "truststore/file_util.h"
#include "truststore/store_format.h"
#include "truststore/store_generations.h"

namespace trustctl::truststore {

namespace {

constexpr int kReadRetries = 5;

std::string generationName(std::uint64_t n) {
  return std::to_string(n);
}

Error missingCurrentError(const std::string& dir, const std::vector<std::uint64_t>& gens) {
  return Error{ErrorCode::StoreCorrupt,
               dir + "/current: is missing, but " + dir + "/generations holds " +
                   std::to_string(gens.size()) + " generation(s) (newest " +
                   std::to_string(gens.back()) +
                   "): the store is damaged, not empty; run 'trustctl store check --repair' to "
                   "point current at the newest complete generation"};
}

}  // namespace

Store::Store(std::string dir) : dir_(std::move(dir)) {}

std::uint64_t Store::currentGeneration() const {
  CurrentLink link = readCurrentLink(dir_);
  return link.kind == CurrentLink::Kind::Generation ? link.generation : 0;
}

Result<StoreSnapshot> Store::load() const {
  if (auto format = readStoreFormat(dir_); !format) {
    return tl::unexpected(format.error());
  }
  for (int attempt = 0; attempt < kReadRetries; ++attempt) {
    CurrentLink link = readCurrentLink(dir_);
    if (link.kind == CurrentLink::Kind::Unreadable) {
      // Not damage: this user may not enter the store (a connector outside its group).
      return tl::unexpected(permissionDeniedError(dir_ + "/current", false));
    }
    if (link.kind == CurrentLink::Kind::Invalid) {
      return fail(ErrorCode::StoreCorrupt,
                  dir_ + "/current: " + link.problem +
                      ": the store is damaged; run 'trustctl store check --repair'");
    }
    if (link.kind == CurrentLink::Kind::Missing) {
      // A copy that skips symbolic links, or a deleted link: never mistake it for a new store.
      auto gens = listGenerations(dir_);
      if (!gens.empty()) {
        return tl::unexpected(missingCurrentError(dir_, gens));
      }
      return StoreSnapshot{};
    }
    std::uint64_t gen = link.generation;
    std::string gen_dir = generationDir(gen);
    auto text = readWholeFile(gen_dir + "/state.json");
    if (!text) {
      continue;  // a writer collected this generation between readlink and open: read again
    }
    auto state = parseState(*text, gen_dir + "/state.json");
    if (!state) {
      return tl::unexpected(state.error());
    }
    return StoreSnapshot{std::move(*state), gen_dir};
  }
  return fail(ErrorCode::StoreCorrupt,
              dir_ +
                  "/current: points at a generation that cannot be read; run 'trustctl store "
                  "check --repair'");
}

Result<CertificatePtr> Store::loadCertificate(const std::string& sha256) const {
  std::string path = dir_ + "/objects/" + sha256 + ".der";
  auto der = readWholeFile(path);
  if (!der) {
    return fail(ErrorCode::StoreCorrupt,
                path + ": missing certificate object; run 'trustctl store check'");
  }
  auto cert = Certificate::parseDer(*der);
  if (!cert || (*cert)->sha256() != sha256) {
    return fail(ErrorCode::StoreCorrupt, path + ": damaged certificate object");
  }
  return cert;
}

Result<PrivateKeyPtr> Store::loadKey(const std::string& key_id) const {
  std::string path = dir_ + "/keys/" + key_id + ".pem";
  auto pem = readWholeFile(path);
  if (!pem) {
    return fail(ErrorCode::StoreCorrupt,
                path + ": missing identity key; run 'trustctl store check'");
  }
  auto key = PrivateKey::parsePem(*pem);
  OPENSSL_cleanse(pem->data(), pem->size());
  if (!key) {
    return fail(ErrorCode::StoreCorrupt, path + ": damaged identity key");
  }
  return key;
}

std::string Store::currentGenerationDir() const {
  std::uint64_t gen = currentGeneration();
  return gen == 0 ? "" : generationDir(gen);
}

std::string Store::generationDir(std::uint64_t generation) const {
  return dir_ + "/generations/" + generationName(generation);
}

std::string Store::connectorDir(std::uint64_t generation, const std::string& connector) const {
  return generationDir(generation) + "/connectors/" + connector;
}

std::string Store::connectorPath(const std::string& connector) const {
  return dir_ + "/current/connectors/" + connector;
}

void Transaction::putCertificate(const CertificatePtr& cert) {
  new_certs_[cert->sha256()] = cert;
  state_.certificates[cert->sha256()] = cert->info();
}

void Transaction::putKey(const PrivateKeyPtr& key) {
  new_keys_[key->spkiSha256()] = key;
}

Result<CertificatePtr> Transaction::certificate(const std::string& sha256) const {
  auto it = new_certs_.find(sha256);
  if (it != new_certs_.end()) {
    return it->second;
  }
  return store_.loadCertificate(sha256);
}

Result<PrivateKeyPtr> Transaction::key(const std::string& key_id) const {
  auto it = new_keys_.find(key_id);
  if (it != new_keys_.end()) {
    return it->second;
  }
  return store_.loadKey(key_id);
}

void Transaction::audit(std::string action, std::string subject, std::string fingerprint,
                        std::string detail) {
  audit_.push_back(AuditRecord{now_, currentUserName(), std::move(action), std::move(subject),
                               std::move(fingerprint), std::move(detail), 0});
}

}  // namespace trustctl::truststore
