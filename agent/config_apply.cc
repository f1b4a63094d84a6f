#include "agent/config_apply.h"

#include <sstream>

namespace trustctl::agent {

Result<ApplyOutcome> applyConfigFile(const truststore::Store& store,
                                     const truststore::UpdateOptions& options,
                                     const ApplyRequest& request) {
  auto snapshot = store.load();
  if (!snapshot) {
    return tl::unexpected(snapshot.error());
  }
  std::vector<std::string> known;
  for (const auto& [name, entry] : snapshot->state.entries) {
    known.push_back(name);
  }
  auto config = config::loadConfig(request.path, known);
  if (!config) {
    return tl::unexpected(config.error());
  }
  ApplyOutcome out;
  if (request.dry_run) {
    auto plan = config::makePlan(*config, snapshot->state, request.plan);
    if (!plan) {
      return tl::unexpected(plan.error());
    }
    out.plan = std::move(*plan);
  } else {
    truststore::Store writer(store.dir());
    auto updated = writer.update(options, [&](truststore::Transaction& tx) -> Result<void> {
      auto plan = config::makePlan(*config, tx.state(), request.plan);
      if (!plan) {
        return tl::unexpected(plan.error());
      }
      if (request.expected_plan && config::planJson(*plan) != *request.expected_plan) {
        return fail(ErrorCode::PlanChanged,
                    request.path +
                        ": the store changed while the plan was being confirmed; nothing was "
                        "changed, run the apply again to see the new plan");
      }
      out.plan = std::move(*plan);
      return config::applyPlan(tx, *config, out.plan);
    });
    if (!updated) {
      return tl::unexpected(updated.error());
    }
  }
  out.config = std::move(*config);
  return out;
}

Result<ApplyOutcome> applyConfigFile(const truststore::Store& store,
                                     const truststore::UpdateOptions& options,
                                     const std::string& path, bool prune, bool dry_run) {
  ApplyRequest request;
  request.path = path;
  request.plan.prune = prune;
  request.dry_run = dry_run;
  return applyConfigFile(store, options, request);
}

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty()) {
      out.push_back(line);
    }
  }
  return out;
}

}  // namespace trustctl::agent
