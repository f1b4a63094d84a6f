#include "agent/config_apply.h"

#include <sstream>

#include "config/server_cert_plan.h"
#include "truststore/scope.h"
#include "truststore/server_cert.h"

namespace trustctl::agent {

namespace {

namespace ts = truststore;

// Makes scope `path` and any missing ancestor, parents first.
Result<void> ensureScope(ts::Transaction& tx, const std::string& path) {
  if (ts::findScope(tx.tree(), path) != nullptr) {
    return {};
  }
  if (auto r = ensureScope(tx, ts::parentScope(path)); !r) {
    return r;
  }
  return tx.createScope(path);
}

// Each [scopes."P"] table planned against that scope's state and applied in `tx`, after the
// file's own tables: one transaction for all of them.
Result<void> applyScopes(ts::Transaction& tx, const config::ConfigFile& config,
                         const config::PlanOptions& options, ApplyOutcome& out) {
  std::string own = tx.scope();
  for (const auto& scope : config.scopes) {
    if (auto r = ensureScope(tx, scope.path); !r) {
      return r;
    }
    if (auto r = tx.selectScope(scope.path); !r) {
      return r;
    }
    auto plan = config::makePlan(scope.content, tx.state(), options);
    if (!plan) {
      return tl::unexpected(plan.error());
    }
    if (auto r = config::applyPlan(tx, scope.content, *plan); !r) {
      return r;
    }
    out.scope_plans.emplace_back(scope.path, std::move(*plan));
  }
  return tx.selectScope(own);
}

}  // namespace

bool ApplyOutcome::empty() const {
  for (const auto& [path, p] : scope_plans) {
    if (!p.empty()) {
      return false;
    }
  }
  return plan.empty();
}

nlohmann::json ApplyOutcome::planJson() const {
  nlohmann::json j = config::planJson(plan);
  for (const auto& [path, p] : scope_plans) {
    j["scopes"][path] = config::planJson(p);
  }
  return j;
}

std::string ApplyOutcome::renderPlan() const {
  std::string text = config::renderPlan(plan);
  for (const auto& [path, p] : scope_plans) {
    if (!p.empty()) {
      text += "Scope " + path + ":\n" + config::renderPlan(p);
    }
  }
  return text;
}

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
  auto tree = ts::Store(store.dir()).loadTree();
  if (!tree) {
    return tl::unexpected(tree.error());
  }
  std::map<std::string, std::vector<std::string>> scope_entries;
  for (const auto& [path, scope] : tree->state.scopes) {
    for (const auto& [name, entry] : scope.entries) {
      scope_entries[path].push_back(name);
    }
  }
  auto config = config::loadConfig(request.path, known, scope_entries);
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
    for (const auto& scope : config->scopes) {
      auto view = ts::Store(store.dir(), scope.path).load();  // a new scope starts empty
      auto scope_plan =
          config::makePlan(scope.content, view ? view->state : ts::StoreState{}, request.plan);
      if (!scope_plan) {
        return tl::unexpected(scope_plan.error());
      }
      out.scope_plans.emplace_back(scope.path, std::move(*scope_plan));
    }
  } else {
    truststore::Store writer(store.dir(), store.scope());
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
      if (auto r =
              config::applyServerCertChanges(tx, store.dir(), *config, out.plan.server_certs, now);
          !r) {
        return r;
      }
      return applyScopes(tx, *config, request.plan, out);
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
