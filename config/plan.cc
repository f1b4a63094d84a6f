// The Plan value: what it holds and how it reads, as text and JSON, in the order its steps
// run (apply_plan.h).
#include "config/apply_plan.h"
#include "config/server_cert_plan.h"

namespace trustctl::config {

namespace {

const char* actionName(EntryChange::Action a) {
  switch (a) {
    case EntryChange::Action::Add:
      return "add";
    case EntryChange::Action::Replace:
      return "replace";
    case EntryChange::Action::Edit:
      return "edit";
    case EntryChange::Action::Rename:
      return "rename";
    default:
      return "remove";
  }
}

std::string renderEntry(const EntryChange& e) {
  switch (e.action) {
    case EntryChange::Action::Add:
      return "  + add entry " + e.name + " (" + e.detail + ")\n";
    case EntryChange::Action::Replace:
      return "  ~ replace content of entry " + e.name + " (" + e.detail + ")\n";
    case EntryChange::Action::Edit:
      return "  ~ update entry " + e.name + " (" + e.detail + ")\n";
    case EntryChange::Action::Rename:
      return "  ~ rename entry " + e.from + " -> " + e.name + " (" + e.detail + ")\n";
    default:
      return "  - remove entry " + e.name + " (" + e.detail + ")\n";
  }
}

std::string renderConnector(const ConnectorChange& c) {
  if (c.remove) {
    return "  - remove connector " + c.name + " (not in the file, --prune)\n";
  }
  std::string out =
      std::string("  ") + (c.create ? "+ create" : "~ update") + " connector " + c.name + "\n";
  if (c.edit) {
    out += "      ~ env / note\n";
  }
  for (const auto& [from, to] : c.trust_renamed) {
    out += "      ~ trust " + from + " -> " + to + " (renamed)\n";
  }
  for (const auto& t : c.trust_added) {
    out += "      + trust " + t + "\n";
  }
  for (const auto& t : c.trust_detached) {
    out += "      - trust " + t + "\n";
  }
  for (const auto& t : c.trust_replaced) {
    out += "      ~ " + t + " (content replaced)\n";
  }
  if (c.identity) {
    out +=
        "      ~ identity -> " + (c.identity->empty() ? std::string("none") : *c.identity) + "\n";
  }
  for (const auto& t : c.targets_added) {
    out += "      + target " + t + "\n";
  }
  for (const auto& t : c.targets_removed) {
    out += "      - target " + t + "\n";
  }
  if (c.revocation) {
    out += "      ~ revocation -> " + std::string(truststore::revocationModeName(*c.revocation)) +
           "\n";
  }
  if (c.runtime) {
    out += "      ~ runtime -> " + std::string(truststore::runtimeName(*c.runtime)) + "\n";
  }
  if (c.proxy) {
    out += "      ~ proxy -> " +
           (c.proxy->first.empty() ? std::string("the environment") : c.proxy->first) +
           (c.proxy->second.empty() ? "" : ", credentials from " + c.proxy->second) + "\n";
  }
  if (c.declared_by && !c.create) {
    out += c.declared_by->empty() ? "      ~ no longer declared by a config file\n"
                                  : "      ~ declared by " + *c.declared_by + "\n";
  }
  if (c.runtime_regenerated) {
    out +=
        "      runtime files regenerated: ca-bundle.pem, capath/, truststore.p12, anchors.der, "
        "manifest.json" +
        std::string(c.identity ? ", identity.pem, identity.key" : "") + "\n";
  }
  return out;
}

nlohmann::json entryJson(const EntryChange& e) {
  nlohmann::json j{{"name", e.name}, {"action", actionName(e.action)}, {"detail", e.detail}};
  if (e.action == EntryChange::Action::Rename) {
    j["from"] = e.from;
  }
  return j;
}

nlohmann::json connectorJson(const ConnectorChange& c) {
  nlohmann::json renamed = nlohmann::json::array();
  for (const auto& [from, to] : c.trust_renamed) {
    renamed.push_back({{"from", from}, {"to", to}});
  }
  return {
      {"name", c.name},
      {"action", c.remove   ? "remove"
                 : c.create ? "create"
                            : "update"},
      {"trust_added", c.trust_added},
      {"trust_detached", c.trust_detached},
      {"trust_replaced", c.trust_replaced},
      {"trust_renamed", renamed},
      {"targets_added", c.targets_added},
      {"targets_removed", c.targets_removed},
      {"identity", c.identity ? nlohmann::json(*c.identity) : nlohmann::json(nullptr)},
      {"declared_by", c.declared_by ? nlohmann::json(*c.declared_by) : nlohmann::json(nullptr)},
      {"revocation", c.revocation ? nlohmann::json(truststore::revocationModeName(*c.revocation))
                                  : nlohmann::json(nullptr)},
      {"runtime",
       c.runtime ? nlohmann::json(truststore::runtimeName(*c.runtime)) : nlohmann::json(nullptr)},
      {"proxy",
       c.proxy ? nlohmann::json({{"proxy", c.proxy->first.empty() ? nlohmann::json(nullptr)
                                                                  : nlohmann::json(c.proxy->first)},
                                 {"credentials_file", c.proxy->second.empty()
                                                          ? nlohmann::json(nullptr)
                                                          : nlohmann::json(c.proxy->second)}})
               : nlohmann::json(nullptr)},
      {"runtime_regenerated", c.runtime_regenerated}};
}

}  // namespace

bool ConnectorChange::empty() const {
  return !create && !remove && !edit && trust_added.empty() && trust_detached.empty() &&
         trust_renamed.empty() && targets_added.empty() && targets_removed.empty() && !identity &&
         !declared_by && !revocation && !runtime && !proxy && !runtime_regenerated;
}

bool Plan::empty() const {
  return connectors_removed.empty() && entries.empty() && connectors.empty() &&
         entries_removed.empty() && server_certs.empty();
}

std::vector<std::string> Plan::removedEntries() const {
  std::vector<std::string> out;
  for (const auto* list : {&entries, &entries_removed}) {
    for (const auto& e : *list) {
      if (e.action == EntryChange::Action::Remove) {
        out.push_back(e.name);
      }
    }
  }
  return out;
}

std::vector<std::string> Plan::removedConnectors() const {
  std::vector<std::string> out;
  for (const auto& c : connectors_removed) {
    out.push_back(c.name);
  }
  return out;
}

std::vector<std::string> Plan::reloaded() const {
  std::vector<std::string> out;
  for (const auto& c : connectors) {
    if (c.runtime_regenerated) {
      out.push_back(c.name);
    }
  }
  return out;
}

std::string renderPlan(const Plan& plan) {
  std::string out;
  for (const auto& c : plan.connectors_removed) {
    out += renderConnector(c);
  }
  for (const auto& e : plan.entries) {
    out += renderEntry(e);
  }
  for (const auto& c : plan.connectors) {
    out += renderConnector(c);
  }
  for (const auto& e : plan.entries_removed) {
    out += renderEntry(e);
  }
  for (const auto& s : plan.server_certs) {
    out += renderServerCertChange(s);
  }
  return out;
}

nlohmann::json planJson(const Plan& plan) {
  nlohmann::json entries = nlohmann::json::array();
  nlohmann::json connectors = nlohmann::json::array();
  for (const auto& c : plan.connectors_removed) {
    connectors.push_back(connectorJson(c));
  }
  for (const auto& e : plan.entries) {
    entries.push_back(entryJson(e));
  }
  for (const auto& c : plan.connectors) {
    connectors.push_back(connectorJson(c));
  }
  for (const auto& e : plan.entries_removed) {
    entries.push_back(entryJson(e));
  }
  nlohmann::json j{{"entries", entries}, {"connectors", connectors}};
  if (!plan.server_certs.empty()) {  // absent otherwise: plans without them read as before
    j["server_certs"] = serverCertChangesJson(plan.server_certs);
  }
  return j;
}

}  // namespace trustctl::config
