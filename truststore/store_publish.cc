// Store::update: the writer. Under the lock it builds generation N aside (objects and keys
// first, then runtime files, the change's audit records and state.json, all fsynced), renames
// it into generations/, and switches `current`: that rename is the commit. Nothing after it
// can fail the command; the audit log and garbage collection follow, best effort, and what
// they leave undone the next writer finishes.
#include <openssl/crypto.h>

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "truststore/connector_runtime.h"
#include "truststore/file_util.h"
#include "truststore/scope.h"
#include "truststore/server_cert.h"
#include "truststore/signing_files.h"
#include "truststore/store.h"
#include "truststore/store_faults.h"
#include "truststore/store_files.h"
#include "truststore/store_format.h"
#include "truststore/store_generations.h"
#include "truststore/store_lock.h"

namespace trustctl::truststore {

namespace {

// What a failed write removes again before it returns, so a full disk leaves no debris; a
// killed writer's debris is collected by the next one.
struct Debris {
  std::vector<std::string> files;
  std::vector<std::string> trees;
  bool committed = false;
  ~Debris() {
    if (committed) {
      return;
    }
    for (const auto& f : files) {
      ::unlink(f.c_str());
    }
    for (const auto& t : trees) {
      removeTree(t);
    }
  }
};

Result<RuntimeInputs> runtimeInputs(const Transaction& tx, const StoreState& view,
                                    const Connector& connector, std::uint64_t generation) {
  return gatherRuntimeInputs(
      view, connector, generation, [&](const std::string& sha) { return tx.certificate(sha); },
      [&](const std::string& id) { return tx.key(id); });
}

// Makes each folder of a scope prefix "scopes/a/scopes/b/" below `work_dir`, parents first.
Result<void> makeScopeFolders(const std::string& work_dir, const std::string& prefix) {
  for (auto slash = prefix.find('/'); slash != std::string::npos;
       slash = prefix.find('/', slash + 1)) {
    std::string dir = work_dir + "/" + prefix.substr(0, slash);
    if (!pathExists(dir)) {
      if (auto r = makeStoreDir(dir); !r) {
        return r;
      }
    }
  }
  return {};
}

bool treeHasCertificate(const StoreState& tree, const std::string& sha) {
  bool found = false;
  forEachScope(tree, [&](const std::string&, const StoreState& s) {
    found = found || s.certificates.count(sha) != 0;
  });
  return found;
}

}  // namespace

// Server certificates' files, like connectors': rewritten when their entry changed, else
// linked from the previous generation. `prefix` is the scope's folder in the generation.
Result<void> Store::writeServerCerts(Transaction& tx, const StoreSnapshot& before,
                                     const std::string& work_dir, const std::string& scope,
                                     const StoreState& state) {
  if (state.server_certs.empty()) {
    return {};
  }
  std::string prefix = scopeFolderPrefix(scope);
  std::string root = work_dir + "/" + prefix + kServerCertsDir;
  if (auto r = makeStoreDir(root); !r) {
    return r;
  }
  for (const auto& [name, server] : state.server_certs) {
    std::string old_dir = before.generation_dir + "/" + prefix + kServerCertsDir + "/" + name;
    std::string new_dir = root + "/" + name;
    if (!tx.entryTouched(scope, server.entry) && !before.generation_dir.empty() &&
        pathExists(old_dir)) {
      if (auto r = linkStoreTree(old_dir, new_dir); !r) {
        return r;
      }
      continue;
    }
    auto files = gatherServerCertFiles(
        state, server, [&](const std::string& sha) { return tx.certificate(sha); },
        [&](const std::string& id) { return tx.key(id); });
    if (!files) {
      return tl::unexpected(files.error());
    }
    if (auto r = writeServerCertFiles(new_dir, *files); !r) {
      return r;
    }
  }
  return fsyncDir(root);
}

// One scope's runtime files (connectors/) and server files (server-certs/) under its folder.
Result<void> Store::writeScopeFiles(Transaction& tx, const StoreSnapshot& before,
                                    const std::string& work_dir, const std::string& scope,
                                    const StoreState& state) {
  std::string prefix = scopeFolderPrefix(scope);
  std::string connectors_dir = work_dir + "/" + prefix + "connectors";
  if (auto r = makeStoreDir(connectors_dir); !r) {
    return r;
  }
  for (const auto& [name, connector] : state.connectors) {
    bool uses_touched = tx.touched_connectors_.count(Transaction::scopedKey(scope, name)) != 0 ||
                        (!connector.identity.empty() && tx.entryTouched(scope, connector.identity));
    for (const auto& e : connector.trust) {
      uses_touched = uses_touched || tx.entryTouched(scope, e);
    }
    std::string old_dir = before.generation_dir + "/" + prefix + "connectors/" + name;
    std::string new_dir = connectors_dir + "/" + name;
    if (!uses_touched && !before.generation_dir.empty() && pathExists(old_dir)) {
      if (auto r = linkStoreTree(old_dir, new_dir); !r) {
        return r;
      }
      continue;
    }
    auto in = runtimeInputs(tx, state, connector, tx.state_.generation);
    if (!in) {
      return tl::unexpected(in.error());
    }
    if (auto r = faultPoint("runtime", new_dir); !r) {
      return r;
    }
    if (auto r = writeConnectorRuntime(new_dir, *in); !r) {
      return r;
    }
  }
  if (auto r = writeServerCerts(tx, before, work_dir, scope, state); !r) {
    return r;
  }
  // The scope's token-signing files (signing_files.h) in its folder of the generation.
  std::string folder = work_dir + (prefix.empty() ? "" : "/" + prefix.substr(0, prefix.size() - 1));
  if (auto r = writeSigningFiles(tx, state, folder); !r) {
    return r;
  }
  return fsyncDir(connectors_dir);
}

Result<StoreLock> Store::lockForWriting(std::chrono::milliseconds timeout) {
  if (auto r = makeStoreRoot(dir_); !r) {
    return tl::unexpected(r.error());
  }
  if (auto r = checkStoreSafety(dir_); !r) {
    return tl::unexpected(r.error());
  }
  return StoreLock::acquire(dir_, timeout);
}

Result<std::uint64_t> Store::update(const UpdateOptions& options,
                                    const std::function<Result<void>(Transaction&)>& change) {
  auto lock = lockForWriting(options.lock_timeout);
  if (!lock) {
    return tl::unexpected(lock.error());
  }
  auto before = loadTree();
  if (!before) {
    return tl::unexpected(before.error());
  }
  Transaction tx(*this, before->state, options.now);
  if (auto r = tx.selectScope(scope_); !r) {
    return tl::unexpected(r.error());
  }
  if (auto r = change(tx); !r) {
    return tl::unexpected(r.error());
  }
  // The imported ancestor entries go out again, and every reference must still resolve.
  if (auto r = settleEntryRefs(tx.state_, tx.imported_); !r) {
    return tl::unexpected(r.error());
  }
  if (!tx.changed()) {
    return before->state.generation;
  }
  // An older layout is migrated once, under this lock, before the first change written in
  // the new one; a failed change leaves the store exactly as it was.
  if (auto r = migrateStore(dir_); !r) {
    return tl::unexpected(r.error());
  }
  if (auto r = publish(tx, *before); !r) {
    return tl::unexpected(r.error());
  }
  return tx.state_.generation;
}

Result<void> Store::writeObjects(Transaction& tx, std::vector<std::string>& created) {
  const StoreState& state = tx.state_;
  for (const auto& [sha, cert] : tx.new_certs_) {
    std::string path = dir_ + "/objects/" + sha + ".der";
    if (treeHasCertificate(state, sha) && !pathExists(path)) {
      if (auto r = faultPoint("objects", path); !r) {
        return r;
      }
      if (auto r = writeFileAtomic(path, cert->der(), kStoreFileMode); !r) {
        return r;
      }
      created.push_back(path);
    }
  }
  crashPoint("objects");
  for (const auto& [id, key] : tx.new_keys_) {
    std::string path = dir_ + "/keys/" + id + ".pem";
    if (!pathExists(path)) {
      if (auto r = faultPoint("keys", path); !r) {
        return r;
      }
      std::string pem = key->pkcs8Pem();
      auto r = writeFileAtomic(path, pem, kStoreKeyMode);
      OPENSSL_cleanse(pem.data(), pem.size());
      if (!r) {
        return r;
      }
      created.push_back(path);
    }
  }
  crashPoint("keys");
  return {};
}

Result<void> Store::writeGeneration(Transaction& tx, const StoreSnapshot& before,
                                    const std::string& work_dir) {
  const StoreState& state = tx.state_;
  if (auto r = makeStoreDir(work_dir); !r) {
    return r;
  }
  if (auto r = writeScopeFiles(tx, before, work_dir, "", state); !r) {
    return r;
  }
  for (const auto& [path, scope] : state.scopes) {
    if (auto r = makeScopeFolders(work_dir, scopeFolderPrefix(path)); !r) {
      return r;
    }
    // A scope's connectors see the ancestor entries they reference (scope.h).
    auto view = scopeView(state, path);
    if (!view) {
      return tl::unexpected(view.error());
    }
    if (auto r = writeScopeFiles(tx, before, work_dir, path, *view); !r) {
      return r;
    }
  }
  std::string audit_path = work_dir + "/" + kGenerationAuditFile;
  if (auto r = writeFileDurable(
          audit_path,
          serializeGenerationAudit(state.generation, before.state.generation, tx.audit_),
          kStoreFileMode);
      !r) {
    return r;
  }
  if (auto r = faultPoint("state", work_dir + "/state.json"); !r) {
    return r;
  }
  if (auto r = writeFileDurable(work_dir + "/state.json", serializeState(state), kStoreFileMode);
      !r) {
    return r;
  }
  return fsyncDir(work_dir);
}

Result<void> Store::publish(Transaction& tx, const StoreSnapshot& before) {
  StoreState& state = tx.state_;
  // Numbered past every folder there: a generation above `current` (a writer killed before
  // its switch, or `current` set back by hand) is never overwritten.
  auto existing = listGenerations(dir_);
  std::uint64_t newest = existing.empty() ? 0 : existing.back();
  state.generation = std::max(before.state.generation, newest) + 1;
  for (auto& record : tx.audit_) {
    record.generation = state.generation;
  }
  state.dropUnreferencedCertificates();
  for (auto& [path, scope] : state.scopes) {
    scope.dropUnreferencedCertificates();
  }
  for (const char* sub : {"/objects", "/keys", "/generations"}) {
    if (auto r = makeStoreDir(dir_ + sub); !r) {
      return r;
    }
  }
  Debris debris;
  if (auto r = writeObjects(tx, debris.files); !r) {
    return r;
  }
  std::string final_dir = generationDir(state.generation);
  std::string work_dir = dir_ + "/generations/.tmp-" + std::to_string(state.generation) + "-" +
                         std::to_string(::getpid());
  removeTree(work_dir);
  debris.trees.push_back(work_dir);
  if (auto r = writeGeneration(tx, before, work_dir); !r) {
    return r;
  }
  crashPoint("generation-written");
  if (auto r = faultPoint("rename", final_dir); !r) {
    return r;
  }
  if (::rename(work_dir.c_str(), final_dir.c_str()) != 0) {
    return fail(ErrorCode::Io, final_dir + ": cannot publish generation: " + std::strerror(errno));
  }
  debris.trees.push_back(final_dir);
  if (auto r = fsyncDir(dir_ + "/generations"); !r) {
    return r;
  }
  crashPoint("generation-renamed");
  if (auto r = faultPoint("switch", dir_ + "/current"); !r) {
    return r;
  }
  if (auto r = switchCurrent(dir_, state.generation); !r) {
    return r;
  }
  // Committed: the change and its audit records are live. Nothing below fails the command.
  debris.committed = true;
  crashPoint("switched");
  bool logged = static_cast<bool>(replayAudit(dir_, state.generation));
  crashPoint("logged");
  collectGarbage(dir_, state.generation, logged);
  return {};
}

}  // namespace trustctl::truststore
