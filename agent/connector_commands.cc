// trustctl connector ...: per-connector explicit trust and identity.
#include <iostream>
#include <memory>
#include <optional>

#include <CLI/CLI.hpp>

#include "agent/cli_context.h"
#include "agent/commands.h"
#include "agent/entry_view.h"
#include "agent/table.h"
#include "truststore/certificate_status.h"
#include "truststore/connector_runtime.h"
#include "truststore/library.h"
#include "truststore/target_url.h"

namespace trustctl::agent {

namespace {

struct ConnectorArgs {
  std::string name;
  std::string environment;
  std::string note;
  std::vector<std::string> entries;
  std::vector<std::string> add, remove;
  bool clear = false;
  std::string file;
  std::string revocation;  // "" = leave as it is (create: soft)
};

const std::vector<std::string> kRevocationModes{"off", "soft", "hard"};

// Applies `--revocation MODE` when it was given; CLI11 already checked the name.
Result<void> applyRevocation(truststore::Transaction& tx, const std::string& name,
                             const std::string& mode) {
  if (mode.empty()) {
    return {};
  }
  return truststore::setRevocationMode(tx, name, *truststore::revocationModeFromName(mode));
}

nlohmann::json connectorJson(const CliContext& ctx, const truststore::Store& store,
                             const truststore::StoreState& state, const truststore::Connector& c) {
  UnixTime now = wallClockNow();
  nlohmann::json trust = nlohmann::json::array();
  UnixTime earliest = 0;
  EntryStatus worst;
  auto consider = [&](const truststore::Entry& e) {
    EntryStatus s = entryStatus(state, e, now, ctx.expiringWindowSeconds());
    if (static_cast<int>(s.health) > static_cast<int>(worst.health)) {
      worst = {s.health, e.name + ": " + s.reason};
    }
    for (const auto& sha : e.certificates) {
      UnixTime t = state.certificates.at(sha).not_after;
      earliest = earliest == 0 ? t : std::min(earliest, t);
    }
  };
  for (const auto& name : c.trust) {
    if (const truststore::Entry* e = state.findEntry(name)) {
      trust.push_back(entryJson(state, *e, now, ctx.expiringWindowSeconds()));
      consider(*e);
    }
  }
  nlohmann::json identity = nullptr;
  if (const truststore::Entry* e = state.findEntry(c.identity)) {
    identity = entryJson(state, *e, now, ctx.expiringWindowSeconds());
    consider(*e);
  }
  std::string dir = store.connectorPath(c.name);
  return {{"name", c.name},
          {"environment", c.environment},
          {"note", c.note},
          {"trust", trust},
          {"identity", identity},
          {"targets", c.targets},
          {"revocation", truststore::revocationModeName(c.revocation)},
          {"status", truststore::certificateHealthName(worst.health)},
          {"status_reason", worst.reason},
          {"earliest_expiry",
           earliest == 0 ? nlohmann::json(nullptr) : nlohmann::json(formatRfc3339(earliest))},
          {"files",
           {{"dir", dir},
            {"ca_bundle", dir + "/" + truststore::kBundleFile},
            {"capath", dir + "/" + truststore::kCapathDir},
            {"java_truststore", dir + "/" + truststore::kJavaTruststoreFile},
            {"java_truststore_password", truststore::kJavaTruststorePassword},
            {"identity_certificate",
             c.identity.empty() ? nlohmann::json(nullptr)
                                : nlohmann::json(dir + "/" + truststore::kIdentityCertFile)},
            {"identity_key", c.identity.empty()
                                 ? nlohmann::json(nullptr)
                                 : nlohmann::json(dir + "/" + truststore::kIdentityKeyFile)},
            {"manifest", dir + "/" + truststore::kManifestFile}}}};
}

void change(CliContext& ctx, const std::string& text,
            const std::function<Result<void>(truststore::Transaction&)>& fn,
            const std::string& connector) {
  truststore::Store store = ctx.store();
  auto generation = store.update(ctx.updateOptions(), fn);
  if (!generation) {
    ctx.fail(generation.error());
    return;
  }
  if (ctx.options.json) {
    auto snapshot = store.load();
    const truststore::Connector* c = snapshot ? snapshot->state.findConnector(connector) : nullptr;
    ctx.printJson(c != nullptr ? connectorJson(ctx, store, snapshot->state, *c)
                               : nlohmann::json{{"connector", connector}, {"deleted", true}});
    return;
  }
  std::cout << text << "\n";
}

void runList(CliContext& ctx) {
  truststore::Store store = ctx.store();
  auto snapshot = store.load();
  if (!snapshot) {
    ctx.fail(snapshot.error());
    return;
  }
  nlohmann::json all = nlohmann::json::array();
  Table table({"CONNECTOR", "ENV", "TRUSTS", "IDENTITY", "TARGETS", "EARLIEST EXPIRY", "STATUS"});
  bool problem = false;
  for (const auto& [name, c] : snapshot->state.connectors) {
    nlohmann::json j = connectorJson(ctx, store, snapshot->state, c);
    problem = problem || (j["status"] != "ok" && j["status"] != "expiring");
    std::string trusts;
    for (const auto& t : c.trust) {
      trusts += (trusts.empty() ? "" : ",") + t;
    }
    table.addRow({name, c.environment.empty() ? "-" : c.environment,
                  trusts.empty() ? ctx.yellow("(nothing)") : trusts,
                  c.identity.empty() ? "-" : c.identity, std::to_string(c.targets.size()),
                  j["earliest_expiry"].is_null()
                      ? "-"
                      : j["earliest_expiry"].get<std::string>().substr(0, 10),
                  j["status"].get<std::string>()});
    all.push_back(std::move(j));
  }
  if (ctx.options.json) {
    ctx.printJson(all);
  } else if (table.empty()) {
    std::cout << "No connectors. Create one with 'trustctl connector create NAME'.\n";
  } else {
    table.print(std::cout);
  }
  ctx.exit_code = problem ? kExitProblem : kExitOk;
}

void runShow(CliContext& ctx, const std::string& name) {
  truststore::Store store = ctx.store();
  auto snapshot = store.load();
  if (!snapshot) {
    ctx.fail(snapshot.error());
    return;
  }
  const truststore::Connector* c = snapshot->state.findConnector(name);
  if (c == nullptr) {
    ctx.fail(truststore::connectorNotFoundError(name));
    return;
  }
  nlohmann::json j = connectorJson(ctx, store, snapshot->state, *c);
  ctx.exit_code = (j["status"] != "ok" && j["status"] != "expiring") ? kExitProblem : kExitOk;
  if (ctx.options.json) {
    ctx.printJson(j);
    return;
  }
  std::cout << ctx.bold(name) << "  environment " << (c->environment.empty() ? "-" : c->environment)
            << "\n  status    " << j["status"].get<std::string>()
            << (j["status_reason"].get<std::string>().empty()
                    ? ""
                    : " (" + j["status_reason"].get<std::string>() + ")")
            << "\n";
  if (c->trust.empty()) {
    std::cout << ctx.yellow("  trusts    nothing: every TLS connection will fail verification")
              << "\n";
  }
  Table table({"  TRUSTS", "KIND", "SUBJECT CN", "EXPIRES ON", "STATUS"});
  for (const auto& e : j["trust"]) {
    table.addRow({"  " + e["name"].get<std::string>(), e["kind"], e["subject_cn"],
                  e["expires_on"].get<std::string>().substr(0, 10), e["status"]});
  }
  if (!table.empty()) {
    table.print(std::cout);
  }
  std::cout << "  identity  " << (c->identity.empty() ? "-" : c->identity) << "\n";
  std::cout << "  revocation " << truststore::revocationModeName(c->revocation) << "\n";
  for (const auto& t : c->targets) {
    std::cout << "  target    " << t << "\n";
  }
  std::cout << "  files\n";
  for (const auto& [key, value] : j["files"].items()) {
    if (!value.is_null()) {
      std::cout << "    " << key << std::string(26 - std::min<size_t>(key.size(), 25), ' ')
                << value.get<std::string>() << "\n";
    }
  }
}

void runPath(CliContext& ctx, const std::string& name, const std::string& file) {
  auto snapshot = ctx.store().load();
  if (!snapshot) {
    ctx.fail(snapshot.error());
    return;
  }
  if (snapshot->state.findConnector(name) == nullptr) {
    ctx.fail(truststore::connectorNotFoundError(name));
    return;
  }
  static const std::map<std::string, const char*> kFiles{
      {"dir", ""},
      {"bundle", truststore::kBundleFile},
      {"capath", truststore::kCapathDir},
      {"java", truststore::kJavaTruststoreFile},
      {"identity-cert", truststore::kIdentityCertFile},
      {"identity-key", truststore::kIdentityKeyFile},
      {"manifest", truststore::kManifestFile}};
  std::string dir = ctx.store().connectorPath(name);
  std::string leaf = kFiles.at(file);
  std::cout << (leaf.empty() ? dir : dir + "/" + leaf) << "\n";
}

}  // namespace

void addConnectorCommands(CLI::App& app, CliContext& ctx) {
  CLI::App* group = app.add_subcommand("connector", "Connectors and their explicit trust");
  group->require_subcommand(1);
  group->footer(
      "Nothing is trusted by default; the system CA bundle is never used.\n\nExamples:\n"
      "  trustctl connector create erp-api --env prod\n"
      "  trustctl connector trust erp-api corp-root\n"
      "  trustctl connector identity erp-api erp-client\n"
      "  trustctl connector show erp-api\n"
      "  curl --cacert \"$(trustctl connector path erp-api)\" https://erp.example.com/");
  auto a = std::make_shared<ConnectorArgs>();

  CLI::App* create = group->add_subcommand("create", "Create a connector that trusts nothing yet");
  create->add_option("name", a->name, "Connector name")->required();
  create->add_option("--env", a->environment, "Environment tag, e.g. test or prod");
  create->add_option("--note", a->note, "Free text");
  create
      ->add_option("--revocation", a->revocation,
                   "off, soft (default: unknown revocation is a warning) or hard (it fails)")
      ->check(CLI::IsMember(kRevocationModes));
  create->footer("Example:\n  trustctl connector create ad-sync --env prod --revocation hard");
  create->callback([&ctx, a] {
    change(
        ctx, "Created connector " + a->name + " (trusts nothing yet)",
        [&](truststore::Transaction& tx) {
          auto r = truststore::createConnector(tx, a->name, a->environment, a->note);
          return r ? applyRevocation(tx, a->name, a->revocation) : r;
        },
        a->name);
  });

  CLI::App* list = group->add_subcommand("list", "Table of connectors");
  list->footer("Example:\n  trustctl connector list --json");
  list->callback([&ctx] { runList(ctx); });

  CLI::App* show = group->add_subcommand("show", "A connector's trust, identity and runtime files");
  show->add_option("name", a->name, "Connector name")->required();
  show->footer("Example:\n  trustctl connector show ad-sync");
  show->callback([&ctx, a] { runShow(ctx, a->name); });

  CLI::App* del = group->add_subcommand("delete", "Delete a connector (library entries stay)");
  del->add_option("name", a->name, "Connector name")->required();
  del->footer("Example:\n  trustctl connector delete old-api");
  del->callback([&ctx, a] {
    change(
        ctx, "Deleted connector " + a->name,
        [&](truststore::Transaction& tx) { return truststore::deleteConnector(tx, a->name); },
        a->name);
  });

  CLI::App* edit = group->add_subcommand(
      "edit", "Change a connector's note, environment tag or revocation mode");
  edit->add_option("name", a->name, "Connector name")->required();
  auto note = std::make_shared<std::optional<std::string>>();
  auto env = std::make_shared<std::optional<std::string>>();
  edit->add_option("--note", *note, "New note");
  edit->add_option("--env", *env, "New environment tag");
  edit->add_option("--revocation", a->revocation, "Revocation checking: off, soft or hard")
      ->check(CLI::IsMember(kRevocationModes));
  edit->footer("Example:\n  trustctl connector edit ad-sync --env test");
  edit->callback([&ctx, a, note, env] {
    change(
        ctx, "Updated connector " + a->name,
        [&](truststore::Transaction& tx) {
          auto r = truststore::editConnector(tx, a->name, *note, *env);
          return r ? applyRevocation(tx, a->name, a->revocation) : r;
        },
        a->name);
  });

  CLI::App* trust =
      group->add_subcommand("trust", "Trust library entries (root, intermediate or server)");
  trust->add_option("name", a->name, "Connector name")->required();
  trust->add_option("entries", a->entries, "Entry names")->required();
  trust->footer(
      "A root CA is the right choice; an intermediate works; a server certificate is a\n"
      "fallback that breaks at every renewal.\n\nExample:\n"
      "  trustctl connector trust ad-sync corp-root");
  trust->callback([&ctx, a] {
    change(
        ctx, a->name + " now trusts the given entries",
        [&](truststore::Transaction& tx) {
          return truststore::attachTrust(tx, a->name, a->entries);
        },
        a->name);
  });

  CLI::App* untrust = group->add_subcommand("untrust", "Stop trusting library entries");
  untrust->add_option("name", a->name, "Connector name")->required();
  untrust->add_option("entries", a->entries, "Entry names")->required();
  untrust->footer("Example:\n  trustctl connector untrust ad-sync old-root");
  untrust->callback([&ctx, a] {
    change(
        ctx, a->name + " no longer trusts the given entries",
        [&](truststore::Transaction& tx) {
          return truststore::detachTrust(tx, a->name, a->entries);
        },
        a->name);
  });

  CLI::App* identity = group->add_subcommand("identity", "Set or clear the client identity (mTLS)");
  identity->add_option("name", a->name, "Connector name")->required();
  identity->add_option("entry", a->file, "Identity entry");
  identity->add_flag("--clear", a->clear, "Remove the identity");
  identity->footer(
      "Examples:\n  trustctl connector identity erp-api erp-client\n"
      "  trustctl connector identity erp-api --clear");
  identity->callback([&ctx, a] {
    if (a->file.empty() && !a->clear) {
      ctx.fail({ErrorCode::Usage, "connector identity needs an entry name or --clear"});
      return;
    }
    change(
        ctx, a->clear ? a->name + " has no identity now" : a->name + " uses identity " + a->file,
        [&](truststore::Transaction& tx) {
          return truststore::setIdentity(tx, a->name, a->clear ? "" : a->file);
        },
        a->name);
  });

  CLI::App* target = group->add_subcommand("target", "Add or remove the URLs a connector talks to");
  target->add_option("name", a->name, "Connector name")->required();
  target->add_option("--add", a->add, "URL to add (https://, ldaps://, ldap://)");
  target->add_option("--remove", a->remove, "URL to remove");
  target->footer(
      "Example:\n  trustctl connector target ad-sync --add ldaps://dc1.corp.example:636");
  target->callback([&ctx, a] {
    for (const auto& url : a->add) {
      if (auto parsed = truststore::parseTarget(url); !parsed) {
        ctx.fail(parsed.error());
        return;
      }
    }
    change(
        ctx, "Targets of " + a->name + " updated",
        [&](truststore::Transaction& tx) {
          return truststore::setTargets(tx, a->name, a->add, a->remove);
        },
        a->name);
  });

  auto which = std::make_shared<std::string>("bundle");
  CLI::App* path = group->add_subcommand("path", "Print the path of a connector runtime file");
  path->add_option("name", a->name, "Connector name")->required();
  path->add_option("--file", *which, "Which file")
      ->check(CLI::IsMember(
          {"dir", "bundle", "capath", "java", "identity-cert", "identity-key", "manifest"}));
  path->footer(
      "Examples:\n  curl --cacert \"$(trustctl connector path api)\" https://api.example/\n"
      "  LDAPTLS_CACERT=$(trustctl connector path ad) ldapsearch -H ldaps://dc1 ...");
  path->callback([&ctx, a, which] { runPath(ctx, a->name, *which); });
}

}  // namespace trustctl::agent
