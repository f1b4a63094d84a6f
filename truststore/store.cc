#include "truststore/store.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include <openssl/crypto.h>

#include "truststore/file_util.h"
#include "truststore/scope.h"
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

// "vendor/customer-a/crm" -> the scope's folder prefix + "connectors/crm"; a plain name is
// of `scope`.
std::string connectorRelative(const std::string& scope, const std::string& connector) {
  auto slash = connector.rfind('/');
  if (slash == std::string::npos) {
    return scopeFolderPrefix(scope) + "connectors/" + connector;
  }
  return scopeFolderPrefix(connector.substr(0, slash)) + "connectors/" +
         connector.substr(slash + 1);
}

// The same for a server certificate: "vendor/web" is server certificate web of scope vendor.
std::string serverCertRelative(const std::string& scope, const std::string& name) {
  auto slash = name.rfind('/');
  if (slash == std::string::npos) {
    return scopeFolderPrefix(scope) + "server-certs/" + name;
  }
  return scopeFolderPrefix(name.substr(0, slash)) + "server-certs/" + name.substr(slash + 1);
}

}  // namespace

Store::Store(std::string dir, std::string scope) : dir_(std::move(dir)), scope_(std::move(scope)) {}

std::string Store::scopePrefix() const {
  return scopeFolderPrefix(scope_);
}

Result<StoreSnapshot> Store::load() const {
  auto tree = loadTree();
  if (!tree) {
    return tree;
  }
  if (scope_.empty()) {
    tree->state.scopes.clear();  // a scope sees none of its descendants
    return tree;
  }
  if (tree->generation_dir.empty()) {
    return tl::unexpected(scopeNotFoundError(scope_));
  }
  auto view = scopeView(tree->state, scope_);
  if (!view) {
    return tl::unexpected(view.error());
  }
  return StoreSnapshot{std::move(*view), tree->generation_dir};
}

std::uint64_t Store::currentGeneration() const {
  CurrentLink link = readCurrentLink(dir_);
  return link.kind == CurrentLink::Kind::Generation ? link.generation : 0;
}

Result<StoreSnapshot> Store::loadTree() const {
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
  return generationDir(generation) + "/" + connectorRelative(scope_, connector);
}

std::string Store::connectorPath(const std::string& connector) const {
  return dir_ + "/current/" + connectorRelative(scope_, connector);
}

std::string Store::serverCertPath(const std::string& name) const {
  return dir_ + "/current/" + serverCertRelative(scope_, name);
}

std::string Store::serverCertDir(std::uint64_t generation, const std::string& name) const {
  return generationDir(generation) + "/" + serverCertRelative(scope_, name);
}

Result<StoreSnapshot> Store::loadAll() const {
  auto tree = loadTree();
  if (tree && !tree->state.scopes.empty()) {
    tree->state = flattenScopes(tree->state);
  }
  return tree;
}

Result<void> Transaction::selectScope(const std::string& path) {
  StoreState* scope = findScope(state_, path);
  if (scope == nullptr) {
    return tl::unexpected(scopeNotFoundError(path));
  }
  scope_ = path;
  scope_state_ = scope;
  if (path.empty() || imported_.count(path) != 0) {
    return {};
  }
  auto before = scope->entries;
  if (auto r = importReferencedEntries(*scope, path, state_); !r) {
    return r;
  }
  auto& copies = imported_[path];
  for (const auto& [name, e] : scope->entries) {
    if (before.count(name) == 0) {
      copies.emplace(name, e);
    }
  }
  return {};
}

Result<void> Transaction::importEntryRef(const std::string& ref_name) {
  if (scope_state_->entries.count(ref_name) != 0) {
    return {};
  }
  if (auto r = truststore::importEntryRef(*scope_state_, scope_, state_, ref_name); !r) {
    return r;
  }
  imported_[scope_].emplace(ref_name, scope_state_->entries.at(ref_name));
  return {};
}

Result<void> Transaction::createScope(const std::string& path) {
  if (path.empty() || !isValidScopePath(path)) {
    return tl::unexpected(invalidScopeError(path));
  }
  if (state_.scopes.count(path) != 0) {
    return fail(ErrorCode::DuplicateName, "scope " + path + " exists already");
  }
  if (findScope(state_, parentScope(path)) == nullptr) {
    return fail(ErrorCode::ScopeNotFound, "scope " + path + " needs its parent " +
                                              parentScope(path) +
                                              " first ('trustctl scope "
                                              "create " +
                                              parentScope(path) + "')");
  }
  state_.scopes.emplace(path, StoreState{});
  audit("scope.create", path, "", "");
  return {};
}

Result<void> Transaction::removeScope(const std::string& path, bool force) {
  auto it = path.empty() ? state_.scopes.end() : state_.scopes.find(path);
  if (it == state_.scopes.end()) {
    return tl::unexpected(path.empty() ? invalidScopeError("/") : scopeNotFoundError(path));
  }
  std::vector<std::string> doomed{path};
  for (const auto& [p, s] : state_.scopes) {
    if (isAncestorScope(path, p)) {
      doomed.push_back(p);
    }
  }
  const StoreState& s = it->second;
  bool empty = s.entries.empty() && s.connectors.empty() && s.server_certs.empty() &&
               s.cas.empty() && doomed.size() == 1;
  if (!empty && !force) {
    return fail(ErrorCode::ScopeNotEmpty,
                "scope " + path + " holds " + std::to_string(s.entries.size()) + " entries, " +
                    std::to_string(s.connectors.size()) + " connectors and " +
                    std::to_string(doomed.size() - 1) +
                    " child scopes; remove them first, or pass --force to remove it all");
  }
  for (const auto& p : doomed) {
    if (p == scope_ || isAncestorScope(p, scope_)) {
      scope_.clear();
      scope_state_ = &state_;
    }
    imported_.erase(p);
    state_.scopes.erase(p);
    audit("scope.remove", p, "", "");
  }
  return {};
}

bool Transaction::entryTouched(const std::string& scope, const std::string& name) const {
  if (auto ref = parseEntryRef(name)) {
    return touched_entries_.count(scopedKey(ref->scope, ref->entry)) != 0;
  }
  return touched_entries_.count(scopedKey(scope, name)) != 0;
}

void Transaction::putCertificate(const CertificatePtr& cert) {
  new_certs_[cert->sha256()] = cert;
  scope_state_->certificates[cert->sha256()] = cert->info();
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
  // A scope's records name their subject with its path: one log for the whole tree.
  if (!scope_.empty() && action.rfind("scope.", 0) != 0) {
    subject = scope_ + "/" + subject;
  }
  audit_.push_back(AuditRecord{now_, currentUserName(), std::move(action), std::move(subject),
                               std::move(fingerprint), std::move(detail), 0});
}

}  // namespace trustctl::truststore
