// makePlan: the plan worked out step by step on a copy of the store state, so that every step
// finds what it needs (apply_plan.h). The execution is plan_apply.cc, the output plan_render.cc.
#include "config/apply_plan.h"

#include <algorithm>
#include <map>
#include <set>

#include "truststore/library.h"

namespace trustctl::config {

namespace {

using truststore::StoreState;

struct Content {
  std::vector<std::string> certificates;
  std::string key_id;
};

Content contentOf(const EntrySpec& e) {
  Content c;
  for (const auto& cert : e.material.certificates) {
    c.certificates.push_back(cert->sha256());
  }
  c.key_id = e.material.key ? e.material.key->spkiSha256() : "";
  return c;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string describe(const truststore::ImportedMaterial& m) {
  if (m.certificates.empty()) {
    return "no certificate";
  }
  const auto& i = m.certificates[0]->info();
  std::string name = i.subject_cn.empty() ? i.subject : i.subject_cn;
  std::string text = "'" + name + "' sha256 " + truststore::shortFingerprint(i.sha256);
  if (m.certificates.size() > 1) {
    text += " + " + std::to_string(m.certificates.size() - 1) + " more";
  }
  return m.key ? text + ", with private key" : text;
}

Error located(const Location& where, const std::string& what) {
  return {ErrorCode::ConfigInvalid, where.str() + ": " + what};
}

class Planner {
 public:
  Planner(const ConfigFile& config, const StoreState& state, const PlanOptions& options)
      : config_(config), sim_(state), options_(options) {}

  Result<Plan> run() {
    choosePrunable();
    if (auto r = checkNotEmptied(); !r) {
      return tl::unexpected(r.error());
    }
    for (const auto& name : removed_connectors_) {
      ConnectorChange gone;
      gone.name = name;
      gone.remove = true;
      plan_.connectors_removed.push_back(std::move(gone));
      sim_.connectors.erase(name);
    }
    planRenames();
    if (auto r = planContent(); !r) {
      return tl::unexpected(r.error());
    }
    planEdits();
    planConnectors();
    for (const auto& name : prunable_) {
      plan_.entries_removed.push_back(
          {name, EntryChange::Action::Remove, "not in the file, --prune", ""});
    }
    return plan_;
  }

 private:
  // With prune: what the file names neither as an entry nor in a declared connector.
  void choosePrunable() {
    if (!options_.prune) {
      return;
    }
    std::set<std::string> named;
    for (const auto& c : config_.connectors) {
      named.insert(c.trust.begin(), c.trust.end());
      named.insert(c.identity);
    }
    // Server certificates (server_cert_plan.h prunes them with their entry) and the built-in
    // CAs' certificates, every issuing generation included, are not the file's entries.
    for (const auto& [name, server] : sim_.server_certs) {
      named.insert(server.entry);
    }
    for (const auto& [name, entry] : sim_.entries) {
      for (const auto& [ca_name, ca] : sim_.cas) {
        if (name == ca.root_entry || name.rfind(ca_name + "-issuing", 0) == 0) {
          named.insert(name);
        }
      }
    }
    for (const auto& [name, entry] : sim_.entries) {
      if (!config_.findEntry(name) && !named.count(name)) {
        prunable_.insert(name);
      }
    }
    std::set<std::string> declared;
    for (const auto& c : config_.connectors) {
      declared.insert(c.name);
    }
    for (const auto& [name, connector] : sim_.connectors) {
      if (!declared.count(name)) {
        removed_connectors_.push_back(name);
      }
    }
  }

  Result<void> checkNotEmptied() const {
    bool declares_nothing =
        config_.entries.empty() && config_.connectors.empty() && config_.server_certs.empty();
    if (!options_.prune || options_.allow_empty || !declares_nothing ||
        (prunable_.empty() && removed_connectors_.empty())) {
      return {};
    }
    return fail(ErrorCode::PruneWouldEmpty,
                config_.path + ": declares no entries and no connectors, so --prune would remove " +
                    std::to_string(prunable_.size()) + " entries and " +
                    std::to_string(removed_connectors_.size()) +
                    " connectors, the whole store; if that is meant, add --allow-empty");
  }

  // An entry the file declares under a new name whose certificates a pruned entry holds is
  // that entry renamed: connectors follow it, nothing is re-imported.
  void planRenames() {
    for (const auto& e : config_.entries) {
      if (sim_.findEntry(e.name)) {
        continue;
      }
      Content c = contentOf(e);
      auto holder = sim_.entryWithSameContent(c.certificates, c.key_id);
      if (!holder || !prunable_.count(*holder)) {
        continue;
      }
      plan_.entries.push_back(
          {e.name, EntryChange::Action::Rename, "same certificates; connectors follow", *holder});
      renamed_[*holder] = e.name;
      prunable_.erase(*holder);
      simRename(*holder, e.name);
    }
  }

  // Replacements and additions, each once the certificates it takes are free: a pruned entry
  // holding them goes first; an entry the plan keeps holding them is an error.
  Result<void> planContent() {
    std::vector<const EntrySpec*> pending;
    for (const auto& e : config_.entries) {
      const truststore::Entry* have = sim_.findEntry(e.name);
      Content c = contentOf(e);
      if (!have || have->certificates != c.certificates || have->key_id != c.key_id) {
        pending.push_back(&e);
      }
    }
    for (bool progress = true; progress && !pending.empty();) {
      progress = false;
      for (auto it = pending.begin(); it != pending.end();) {
        if (placeable(**it)) {
          if (auto r = place(**it); !r) {
            return r;
          }
          it = pending.erase(it);
          progress = true;
        } else {
          ++it;
        }
      }
    }
    if (!pending.empty()) {
      const EntrySpec& e = *pending.front();
      Content c = contentOf(e);
      std::string holder = *sim_.entryWithSameContent(c.certificates, c.key_id);
      bool in_file = config_.findEntry(holder) != nullptr;
      return tl::unexpected(located(
          e.file_where,
          "entries." + e.name + ".file: '" + e.file + "' holds the same certificates as " +
              (in_file ? "entry '" + holder + "' of this file; give each certificate one entry"
                       : "library entry '" + holder + "'; name that entry instead, or rename it (" +
                             "trustctl rename " + holder + " " + e.name + ")" +
                             (options_.prune ? "" : ", or apply with --prune"))));
    }
    return {};
  }

  bool placeable(const EntrySpec& e) {
    Content c = contentOf(e);
    auto holder = sim_.entryWithSameContent(c.certificates, c.key_id);
    if (!holder || *holder == e.name) {
      return true;
    }
    if (!prunable_.count(*holder)) {
      return false;
    }
    plan_.entries.push_back(
        {*holder, EntryChange::Action::Remove,
         "not in the file, --prune; removed first, '" + e.name + "' takes its certificates", ""});
    prunable_.erase(*holder);
    simRemove(*holder);
    return true;
  }

  Result<void> place(const EntrySpec& e) {
    Content c = contentOf(e);
    truststore::Entry* have = mutableEntry(e.name);
    if (!have) {
      plan_.entries.push_back({e.name, EntryChange::Action::Add, describe(e.material), ""});
      truststore::Entry added;
      added.name = e.name;
      added.note = e.note;
      added.environment = e.environment;
      added.certificates = c.certificates;
      added.key_id = c.key_id;
      sim_.entries.emplace(e.name, std::move(added));
      return {};
    }
    if (c.key_id.empty()) {
      for (const auto& [cname, conn] : sim_.connectors) {
        if (conn.identity == e.name) {
          return tl::unexpected(
              located(e.file_where, "entries." + e.name + ".file: '" + e.file +
                                        "' holds no private key, but connector '" + cname +
                                        "' uses this entry as its identity; give it one with "
                                        "the key or point the connector at another identity"));
        }
      }
    }
    plan_.entries.push_back({e.name, EntryChange::Action::Replace, describe(e.material), ""});
    replaced_.insert(e.name);
    have->certificates = c.certificates;
    have->key_id = c.key_id;
    return {};
  }

  void planEdits() {
    for (const auto& e : config_.entries) {
      const truststore::Entry* have = sim_.findEntry(e.name);
      if (have && (have->note != e.note || have->environment != e.environment)) {
        plan_.entries.push_back({e.name, EntryChange::Action::Edit, "note or env", ""});
        truststore::Entry* m = mutableEntry(e.name);
        m->note = e.note;
        m->environment = e.environment;
      }
    }
  }

  void planConnectors() {
    for (const auto& spec : config_.connectors) {
      ConnectorChange c = diff(spec, sim_.findConnector(spec.name));
      if (!c.empty()) {
        plan_.connectors.push_back(std::move(c));
      }
    }
    // A connector this file no longer declares (kept: no prune) stops naming it.
    for (const auto& [name, conn] : sim_.connectors) {
      if (!conn.declared_by.empty() && conn.declared_by == config_.absolute_path &&
          !declares(name)) {
        ConnectorChange c;
        c.name = name;
        c.declared_by = "";
        plan_.connectors.push_back(std::move(c));
      }
    }
  }

  bool declares(const std::string& connector) const {
    for (const auto& c : config_.connectors) {
      if (c.name == connector) {
        return true;
      }
    }
    return false;
  }

  ConnectorChange diff(const ConnectorSpec& want, const truststore::Connector* have) const {
    ConnectorChange c;
    c.name = want.name;
    static const truststore::Connector kNone{};
    const truststore::Connector& h = have ? *have : kNone;
    c.create = have == nullptr;
    c.edit = !c.create && (h.environment != want.environment || h.note != want.note);
    for (const auto& e : want.trust) {
      if (!contains(h.trust, e)) {
        c.trust_added.push_back(e);
      }
    }
    for (const auto& e : h.trust) {
      if (!contains(want.trust, e)) {
        c.trust_detached.push_back(e);
      }
    }
    for (const auto& t : want.targets) {
      if (!contains(h.targets, t)) {
        c.targets_added.push_back(t);
      }
    }
    for (const auto& t : h.targets) {
      if (!contains(want.targets, t)) {
        c.targets_removed.push_back(t);
      }
    }
    if (h.identity != want.identity) {
      c.identity = want.identity;
    }
    for (const auto& e : want.trust) {
      if (replaced_.count(e) && contains(h.trust, e)) {
        c.trust_replaced.push_back(e);
      }
    }
    if (!want.identity.empty() && replaced_.count(want.identity) && h.identity == want.identity) {
      c.trust_replaced.push_back(want.identity);
    }
    for (const auto& [from, to] : renamed_) {
      if (have && (contains(h.trust, to) || h.identity == to) && original_users_.count(from) &&
          original_users_.at(from).count(want.name)) {
        c.trust_renamed.emplace_back(from, to);
      }
    }
    if (h.revocation != want.revocation) {
      c.revocation = want.revocation;
    }
    if (h.runtime != want.runtime) {
      c.runtime = want.runtime;
    }
    if (h.proxy != want.proxy || h.proxy_credentials_file != want.proxy_credentials_file) {
      c.proxy = std::make_pair(want.proxy, want.proxy_credentials_file);
    }
    if (h.declared_by != config_.absolute_path) {
      c.declared_by = config_.absolute_path;
    }
    c.runtime_regenerated = c.create || !c.trust_added.empty() || !c.trust_detached.empty() ||
                            c.identity.has_value() || !c.trust_replaced.empty() ||
                            !c.trust_renamed.empty();
    return c;
  }

  truststore::Entry* mutableEntry(const std::string& name) {
    auto it = sim_.entries.find(name);
    return it == sim_.entries.end() ? nullptr : &it->second;
  }

  // What renameEntry does to the state: the entry and every reference to it.
  void simRename(const std::string& from, const std::string& to) {
    auto& users = original_users_[from];
    for (const auto& u : sim_.whereUsed(from)) {
      users.insert(u);
    }
    truststore::Entry e = std::move(sim_.entries.at(from));
    sim_.entries.erase(from);
    e.name = to;
    sim_.entries.emplace(to, std::move(e));
    for (auto& [cname, c] : sim_.connectors) {
      std::replace(c.trust.begin(), c.trust.end(), from, to);
      if (c.identity == from) {
        c.identity = to;
      }
    }
  }

  // What removeEntry(force) does: the entry goes, connectors using it are detached.
  void simRemove(const std::string& name) {
    sim_.entries.erase(name);
    for (auto& [cname, c] : sim_.connectors) {
      c.trust.erase(std::remove(c.trust.begin(), c.trust.end(), name), c.trust.end());
      if (c.identity == name) {
        c.identity.clear();
      }
    }
  }

  const ConfigFile& config_;
  StoreState sim_;
  PlanOptions options_;
  Plan plan_;
  std::set<std::string> prunable_;
  std::vector<std::string> removed_connectors_;
  std::set<std::string> replaced_;
  std::map<std::string, std::string> renamed_;                   // old name -> new name
  std::map<std::string, std::set<std::string>> original_users_;  // of renamed entries
};

}  // namespace

Result<Plan> makePlan(const ConfigFile& config, const truststore::StoreState& state,
                      const PlanOptions& options) {
  return Planner(config, state, options).run();
}

}  // namespace trustctl::config
