#pragma once
// Loading and applying a config file, shared by `trustctl apply` and the agent: the plan is
// made under the store lock, against the newest state, and executed as made (a dry run makes
// it the same way and only prints it).

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/on_change.h"
#include "config/apply_plan.h"

namespace trustctl::agent {

struct ApplyOutcome {
  config::ConfigFile config;
  config::Plan plan;
  // The plan of each [scopes."P"] table, in the file's order (truststore/scope.h).
  std::vector<std::pair<std::string, config::Plan>> scope_plans;
  bool empty() const;
  // planJson of the file's own plan, with "scopes": {path: plan} when the file has scopes.
  nlohmann::json planJson() const;
  // renderPlan of each, a scope's under a "Scope P:" heading.
  std::string renderPlan() const;
};

struct ApplyRequest {
  std::string path;
  config::PlanOptions plan;
  bool dry_run = false;
  // The plan the operator confirmed (planJson): the apply goes ahead only when the plan made
  // under the lock is the same, else it fails with PlanChanged and nothing is written.
  std::optional<nlohmann::json> expected_plan;
};

// Validates the file against the store, makes the plan and, unless `dry_run`, applies it in
// one transaction. Fails with the config's errors (nothing written) or the store's.
Result<ApplyOutcome> applyConfigFile(const truststore::Store& store,
                                     const truststore::UpdateOptions& options,
                                     const ApplyRequest& request);
// The same, without confirmation.
Result<ApplyOutcome> applyConfigFile(const truststore::Store& store,
                                     const truststore::UpdateOptions& options,
                                     const std::string& path, bool prune, bool dry_run);

std::vector<std::string> splitLines(const std::string& text);

}  // namespace trustctl::agent
