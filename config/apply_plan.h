#pragma once
// What applying a config file changes, computed before anything is written and shown to the
// operator like a careful infrastructure tool does: entries added, renamed, replaced, pruned;
// per connector, trust attached and detached, identity, targets, and whose runtime files are
// regenerated. A dry run prints the plan; an apply executes exactly that plan, in its order,
// in one store transaction (all or nothing). makePlan works the plan out on a copy of the
// state, step by step, so a step the store would refuse (the same certificates under two
// names, a removed entry still needed) is refused by the plan, in a dry run as in an apply.

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config_file.h"
#include "truststore/store.h"

namespace trustctl::config {

struct EntryChange {
  enum class Action { Add, Replace, Edit, Rename, Remove };
  std::string name;  // for Rename: the new name
  Action action = Action::Add;
  std::string detail;
  std::string from;  // Rename: the old name
};

struct ConnectorChange {
  std::string name;
  bool create = false;
  bool remove = false;
  bool edit = false;  // environment or note
  std::vector<std::string> trust_added;
  std::vector<std::string> trust_detached;
  std::vector<std::string> trust_replaced;  // trusted (or identity) entries whose content changes
  std::vector<std::pair<std::string, std::string>> trust_renamed;  // old, new: they follow
  std::vector<std::string> targets_added;
  std::vector<std::string> targets_removed;
  std::optional<std::string> identity;     // the new identity ("" = none) when it changes
  std::optional<std::string> declared_by;  // the config file now declaring it ("" = none)
  std::optional<truststore::RevocationMode> revocation;  // the new mode when it changes
  std::optional<truststore::ConnectorRuntime> runtime;   // the new runtime when it changes
  // The new proxy and credentials file, when either changes.
  std::optional<std::pair<std::string, std::string>> proxy;
  bool runtime_regenerated = false;  // trust or identity content changes
  bool empty() const;
};

struct ServerCertChange {
  enum class Action { Add, Replace, Remove };
  std::string name;
  Action action = Action::Add;
  std::string detail;  // "user-provided, sha256 ..." or "issued by CA corp"
};

// The steps in the order they run: connectors removed, entry changes (renames, removals that
// free certificates a declared entry takes, replacements, additions, edits), connector
// changes, then the remaining entry removals.
struct Plan {
  std::vector<ConnectorChange> connectors_removed;
  std::vector<EntryChange> entries;
  std::vector<ConnectorChange> connectors;
  std::vector<EntryChange> entries_removed;
  // Last, in the same transaction (server_cert_plan.h).
  std::vector<ServerCertChange> server_certs;
  bool empty() const;
  // Entries and connectors the plan removes (renames not counted).
  std::vector<std::string> removedEntries() const;
  std::vector<std::string> removedConnectors() const;
  // Connectors whose runtime files change, for on_change.
  std::vector<std::string> reloaded() const;
};

struct PlanOptions {
  // Also remove what the file does not name: entries neither declared nor trusted by a
  // declared connector, and connectors not declared.
  bool prune = false;
  // With prune: a file that declares nothing may empty the store.
  bool allow_empty = false;
};

// Without `prune`, nothing the file does not name is removed; the trust, identity and targets
// of a connector the file declares are exactly what the file says, and the store records the
// file as the one declaring it. Fails with ConfigInvalid at the entry's file:line:column when
// a step cannot be done (certificates held by another entry the plan keeps; a replaced
// identity without a key), with PruneWouldEmpty for an empty file with prune.
Result<Plan> makePlan(const ConfigFile& config, const truststore::StoreState& state,
                      const PlanOptions& options);
// Executes `plan`, made by makePlan from tx.state(), step by step in its order. Errors name
// the config file; on error the caller must drop the transaction (Store::update does).
Result<void> applyPlan(truststore::Transaction& tx, const ConfigFile& config, const Plan& plan);

// The plan as text, one step a line, in the order the steps run.
std::string renderPlan(const Plan& plan);
nlohmann::json planJson(const Plan& plan);

}  // namespace trustctl::config
