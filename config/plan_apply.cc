// applyPlan: the plan's steps, in its order, as store operations (apply_plan.h).
#include "config/apply_plan.h"

#include "truststore/library.h"

namespace trustctl::config {

namespace {

Error located(const Location& where, const Error& e) {
  return {e.code, where.str() + ": " + e.message};
}

const ConnectorSpec* findConnector(const ConfigFile& config, const std::string& name) {
  for (const auto& c : config.connectors) {
    if (c.name == name) {
      return &c;
    }
  }
  return nullptr;
}

Result<void> applyEntry(truststore::Transaction& tx, const ConfigFile& config,
                        const EntryChange& change) {
  using Action = EntryChange::Action;
  if (change.action == Action::Remove) {
    return truststore::removeEntry(tx, change.name, true);
  }
  const EntrySpec* e = config.findEntry(change.name);
  if (e == nullptr) {
    return fail(ErrorCode::Internal,
                "the plan names entry '" + change.name + "' that the config file does not declare");
  }
  truststore::ImportRequest request{e->name, e->material,    e->file,
                                    e->note, e->environment, e->identity};
  Result<void> r;
  switch (change.action) {
    case Action::Rename:
      r = truststore::renameEntry(tx, change.from, change.name);
      break;
    case Action::Add:
      r = truststore::importEntry(tx, request);
      break;
    case Action::Replace:
      r = truststore::replaceEntry(tx, request);
      break;
    default:
      r = truststore::editEntry(tx, e->name, e->note, e->environment);
      break;
  }
  return r ? r : tl::unexpected(located(e->where, r.error()));
}

// Records which config file declares the connector: `probe --install` warns from it.
void setDeclaredBy(truststore::Transaction& tx, const std::string& name, const std::string& file) {
  auto it = tx.state().connectors.find(name);
  if (it == tx.state().connectors.end() || it->second.declared_by == file) {
    return;
  }
  it->second.declared_by = file;
  tx.audit("connector.declare", name, "",
           file.empty() ? "no longer declared by a config file" : "declared by " + file);
}

Result<void> applyConnector(truststore::Transaction& tx, const ConfigFile& config,
                            const ConnectorChange& change) {
  const ConnectorSpec* spec = findConnector(config, change.name);
  if (spec == nullptr) {
    // Only the record of the declaring file changes for a connector the file dropped.
    setDeclaredBy(tx, change.name, change.declared_by.value_or(""));
    return {};
  }
  auto step = [&](Result<void> r) -> Result<void> {
    return r ? r : tl::unexpected(located(spec->where, r.error()));
  };
  Result<void> r;
  if (change.create) {
    r = step(truststore::createConnector(tx, spec->name, spec->environment, spec->note));
  } else if (change.edit) {
    r = step(truststore::editConnector(tx, spec->name, spec->note, spec->environment));
  }
  if (r && !change.trust_detached.empty()) {
    r = step(truststore::detachTrust(tx, spec->name, change.trust_detached));
  }
  if (r && !change.trust_added.empty()) {
    r = step(truststore::attachTrust(tx, spec->name, change.trust_added));
  }
  if (r && change.identity) {
    r = step(truststore::setIdentity(tx, spec->name, *change.identity));
  }
  if (r && (!change.targets_added.empty() || !change.targets_removed.empty())) {
    r = step(truststore::setTargets(tx, spec->name, change.targets_added, change.targets_removed));
  }
  if (r && change.revocation) {
    r = step(truststore::setRevocationMode(tx, spec->name, *change.revocation));
  }
  if (r && change.runtime) {
    r = step(truststore::setRuntime(tx, spec->name, *change.runtime));
  }
  if (r && change.proxy) {
    r = step(truststore::setProxy(tx, spec->name, change.proxy->first, change.proxy->second));
  }
  if (r && change.declared_by) {
    setDeclaredBy(tx, spec->name, *change.declared_by);
  }
  return r;
}

}  // namespace

Result<void> applyPlan(truststore::Transaction& tx, const ConfigFile& config, const Plan& plan) {
  for (const auto& change : plan.connectors_removed) {
    if (auto r = truststore::deleteConnector(tx, change.name); !r) {
      return r;
    }
  }
  for (const auto& change : plan.entries) {
    if (auto r = applyEntry(tx, config, change); !r) {
      return r;
    }
  }
  for (const auto& change : plan.connectors) {
    if (auto r = applyConnector(tx, config, change); !r) {
      return r;
    }
  }
  for (const auto& change : plan.entries_removed) {
    if (auto r = applyEntry(tx, config, change); !r) {
      return r;
    }
  }
  return {};
}

}  // namespace trustctl::config
