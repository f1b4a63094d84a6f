#include "agent/config_apply.h"

#include <sstream>

#include "config/server_cert_plan.h"
#include "truststore/server_cert.h"

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
  // The upload checks of `server-cert add`, before any plan: a bad one writes nothing.
  UnixTime now = options.now != 0 ? options.now : wallClockNow();
  if (!config->server_certs.empty()) {
    auto candidates = truststore::libraryCandidates(store, snapshot->state);
    if (!candidates) {
      return tl::unexpected(candidates.error());
    }
    if (auto checked = config::checkServerCertSpecs(*config, *candidates, now); !checked) {
      return tl::unexpected(checked.error());
    }
  }
  auto plan_for = [&](const truststore::StoreState& state) -> Result<config::Plan> {
    auto plan = config::makePlan(*config, state, request.plan);
    if (!plan) {
      return plan;
    }
    auto servers = config::planServerCerts(*config, state, request.plan.prune);
    if (!servers) {
      return tl::unexpected(servers.error());
    }
    plan->server_certs = std::move(*servers);
    return plan;
  };
  ApplyOutcome out;
  if (request.dry_run) {
    auto plan = plan_for(snapshot->state);
    if (!plan) {
      return tl::unexpected(plan.error());
    }
    out.plan = std::move(*plan);
  } else {
    truststore::Store writer(store.dir());
    auto updated = writer.update(options, [&](truststore::Transaction& tx) -> Result<void> {
      auto plan = plan_for(tx.state());
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
      if (auto applied = config::applyPlan(tx, *config, out.plan); !applied) {
        return applied;
      }
      return config::applyServerCertChanges(tx, store.dir(), *config, out.plan.server_certs, now);
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
