#pragma once
// The on-disk store: immutable generations switched in by an atomic symlink rename.
//   <store>/format                 the layout version (store_format.h)
//   <store>/objects/<sha256>.der   every certificate a kept generation references
//   <store>/keys/<spki-sha256>.pem identity keys a kept generation references
//   <store>/generations/<N>/       state.json, audit.json + connectors/<name>/ runtime files
//                                  + server-certs/<name>/ files a server loads (server_cert.h)
//   <store>/current -> generations/<N>
//   <store>/audit.log (derived from the generations' audit.json), <store>/.lock
// Folders 02750, files 0640 whatever the umask (store_files.h). Readers read `current` and
// never lock; writers serialize on the lock, build generation N aside and rename the symlink,
// so a crash at any instant leaves the old state or the new one with its audit records.

#include <chrono>
#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "truststore/audit_log.h"
#include "truststore/certificate.h"
#include "truststore/error.h"
#include "truststore/private_key.h"
#include "truststore/store_lock.h"
#include "truststore/store_state.h"

namespace trustctl::truststore {

struct StoreSnapshot {
  StoreState state;
  std::string generation_dir;  // "" for a store never written
};

class Transaction;
struct BackupContent;

struct RepairReport {
  bool repaired = false;         // false: `current` was sound (or the store never written)
  std::uint64_t generation = 0;  // what `current` names now
  std::string problem;           // what was wrong with `current`
  std::string moved_aside;       // where a folder found in place of `current` was kept, or ""
};

struct UpdateOptions {
  std::chrono::milliseconds lock_timeout{10000};
  UnixTime now = 0;  // the instant recorded in entries and the audit log
};

class Store {
 public:
  // `scope` selects the scope (scope.h) this object reads and changes; "" is the root.
  explicit Store(std::string dir, std::string scope = "");
  const std::string& dir() const { return dir_; }
  const std::string& scope() const { return scope_; }

  // The current generation of this scope: its own state with the ancestor entries its
  // connectors reference imported (scope.h); an empty state when nothing was ever written.
  // ScopeNotFound for a scope that does not exist.
  Result<StoreSnapshot> load() const;
  // The whole tree: the root's state with every scope in StoreState::scopes.
  Result<StoreSnapshot> loadTree() const;
  // Every scope as one flat state, names "<scope>/<name>" (scope.h flattenScopes): what the
  // agent probes and reports.
  Result<StoreSnapshot> loadAll() const;
  // "" for the root, else "scopes/<a>/scopes/<b>/": the scope's folder in a generation.
  std::string scopePrefix() const;
  // The generation number `current` points at (0 when none): one readlink, for change checks.
  std::uint64_t currentGeneration() const;
  Result<CertificatePtr> loadCertificate(const std::string& sha256) const;
  Result<PrivateKeyPtr> loadKey(const std::string& key_id) const;
  // <store>/generations/<N> for the current generation ("" when none); reading files below it
  // gives one consistent generation even while writers switch `current`.
  std::string currentGenerationDir() const;
  // <store>/current/[scopes/...]connectors/<name>: the stable path runtimes are configured
  // with. A name "vendor/customer-a/crm" names connector crm of that scope from any Store.
  std::string connectorPath(const std::string& connector) const;
  // <store>/generations/<N>, and a connector's runtime files in it.
  std::string generationDir(std::uint64_t generation) const;
  std::string connectorDir(std::uint64_t generation, const std::string& connector) const;
  // <store>/current/[scopes/...]server-certs/<name>: the files a server loads.
  std::string serverCertPath(const std::string& name) const;
  // <store>/generations/<N>/[scopes/...]server-certs/<name>: one generation's files.
  std::string serverCertDir(std::uint64_t generation, const std::string& name) const;

  // Takes the lock, loads the newest state, runs `change` on it and, when it succeeds,
  // publishes the result as a new generation. Returns the new generation number (the old one
  // when `change` made no change). Nothing is written when `change` fails.
  Result<std::uint64_t> update(const UpdateOptions& options,
                               const std::function<Result<void>(Transaction&)>& change);

  // `store check --repair`: under the lock, when `current` is missing, is not a link into
  // generations/ or names an incomplete generation, points it at the newest complete one
  // (state.json parses, every connector's runtime files exist). Fails with StoreCorrupt when
  // there is none, StoreUnsafe, StoreLocked or Io; a sound `current` is left as it is.
  Result<RepairReport> repair(const UpdateOptions& options);

  // `store backup FILE`: under the lock, the current generation with the objects and keys it
  // references and the store format, as a tar archive written atomically with mode 0600 (it
  // holds private keys). Fails with InvalidArgument on a store never written, StoreCorrupt,
  // StoreUnsafe, StoreLocked or Io; `archive_path` is then untouched.
  Result<void> backup(const std::string& archive_path, const UpdateOptions& options);
  // `store restore FILE`: validates the whole archive (store_backup.h), then under the lock
  // switches it in as a new generation, with a "store.restore" audit record. Refuses a store
  // that holds any generation with StoreNotEmpty unless `force`. Returns the generation.
  // Fails before anything is switched: BackupInvalid, StoreTooNew, StoreNotEmpty, Io, ...
  Result<std::uint64_t> restore(const std::string& archive_path, bool force,
                                const UpdateOptions& options);

  // Checks every generation-independent invariant: state parses, objects exist and hash to
  // their names, runtime files exist for every connector. Returns one line per problem.
  Result<std::vector<std::string>> check() const;

 private:
  // Creates the store folder if needed, refuses one another user could change, then takes the
  // writers' lock: the one way into every write.
  Result<StoreLock> lockForWriting(std::chrono::milliseconds timeout);
  Result<void> publish(Transaction& tx, const StoreSnapshot& before);
  // Writes the objects and keys `tx` adds that are not on disk yet; appends their paths.
  Result<void> writeObjects(Transaction& tx, std::vector<std::string>& created);
  // Writes generation tx.state_ into the unpublished folder `work_dir`.
  Result<void> writeGeneration(Transaction& tx, const StoreSnapshot& before,
                               const std::string& work_dir);
  // Writes (or links) one scope's connectors' runtime files and server certificates' files
  // (server_cert.h) into its folder of `work_dir`; `state` is the scope's view (scope.h).
  Result<void> writeScopeFiles(Transaction& tx, const StoreSnapshot& before,
                               const std::string& work_dir, const std::string& scope,
                               const StoreState& state);
  Result<void> writeServerCerts(Transaction& tx, const StoreSnapshot& before,
                                const std::string& work_dir, const std::string& scope,
                                const StoreState& state);
  Result<std::uint64_t> publishRestored(BackupContent& content, std::uint64_t parent,
                                        const std::vector<std::uint64_t>& gens,
                                        const std::string& label, UnixTime now);
  std::string dir_;
  std::string scope_;
};

// What a change sees: the state to edit plus the objects it adds. Only Store::update makes one.
class Transaction {
 public:
  // The selected scope's state (the Store's scope at first).
  StoreState& state() { return *scope_state_; }
  const StoreState& state() const { return *scope_state_; }
  UnixTime now() const { return now_; }
  // The whole tree and the selected scope's path.
  const StoreState& tree() const { return state_; }
  const std::string& scope() const { return scope_; }
  // Makes `path` the scope state() edits (importing its references). ScopeNotFound.
  Result<void> selectScope(const std::string& path);
  // Creates scope `path` (empty; its parent must exist) with an audit record. InvalidScope,
  // ScopeNotFound (parent), DuplicateName.
  Result<void> createScope(const std::string& path);
  // Removes scope `path`; without `force` only an empty one without children (ScopeNotEmpty).
  // Selects the root when the selected scope is removed.
  Result<void> removeScope(const std::string& path, bool force);
  // Makes the ancestor entry `ref_name` ("vendor:corp-root") visible in the selected scope,
  // for a connector about to use it (scope.h importEntryRef).
  Result<void> importEntryRef(const std::string& ref_name);

  // Registers a certificate (object and metadata) the new state references.
  void putCertificate(const CertificatePtr& cert);
  void putKey(const PrivateKeyPtr& key);
  // A certificate by fingerprint: one added in this transaction, else from disk.
  Result<CertificatePtr> certificate(const std::string& sha256) const;
  Result<PrivateKeyPtr> key(const std::string& key_id) const;
  // The content of this entry changed: every connector using it gets new runtime files.
  void touchEntry(const std::string& name) { touched_entries_.insert(scopedKey(scope_, name)); }
  void touchConnector(const std::string& name) {
    touched_connectors_.insert(scopedKey(scope_, name));
  }
  void audit(std::string action, std::string subject, std::string fingerprint, std::string detail);
  bool changed() const { return !audit_.empty(); }

 private:
  friend class Store;
  Transaction(const Store& store, StoreState state, UnixTime now)
      : store_(store), state_(std::move(state)), now_(now) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  // Touched entries and connectors are keyed "<scope>:<name>" ("" for the root), the form an
  // entry reference takes, so a descendant's connector sees its ancestor's entry change.
  static std::string scopedKey(const std::string& scope, const std::string& name) {
    return scope + ":" + name;
  }
  bool entryTouched(const std::string& scope, const std::string& name) const;
  const Store& store_;
  StoreState state_;  // the whole tree
  std::string scope_;
  StoreState* scope_state_ = &state_;
  // What selectScope imported into each scope, to check and take out before writing.
  std::map<std::string, std::map<std::string, Entry>> imported_;
  UnixTime now_;
  std::map<std::string, CertificatePtr> new_certs_;
  std::map<std::string, PrivateKeyPtr> new_keys_;
  std::set<std::string> touched_entries_;
  std::set<std::string> touched_connectors_;
  std::vector<AuditRecord> audit_;
};

}  // namespace trustctl::truststore
