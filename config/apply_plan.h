#pragma once
// What applying a config file changes, computed before anything is written and shown to the
// operator like a careful infrastructure tool does: entries added, replaced, pruned; per
// connector, trust attached and detached, identity, targets, and whose runtime files are
// regenerated. The same plan is then applied in one store transaction (all or nothing).

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/config_file.h"
#include "truststore/store.h"

namespace trustctl::config {

struct EntryChange {
  enum class Action { Add, Replace, Edit, Remove };
  std::string name;
  Action action = Action::Add;
  std::string detail;
};

struct ConnectorChange {
  std::string name;
  bool create = false;
  bool remove = false;
  bool edit = false;  // environment or note
  std::vector<std::string> trust_added;
  std::vector<std::string> trust_detached;
  std::vector<std::string> trust_replaced;  // trusted (or identity) entries whose content changes
  std::vector<std::string> targets_added;
  std::vector<std::string> targets_removed;
  std::optional<std::string> identity;  // the new identity ("" = none) when it changes
  bool runtime_regenerated = false;     // trust or identity content changes
  bool empty() const;
};

struct Plan {
  std::vector<EntryChange> entries;
  std::vector<ConnectorChange> connectors;
  bool empty() const { return entries.empty() && connectors.empty(); }
  // Connectors whose runtime files change, for on_change.
  std::vector<std::string> reloaded() const;
};

// Without `prune`, nothing the file does not name is removed (entries, connectors); the trust,
// identity and targets of a connector the file declares are exactly what the file says.
Plan makePlan(const ConfigFile& config, const truststore::StoreState& state, bool prune);
// Applies `plan` (made from tx.state()) inside the transaction. Errors name the config file.
Result<void> applyPlan(truststore::Transaction& tx, const ConfigFile& config, const Plan& plan);

std::string renderPlan(const Plan& plan);
nlohmann::json planJson(const Plan& plan);

}  // namespace trustctl::config
