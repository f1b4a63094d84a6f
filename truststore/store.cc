#include "truststore/store.h"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>

#include <openssl/crypto.h>

#include "truststore/connector_runtime.h"
#include "truststore/file_util.h"
#include "truststore/store_lock.h"

namespace trustctl::truststore {

namespace {

constexpr int kKeptGenerations = 3;  // readers of an older generation have time to finish
constexpr int kReadRetries = 5;

// Fault injection for the crash-safety test: TRUSTCTL_TEST_CRASH_AT=<step> makes the writer
// SIGKILL itself at that step, so every point between two writes is exercised on purpose.
void crashPoint(const char* step) {
  static const char* wanted = std::getenv("TRUSTCTL_TEST_CRASH_AT");
  if (wanted != nullptr && std::strcmp(wanted, step) == 0) {
    ::raise(SIGKILL);
  }
}

std::string generationName(std::uint64_t n) {
  return std::to_string(n);
}

}  // namespace

Store::Store(std::string dir) : dir_(std::move(dir)) {}

std::uint64_t Store::currentGeneration() const {
  char buf[256];
  ssize_t n = ::readlink((dir_ + "/current").c_str(), buf, sizeof buf - 1);
  if (n <= 0) {
    return 0;
  }
  std::string target(buf, static_cast<size_t>(n));
  return std::strtoull(target.substr(target.rfind('/') + 1).c_str(), nullptr, 10);
}

Result<StoreSnapshot> Store::load() const {
  for (int attempt = 0; attempt < kReadRetries; ++attempt) {
    std::uint64_t gen = currentGeneration();
    if (gen == 0) {
      if (pathExists(dir_ + "/current")) {
        return fail(ErrorCode::StoreCorrupt,
                    dir_ + "/current: is not a generation link; run 'trustctl store check'");
      }
      return StoreSnapshot{};
    }
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
                  "check'");
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

Result<std::uint64_t> Store::update(const UpdateOptions& options,
                                    const std::function<Result<void>(Transaction&)>& change) {
  if (auto r = makeDirs(dir_); !r) {
    return tl::unexpected(r.error());
  }
  auto lock = StoreLock::acquire(dir_, options.lock_timeout);
  if (!lock) {
    return tl::unexpected(lock.error());
  }
  auto before = load();
  if (!before) {
    return tl::unexpected(before.error());
  }
  Transaction tx(*this, before->state, options.now);
  if (auto r = change(tx); !r) {
    return tl::unexpected(r.error());
  }
  if (!tx.changed()) {
    return before->state.generation;
  }
  if (auto r = publish(tx, *before); !r) {
    return tl::unexpected(r.error());
  }
  return tx.state_.generation;
}

Result<void> Store::publish(Transaction& tx, const StoreSnapshot& before) {
  StoreState& state = tx.state_;
  state.generation = before.state.generation + 1;
  std::vector<std::string> dropped_certs = state.dropUnreferencedCertificates();
  for (const char* sub : {"/objects", "/generations"}) {
    if (auto r = makeDirs(dir_ + sub); !r) {
      return r;
    }
  }
  if (auto r = makeDirs(dir_ + "/keys", 0700); !r) {
    return r;
  }
  for (const auto& [sha, cert] : tx.new_certs_) {
    std::string path = dir_ + "/objects/" + sha + ".der";
    if (state.certificates.count(sha) != 0 && !pathExists(path)) {
      if (auto r = writeFileAtomic(path, cert->der()); !r) {
        return r;
      }
    }
  }
  crashPoint("objects");
  for (const auto& [id, key] : tx.new_keys_) {
    std::string path = dir_ + "/keys/" + id + ".pem";
    if (!pathExists(path)) {
      std::string pem = key->pkcs8Pem();
      auto r = writeFileAtomic(path, pem, 0600);
      OPENSSL_cleanse(pem.data(), pem.size());
      if (!r) {
        return r;
      }
    }
  }
  std::string final_dir = generationDir(state.generation);
  std::string work_dir = dir_ + "/generations/.tmp-" + generationName(state.generation) + "-" +
                         std::to_string(::getpid());
  removeTree(work_dir);
  removeTree(final_dir);  // left by a writer that died after renaming but before switching
  if (auto r = makeDirs(work_dir + "/connectors"); !r) {
    return r;
  }
  for (const auto& [name, connector] : state.connectors) {
    bool uses_touched = tx.touched_connectors_.count(name) != 0 ||
                        tx.touched_entries_.count(connector.identity) != 0;
    for (const auto& e : connector.trust) {
      uses_touched = uses_touched || tx.touched_entries_.count(e) != 0;
    }
    std::string old_dir = before.generation_dir + "/connectors/" + name;
    std::string new_dir = work_dir + "/connectors/" + name;
    if (!uses_touched && !before.generation_dir.empty() && pathExists(old_dir)) {
      if (auto r = linkTree(old_dir, new_dir); !r) {
        return r;
      }
      continue;
    }
    RuntimeInputs in;
    in.connector = &connector;
    in.generation = state.generation;
    for (const auto& entry_name : connector.trust) {
      const Entry* entry = state.findEntry(entry_name);
      for (const auto& sha : entry != nullptr ? entry->certificates : std::vector<std::string>{}) {
        auto cert = tx.certificate(sha);
        if (!cert) {
          return tl::unexpected(cert.error());
        }
        in.anchors.push_back({entry_name, *cert});
      }
    }
    if (const Entry* id = state.findEntry(connector.identity)) {
      RuntimeIdentity identity{id->name, {}, nullptr};
      for (const auto& sha : id->certificates) {
        auto cert = tx.certificate(sha);
        if (!cert) {
          return tl::unexpected(cert.error());
        }
        identity.certificates.push_back(*cert);
      }
      auto key = tx.key(id->key_id);
      if (!key) {
        return tl::unexpected(key.error());
      }
      identity.key = *key;
      in.identity = std::move(identity);
    }
    if (auto r = writeConnectorRuntime(new_dir, in); !r) {
      return r;
    }
  }
  if (auto r = writeFileDurable(work_dir + "/state.json", serializeState(state)); !r) {
    return r;
  }
  if (auto r = fsyncDir(work_dir + "/connectors"); !r) {
    return r;
  }
  if (auto r = fsyncDir(work_dir); !r) {
    return r;
  }
  crashPoint("generation-written");
  if (::rename(work_dir.c_str(), final_dir.c_str()) != 0) {
    return fail(ErrorCode::Io, final_dir + ": cannot publish generation: " + std::strerror(errno));
  }
  if (auto r = fsyncDir(dir_ + "/generations"); !r) {
    return r;
  }
  crashPoint("generation-renamed");
  std::string link_tmp = dir_ + "/.current.tmp-" + std::to_string(::getpid());
  ::unlink(link_tmp.c_str());
  if (::symlink(("generations/" + generationName(state.generation)).c_str(), link_tmp.c_str()) !=
          0 ||
      ::rename(link_tmp.c_str(), (dir_ + "/current").c_str()) != 0) {
    ::unlink(link_tmp.c_str());
    return fail(ErrorCode::Io,
                dir_ + "/current: cannot switch to the new generation: " + std::strerror(errno));
  }
  if (auto r = fsyncDir(dir_); !r) {
    return r;
  }
  crashPoint("switched");
  for (auto& record : tx.audit_) {
    record.generation = state.generation;
  }
  // The switch is the commit; an audit failure after it is reported but changes nothing.
  auto audited = appendAudit(dir_, tx.audit_);
  std::set<std::string> live_keys;
  for (const auto& [n, e] : state.entries) {
    live_keys.insert(e.key_id);
  }
  std::set<std::string> dropped_keys;
  for (const auto& [n, e] : before.state.entries) {
    if (!e.key_id.empty() && live_keys.count(e.key_id) == 0) {
      dropped_keys.insert(e.key_id);
    }
  }
  collectGarbage(state.generation, dropped_certs, dropped_keys);
  return audited;
}

void Store::collectGarbage(std::uint64_t current, const std::vector<std::string>& dropped_certs,
                           const std::set<std::string>& dropped_keys) const {
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(dir_ + "/generations", ec)) {
    std::string name = e.path().filename().string();
    if (name.rfind(".tmp-", 0) == 0) {
      // Another writer cannot be running (we hold the lock): this is a dead writer's leftover.
      removeTree(e.path().string());
      continue;
    }
    std::uint64_t n = std::strtoull(name.c_str(), nullptr, 10);
    if (n + kKeptGenerations <= current || n > current) {
      removeTree(e.path().string());
    }
  }
  for (const auto& sha : dropped_certs) {
    ::unlink((dir_ + "/objects/" + sha + ".der").c_str());
  }
  for (const auto& id : dropped_keys) {
    ::unlink((dir_ + "/keys/" + id + ".pem").c_str());
  }
}

}  // namespace trustctl::truststore
