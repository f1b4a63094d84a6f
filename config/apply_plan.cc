#include "config/apply_plan.h"

#include <algorithm>
#include <set>

#include "truststore/library.h"

namespace trustctl::config {

namespace {

std::vector<std::string> shasOf(const truststore::ImportedMaterial& m) {
  std::vector<std::string> out;
  for (const auto& c : m.certificates)
    out.push_back(c->sha256());
  return out;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string describe(const truststore::ImportedMaterial& m) {
  if (m.certificates.empty())
    return "no certificate";
  const auto& i = m.certificates[0]->info();
  std::string name = i.subject_cn.empty() ? i.subject : i.subject_cn;
  std::string text = "'" + name + "' sha256 " + truststore::shortFingerprint(i.sha256);
  if (m.certificates.size() > 1)
    text += " + " + std::to_string(m.certificates.size() - 1) + " more";
  return m.key ? text + ", with private key" : text;
}

ConnectorChange diffConnector(const ConnectorSpec& want, const truststore::Connector* have,
                              const std::set<std::string>& replaced_entries) {
  ConnectorChange c;
  c.name = want.name;
  static const truststore::Connector kNone{};
  const truststore::Connector& h = have ? *have : kNone;
  c.create = have == nullptr;
  c.edit = !c.create && (h.environment != want.environment || h.note != want.note);
  for (const auto& e : want.trust) {
    if (!contains(h.trust, e))
      c.trust_added.push_back(e);
  }
  for (const auto& e : h.trust) {
    if (!contains(want.trust, e))
      c.trust_detached.push_back(e);
  }
  for (const auto& t : want.targets) {
    if (!contains(h.targets, t))
      c.targets_added.push_back(t);
  }
  for (const auto& t : h.targets) {
    if (!contains(want.targets, t))
      c.targets_removed.push_back(t);
  }
  if (h.identity != want.identity)
    c.identity = want.identity;
  for (const auto& e : want.trust) {
    if (replaced_entries.count(e) && contains(h.trust, e))
      c.trust_replaced.push_back(e);
  }
  if (!want.identity.empty() && replaced_entries.count(want.identity) &&
      h.identity == want.identity)
    c.trust_replaced.push_back(want.identity);
  bool content_replaced = !c.trust_replaced.empty();
  c.runtime_regenerated = c.create || !c.trust_added.empty() || !c.trust_detached.empty() ||
                          c.identity.has_value() || content_replaced;
  return c;
}

Error located(const Location& where, const Error& e) {
  return {e.code, where.str() + ": " + e.message};
}

}  // namespace

bool ConnectorChange::empty() const {
  return !create && !remove && !edit && trust_added.empty() && trust_detached.empty() &&
         targets_added.empty() && targets_removed.empty() && !identity && !runtime_regenerated;
}

std::vector<std::string> Plan::reloaded() const {
  std::vector<std::string> out;
  for (const auto& c : connectors) {
    if (c.runtime_regenerated && !c.remove)
      out.push_back(c.name);
  }
  return out;
}

Plan makePlan(const ConfigFile& config, const truststore::StoreState& state, bool prune) {
  Plan plan;
  std::set<std::string> replaced;
  for (const auto& e : config.entries) {
    const truststore::Entry* have = state.findEntry(e.name);
    std::string key_id = e.material.key ? e.material.key->spkiSha256() : "";
    if (!have) {
      plan.entries.push_back({e.name, EntryChange::Action::Add, describe(e.material)});
    } else if (have->certificates != shasOf(e.material) || have->key_id != key_id) {
      plan.entries.push_back({e.name, EntryChange::Action::Replace, describe(e.material)});
      replaced.insert(e.name);
    } else if (have->note != e.note || have->environment != e.environment) {
      plan.entries.push_back({e.name, EntryChange::Action::Edit, "note or env"});
    }
  }
  std::set<std::string> declared_connectors;
  for (const auto& c : config.connectors) {
    declared_connectors.insert(c.name);
    ConnectorChange change = diffConnector(c, state.findConnector(c.name), replaced);
    if (!change.empty())
      plan.connectors.push_back(std::move(change));
  }
  if (prune) {
    for (const auto& [name, connector] : state.connectors) {
      if (!declared_connectors.count(name)) {
        ConnectorChange gone;
        gone.name = name;
        gone.remove = true;
        plan.connectors.push_back(std::move(gone));
      }
    }
    for (const auto& [name, entry] : state.entries) {
      if (!config.findEntry(name)) {
        plan.entries.push_back({name, EntryChange::Action::Remove, "not in the file (--prune)"});
      }
    }
  }
  return plan;
}

Result<void> applyPlan(truststore::Transaction& tx, const ConfigFile& config, const Plan& plan) {
  for (const auto& change : plan.connectors) {
    if (change.remove) {
      if (auto r = truststore::deleteConnector(tx, change.name); !r)
        return r;
    }
  }
  for (const auto& change : plan.entries) {
    const EntrySpec* e = config.findEntry(change.name);
    if (change.action == EntryChange::Action::Remove) {
      if (auto r = truststore::removeEntry(tx, change.name, true); !r)
        return r;
      continue;
    }
    truststore::ImportRequest request{e->name, e->material,    e->file,
                                      e->note, e->environment, e->identity};
    Result<void> r = change.action == EntryChange::Action::Add
                         ? truststore::importEntry(tx, request)
                     : change.action == EntryChange::Action::Replace
                         ? truststore::replaceEntry(tx, request)
                         : truststore::editEntry(tx, e->name, e->note, e->environment);
    if (!r)
      return tl::unexpected(located(e->where, r.error()));
  }
  for (const auto& change : plan.connectors) {
    if (change.remove)
      continue;
    const ConnectorSpec* spec = nullptr;
    for (const auto& c : config.connectors) {
      if (c.name == change.name)
        spec = &c;
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
    if (r && !change.trust_detached.empty())
      r = step(truststore::detachTrust(tx, spec->name, change.trust_detached));
    if (r && !change.trust_added.empty())
      r = step(truststore::attachTrust(tx, spec->name, change.trust_added));
    if (r && change.identity)
      r = step(truststore::setIdentity(tx, spec->name, *change.identity));
    if (r && (!change.targets_added.empty() || !change.targets_removed.empty())) {
      r = step(
          truststore::setTargets(tx, spec->name, change.targets_added, change.targets_removed));
    }
    if (!r)
      return r;
  }
  return {};
}

std::string renderPlan(const Plan& plan) {
  std::string out;
  for (const auto& e : plan.entries) {
    const char* sign = e.action == EntryChange::Action::Add      ? "+"
                       : e.action == EntryChange::Action::Remove ? "-"
                                                                 : "~";
    const char* verb = e.action == EntryChange::Action::Add       ? "add"
                       : e.action == EntryChange::Action::Replace ? "replace content of"
                       : e.action == EntryChange::Action::Edit    ? "update"
                                                                  : "remove";
    out += std::string("  ") + sign + " " + verb + " entry " + e.name + " (" + e.detail + ")\n";
  }
  for (const auto& c : plan.connectors) {
    if (c.remove) {
      out += "  - remove connector " + c.name + " (not in the file, --prune)\n";
      continue;
    }
    out += std::string("  ") + (c.create ? "+ create" : "~ update") + " connector " + c.name + "\n";
    if (c.edit)
      out += "      ~ env / note\n";
    for (const auto& t : c.trust_added)
      out += "      + trust " + t + "\n";
    for (const auto& t : c.trust_detached)
      out += "      - trust " + t + "\n";
    for (const auto& t : c.trust_replaced)
      out += "      ~ " + t + " (content replaced)\n";
    if (c.identity)
      out +=
          "      ~ identity -> " + (c.identity->empty() ? std::string("none") : *c.identity) + "\n";
    for (const auto& t : c.targets_added)
      out += "      + target " + t + "\n";
    for (const auto& t : c.targets_removed)
      out += "      - target " + t + "\n";
    if (c.runtime_regenerated) {
      out +=
          "      runtime files regenerated: ca-bundle.pem, capath/, truststore.p12, anchors.der, "
          "manifest.json" +
          std::string(c.identity ? ", identity.pem, identity.key" : "") + "\n";
    }
  }
  return out;
}

nlohmann::json planJson(const Plan& plan) {
  nlohmann::json entries = nlohmann::json::array();
  for (const auto& e : plan.entries) {
    const char* action = e.action == EntryChange::Action::Add       ? "add"
                         : e.action == EntryChange::Action::Replace ? "replace"
                         : e.action == EntryChange::Action::Edit    ? "edit"
                                                                    : "remove";
    entries.push_back({{"name", e.name}, {"action", action}, {"detail", e.detail}});
  }
  nlohmann::json connectors = nlohmann::json::array();
  for (const auto& c : plan.connectors) {
    connectors.push_back(
        {{"name", c.name},
         {"action", c.remove   ? "remove"
                    : c.create ? "create"
                               : "update"},
         {"trust_added", c.trust_added},
         {"trust_detached", c.trust_detached},
         {"trust_replaced", c.trust_replaced},
         {"targets_added", c.targets_added},
         {"targets_removed", c.targets_removed},
         {"identity", c.identity ? nlohmann::json(*c.identity) : nlohmann::json(nullptr)},
         {"runtime_regenerated", c.runtime_regenerated}});
  }
  return {{"entries", entries}, {"connectors", connectors}};
}

}  // namespace trustctl::config
