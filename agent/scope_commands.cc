// trustctl scope: create, list, show and remove the scopes of a store (truststore/scope.h).
// Paths are absolute ("vendor/customer-a") whatever --scope says: a scope is made or removed
// from the tree, not from inside another scope.
#include <iostream>
#include <memory>
#include <optional>

#include <CLI/CLI.hpp>

#include "agent/ca_support.h"
#include "agent/cli_context.h"
#include "agent/commands.h"
#include "agent/table.h"
#include "truststore/ca_key_file.h"
#include "truststore/scope.h"
#include "truststore/secret_wipe.h"
#include "truststore/signing_chain.h"

namespace trustctl::agent {

namespace {

namespace ts = truststore;

nlohmann::json scopeJson(const ts::StoreState& tree, const std::string& path,
                         const ts::StoreState& s) {
  nlohmann::json children = nlohmann::json::array();
  for (const auto& [p, child] : tree.scopes) {
    if (ts::parentScope(p) == path && !p.empty()) {
      children.push_back(p);
    }
  }
  nlohmann::json refs = nlohmann::json::array();
  for (const auto& [name, c] : s.connectors) {
    for (const auto& t : c.trust) {
      if (ts::parseEntryRef(t)) {
        refs.push_back({{"connector", name}, {"entry", t}, {"as", "trust"}});
      }
    }
    if (ts::parseEntryRef(c.identity)) {
      refs.push_back({{"connector", name}, {"entry", c.identity}, {"as", "identity"}});
    }
  }
  return {{"scope", ts::scopeLabel(path)},
          {"parent", path.empty() ? nlohmann::json(nullptr)
                                  : nlohmann::json(ts::scopeLabel(ts::parentScope(path)))},
          {"entries", s.entries.size()},
          {"connectors", s.connectors.size()},
          {"server_certs", s.server_certs.size()},
          {"cas", s.cas.size()},
          {"children", children},
          {"references", refs}};
}

struct CreateArgs {
  std::string path;
  std::string ca;  // with a built-in CA of its own and its default signing chain
  std::string key = "ec";
  std::string passphrase_file;
};

// The scope with, when --ca is given, its own built-in CA and its default token-signing
// chain (SAFEQ: each new account gets one), all in one transaction.
void runCreate(CliContext& ctx, const CreateArgs& args) {
  std::optional<ts::CaMaterial> material;
  ts::CaRecord ca;
  ts::CaKeyType key = ts::caKeyTypeFromName(args.key).value_or(ts::CaKeyType::Ec);
  std::string passphrase;
  if (!args.ca.empty()) {
    auto pass = ts::readCaPassphrase(args.passphrase_file);
    if (!pass) {
      ctx.fail(pass.error());
      return;
    }
    passphrase = std::move(*pass);
    if (passphrase.size() < ts::kMinCaPassphraseBytes) {
      ts::wipeSecret(passphrase);
      ctx.fail({ErrorCode::InvalidArgument,
                "the CA passphrase is shorter than 12 characters; write a longer one to the "
                "passphrase file"});
      return;
    }
    auto made = ts::createCa(args.ca, key, wallClockNow());
    if (!made) {
      ts::wipeSecret(passphrase);
      ctx.fail(made.error());
      return;
    }
    material = std::move(*made);
    ca = {args.ca, args.ca + "-root", args.ca + "-issuing", std::string(ts::caKeyTypeName(key)), 0};
  }
  ts::Store root(ctx.storeDir());
  std::string kid;
  auto generation = root.update(ctx.updateOptions(), [&](ts::Transaction& tx) -> Result<void> {
    if (auto r = tx.createScope(args.path); !r || !material) {
      return r;
    }
    if (auto r = tx.selectScope(args.path); !r) {
      return r;
    }
    if (auto r = addBuiltinCa(tx, root.dir(), *material, ca, passphrase); !r) {
      return r;
    }
    ts::SigningIssuer issuer{ca.name, material->issuing, material->issuing_key, key};
    if (auto r = ts::ensureDefaultSigningChain(tx, issuer, tx.now()); !r) {
      return tl::unexpected(r.error());
    }
    if (const ts::SigningKey* active = tx.state().signing.active()) {
      kid = active->kid;
    }
    return {};
  });
  ts::wipeSecret(passphrase);
  if (!generation) {
    ctx.fail(generation.error());
    return;
  }
  if (ctx.options.json) {
    ctx.printJson({{"created", args.path},
                   {"ca", args.ca.empty() ? nlohmann::json(nullptr) : nlohmann::json(args.ca)},
                   {"signing_kid", kid.empty() ? nlohmann::json(nullptr) : nlohmann::json(kid)},
                   {"generation", *generation}});
    return;
  }
  std::cout << "Created scope " << args.path << ": it inherits nothing; work in it with "
            << "'trustctl --scope " << args.path << " ...'\n";
  if (!args.ca.empty()) {
    std::cout << "  built-in CA " << args.ca << " (" << ca.root_entry << ", " << ca.issuing_entry
              << ")\n  default token-signing chain, kid " << kid << " (trustctl --scope "
              << args.path << " signing jwks)\n";
  }
}

void runList(CliContext& ctx) {
  auto tree = ts::Store(ctx.storeDir()).loadTree();
  if (!tree) {
    ctx.fail(tree.error());
    return;
  }
  nlohmann::json all = nlohmann::json::array();
  ts::forEachScope(tree->state, [&](const std::string& path, const ts::StoreState& s) {
    all.push_back(scopeJson(tree->state, path, s));
  });
  if (ctx.options.json) {
    ctx.printJson({{"scopes", all}});
    return;
  }
  Table table({"SCOPE", "ENTRIES", "CONNECTORS", "SERVER CERTS", "CAS", "REFERENCES"});
  for (const auto& s : all) {
    table.addRow({s["scope"].get<std::string>(), std::to_string(s["entries"].get<int>()),
                  std::to_string(s["connectors"].get<int>()),
                  std::to_string(s["server_certs"].get<int>()), std::to_string(s["cas"].get<int>()),
                  std::to_string(s["references"].size())});
  }
  table.print(std::cout);
}

void runShow(CliContext& ctx, std::string path) {
  if (path == "/") {
    path.clear();
  }
  auto tree = ts::Store(ctx.storeDir()).loadTree();
  if (!tree) {
    ctx.fail(tree.error());
    return;
  }
  const ts::StoreState* s = ts::findScope(tree->state, path);
  if (s == nullptr) {
    ctx.fail(ts::scopeNotFoundError(path));
    return;
  }
  nlohmann::json j = scopeJson(tree->state, path, *s);
  if (ctx.options.json) {
    ctx.printJson(j);
    return;
  }
  std::cout << "Scope " << j["scope"].get<std::string>() << "\n";
  if (!path.empty()) {
    std::cout << "  parent        " << j["parent"].get<std::string>() << "\n";
  }
  std::cout << "  entries       " << s->entries.size() << "\n"
            << "  connectors    " << s->connectors.size() << "\n"
            << "  server certs  " << s->server_certs.size() << "\n"
            << "  CAs           " << s->cas.size() << "\n";
  for (const auto& c : j["children"]) {
    std::cout << "  child scope   " << c.get<std::string>() << "\n";
  }
  for (const auto& r : j["references"]) {
    std::cout << "  references    " << r["entry"].get<std::string>() << " (connector "
              << r["connector"].get<std::string>() << ", " << r["as"].get<std::string>() << ")\n";
  }
}

void runRemove(CliContext& ctx, const std::string& path, bool force) {
  ts::Store root(ctx.storeDir());
  auto generation = root.update(ctx.updateOptions(),
                                [&](ts::Transaction& tx) { return tx.removeScope(path, force); });
  if (!generation) {
    ctx.fail(generation.error());
    return;
  }
  if (ctx.options.json) {
    ctx.printJson({{"removed", path}, {"generation", *generation}});
    return;
  }
  std::cout << "Removed scope " << path << "\n";
}

CLI::Validator scopePathValidator() {
  return CLI::Validator(
      [](std::string& path) {
        return ts::isValidScopePath(path) && !path.empty() ? std::string()
                                                           : ts::invalidScopeError(path).message;
      },
      "SCOPE", "scope");
}

}  // namespace

void addScopeCommands(CLI::App& app, CliContext& ctx) {
  CLI::App* scope =
      app.add_subcommand("scope",
                         "Scopes: named nodes (vendor, vendor/customer-a) with their own library, "
                         "connectors, server certificates and CAs");
  scope->require_subcommand(1);
  scope->footer(
      "Nothing is inherited: a connector of a scope trusts an ancestor's entry only when it\n"
      "names it, as '<ancestor>:<entry>' ('/:<entry>' for the root scope).\n\nExamples:\n"
      "  trustctl scope create vendor\n  trustctl scope create vendor/customer-a\n"
      "  trustctl --scope vendor import vendor-root.pem\n"
      "  trustctl --scope vendor/customer-a connector trust crm vendor:vendor-root\n"
      "  trustctl scope list");

  auto create_args = std::make_shared<CreateArgs>();
  CLI::App* create = scope->add_subcommand(
      "create", "Create a scope (its parent first), with --ca its own CA and signing chain");
  create->add_option("path", create_args->path, "Scope path, e.g. vendor/customer-a")
      ->required()
      ->check(scopePathValidator());
  create->add_option("--ca", create_args->ca,
                     "Also create built-in CA NAME in the scope and the scope's default "
                     "token-signing chain from it");
  create->add_option("--key", create_args->key, "The CA's and signing keys' type: ec or rsa")
      ->check(CLI::IsMember({"ec", "rsa"}));
  create->add_option("--passphrase-file", create_args->passphrase_file,
                     "File whose first line is the new CA's passphrase (default: the systemd "
                     "credential trustctl-ca-passphrase)");
  create->callback([&ctx, create_args] { runCreate(ctx, *create_args); });

  CLI::App* list = scope->add_subcommand("list", "Every scope with what it holds");
  list->callback([&ctx] { runList(ctx); });

  auto show_path = std::make_shared<std::string>();
  CLI::App* show = scope->add_subcommand("show", "One scope: counts, children, references");
  show->add_option("path", *show_path, "Scope path ('/' for the root)")->required();
  show->callback([&ctx, show_path] { runShow(ctx, *show_path); });

  auto remove_path = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  CLI::App* remove = scope->add_subcommand("remove", "Remove a scope (empty, unless --force)");
  remove->add_option("path", *remove_path, "Scope path")->required()->check(scopePathValidator());
  remove->add_flag("--force", *force, "Remove it with everything in it and its child scopes");
  remove->callback([&ctx, remove_path, force] { runRemove(ctx, *remove_path, *force); });
}

}  // namespace trustctl::agent
