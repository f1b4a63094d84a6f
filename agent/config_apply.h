#pragma once
// Loading and applying a config file, shared by `trustctl apply` and the agent.

#include <string>
#include <vector>

#include "agent/on_change.h"
#include "config/apply_plan.h"

namespace trustctl::agent {

struct ApplyOutcome {
  config::ConfigFile config;
  config::Plan plan;
};

// Validates `path` against the store and, unless `dry_run`, applies it in one transaction (the
// plan is made again under the store lock, against the newest state).
Result<ApplyOutcome> applyConfigFile(const truststore::Store& store,
                                     const truststore::UpdateOptions& options,
                                     const std::string& path, bool prune, bool dry_run);

std::vector<std::string> splitLines(const std::string& text);

}  // namespace trustctl::agent
