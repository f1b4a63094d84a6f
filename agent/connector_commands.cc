// trustctl connector ...: per-connector explicit trust and identity.
#include <filesystem>
#include <iostream>
#include <memory>
#include <optional>

#include <CLI/CLI.hpp>

#include "agent/cli_context.h"
#include "agent/commands.h"
#include "agent/connector_view.h"
#include "agent/table.h"
#include "truststore/certificate_status.h"
#include "truststore/connector_runtime.h"
#include "truststore/library.h"
#include "truststore/runtime_model.h"
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
  std::string revocation;            // "" = leave as it is (create: soft)
  std::string runtime;               // "" = leave as it is (create: trustctl)
  std::optional<std::string> proxy;  // unset = leave as it is (create: the environment)
  std::optional<std::string> proxy_credentials_file;
  bool allow_unusable_trust = false;
};

// Checks what create/edit were given before the store is touched: a bad value is one line and
// exit code 2, and nothing is written.
Result<void> checkSettings(ConnectorArgs& a) {
  if (!a.runtime.empty() && !truststore::runtimeFromName(a.runtime)) {
    return fail(ErrorCode::InvalidArgument, "--runtime " + a.runtime +
                                                ": not a runtime trustctl models; use one of " +
                                                truststore::runtimeNameList());
  }
  if (a.proxy) {
    if (auto ok = truststore::checkProxySetting(*a.proxy); !ok) {
      return fail(ErrorCode::InvalidArgument, "--proxy: " + ok.error().message);
    }
  }
  if (a.proxy_credentials_file && !a.proxy_credentials_file->empty()) {
    std::error_code ec;
    auto absolute = std::filesystem::absolute(*a.proxy_credentials_file, ec);
    if (ec || !std::filesystem::is_regular_file(absolute, ec)) {
      return fail(ErrorCode::FileNotFound,
                  "--proxy-credentials-file " + *a.proxy_credentials_file +
                      ": no such file; give the file holding user:password on its first line");
    }
    // The agent reads it later from another working directory.
    a.proxy_credentials_file = absolute.lexically_normal().string();
  }
  return {};
}

// Applies --runtime, --proxy and --proxy-credentials-file when they were given.
Result<void> applySettings(truststore::Transaction& tx, const ConnectorArgs& a) {
  if (!a.runtime.empty()) {
    if (auto r = truststore::setRuntime(tx, a.name, *truststore::runtimeFromName(a.runtime)); !r) {
      return r;
    }
  }
  if (!a.proxy && !a.proxy_credentials_file) {
    return {};
  }
  const truststore::Connector* c = tx.state().findConnector(a.name);
  if (c == nullptr) {
    return tl::unexpected(truststore::connectorNotFoundError(a.name));
  }
  return truststore::setProxy(tx, a.name, a.proxy.value_or(c->proxy),
                              a.proxy_credentials_file.value_or(c->proxy_credentials_file));
}

// `connector trust` refuses an entry none of whose certificates the connector's runtime can
// anchor at (an intermediate for Python, a pin for libldap): attached, it would look trusted
// and the runtime would still fail.
Result<void> checkUsableTrust(truststore::Transaction& tx, const ConnectorArgs& a) {
  const truststore::Connector* c = tx.state().findConnector(a.name);
  if (c == nullptr || a.allow_unusable_trust) {
    return {};
  }
  const truststore::RuntimeModel& model = truststore::runtimeModel(c->runtime);
  for (const auto& entry_name : a.entries) {
    const truststore::Entry* e = tx.state().findEntry(entry_name);
    if (e == nullptr) {
      continue;  // attachTrust names it
    }
    std::string why;
    bool usable = false;
    for (const auto& sha : e->certificates) {
      auto cert = tx.certificate(sha);
      if (!cert) {
        return tl::unexpected(cert.error());
      }
      std::string reason = truststore::whyRuntimeCannotAnchor(model, **cert);
      usable = usable || reason.empty();
      why = why.empty() ? reason : why;
    }
    if (!usable && !why.empty()) {
      return fail(ErrorCode::UnusableTrustRefused,
                  "connector " + a.name + " (runtime " + std::string(model.name) +
                      ") cannot use entry '" + entry_name + "': " + why +
                      "; trust the root CA instead, or add --allow-unusable-trust to attach it "
                      "anyway");
    }
  }
  return {};
}

const std::vector<std::string> kRevocationModes{"off", "soft", "hard"};

// Applies `--revocation MODE` when it was given; CLI11 already checked the name.
Result<void> applyRevocation(truststore::Transaction& tx, const std::string& name,
                             const std::string& mode) {
  if (mode.empty()) {
    return {};
  }
  return truststore::setRevocationMode(tx, name, *truststore::revocationModeFromName(mode));
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

void addSettingOptions(CLI::App* cmd, ConnectorArgs& a) {
  cmd->add_option("--runtime", a.runtime,
                  "How the connector verifies servers: " + truststore::runtimeNameList() +
                      " (default trustctl)");
  cmd->add_option("--proxy", a.proxy,
                  "HTTPS proxy URL without credentials (http:// or https://), or none to go "
                  "direct (default: the environment's https_proxy)");
  cmd->add_option("--proxy-credentials-file", a.proxy_credentials_file,
                  "File holding the proxy's user:password (only its path is stored); \"\" clears");
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
      "  curl --cacert \"$(trustctl connector path erp-api)\" --capath /dev/null "
      "https://erp.example.com/");
  auto a = std::make_shared<ConnectorArgs>();

  CLI::App* create = group->add_subcommand("create", "Create a connector that trusts nothing yet");
  create->add_option("name", a->name, "Connector name")->required();
  create->add_option("--env", a->environment, "Environment tag, e.g. test or prod");
  create->add_option("--note", a->note, "Free text");
  create
      ->add_option("--revocation", a->revocation,
                   "off, soft (default: unknown revocation is a warning) or hard (it fails)")
      ->check(CLI::IsMember(kRevocationModes));
  addSettingOptions(create, *a);
  create->footer(
      "Examples:\n  trustctl connector create ad-sync --env prod --revocation hard\n"
      "  trustctl connector create billing --runtime python --proxy http://proxy.corp:3128");
  create->callback([&ctx, a] {
    if (auto ok = checkSettings(*a); !ok) {
      ctx.fail(ok.error());
      return;
    }
    change(
        ctx, "Created connector " + a->name + " (trusts nothing yet)",
        [&](truststore::Transaction& tx) {
          auto r = truststore::createConnector(tx, a->name, a->environment, a->note);
          r = r ? applyRevocation(tx, a->name, a->revocation) : r;
          return r ? applySettings(tx, *a) : r;
        },
        a->name);
  });

  CLI::App* list = group->add_subcommand("list", "Table of connectors");
  list->footer("Example:\n  trustctl connector list --json");
  list->callback([&ctx] { runConnectorList(ctx); });

  CLI::App* show = group->add_subcommand("show", "A connector's trust, identity and runtime files");
  show->add_option("name", a->name, "Connector name")->required();
  show->footer("Example:\n  trustctl connector show ad-sync");
  show->callback([&ctx, a] { runConnectorShow(ctx, a->name); });

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
      "edit", "Change a connector's note, environment, revocation mode, runtime or proxy");
  edit->add_option("name", a->name, "Connector name")->required();
  auto note = std::make_shared<std::optional<std::string>>();
  auto env = std::make_shared<std::optional<std::string>>();
  edit->add_option("--note", *note, "New note");
  edit->add_option("--env", *env, "New environment tag");
  edit->add_option("--revocation", a->revocation, "Revocation checking: off, soft or hard")
      ->check(CLI::IsMember(kRevocationModes));
  addSettingOptions(edit, *a);
  edit->footer(
      "Examples:\n  trustctl connector edit ad-sync --env test\n"
      "  trustctl connector edit billing --runtime java --proxy none");
  edit->callback([&ctx, a, note, env] {
    if (auto ok = checkSettings(*a); !ok) {
      ctx.fail(ok.error());
      return;
    }
    change(
        ctx, "Updated connector " + a->name,
        [&](truststore::Transaction& tx) {
          auto r = truststore::editConnector(tx, a->name, *note, *env);
          r = r ? applyRevocation(tx, a->name, a->revocation) : r;
          return r ? applySettings(tx, *a) : r;
        },
        a->name);
  });

  CLI::App* trust =
      group->add_subcommand("trust", "Trust library entries (root, intermediate or server)");
  trust->add_option("name", a->name, "Connector name")->required();
  trust->add_option("entries", a->entries, "Entry names")->required();
  trust->footer(
      "A root CA is the right choice; an intermediate works; a server certificate is a\n"
      "fallback that breaks at every renewal. An entry the connector's runtime cannot\n"
      "anchor at (an intermediate for openssl, python or node; a server certificate for\n"
      "libldap) is refused with the reason (exit 2) unless --allow-unusable-trust.\n\nExample:\n"
      "  trustctl connector trust ad-sync corp-root");
  trust->add_flag("--allow-unusable-trust", a->allow_unusable_trust,
                  "Attach even an entry the connector's runtime cannot use as an anchor");
  trust->callback([&ctx, a] {
    change(
        ctx, a->name + " now trusts the given entries",
        [&](truststore::Transaction& tx) {
          auto r = checkUsableTrust(tx, *a);
          return r ? truststore::attachTrust(tx, a->name, a->entries) : r;
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
      "Examples:\n  curl --cacert \"$(trustctl connector path api)\" --capath /dev/null "
      "https://api.example/\n"
      "  LDAPTLS_CACERT=$(trustctl connector path ad) ldapsearch -H ldaps://dc1 ...");
  path->callback([&ctx, a, which] { runPath(ctx, a->name, *which); });
}

}  // namespace trustctl::agent
