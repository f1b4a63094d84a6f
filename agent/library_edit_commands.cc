// trustctl edit, rename, remove, export-identity: changes to library entries.
#include <iostream>
#include <memory>
#include <optional>

#include <CLI/CLI.hpp>

#include "agent/cli_context.h"
#include "agent/commands.h"
#include "truststore/file_util.h"
#include "truststore/key_importer.h"
#include "truststore/library.h"
#include "truststore/output_file.h"
#include "truststore/pkcs12_writer.h"
#include "truststore/secret_wipe.h"

namespace trustctl::agent {

namespace {

struct EditArgs {
  std::string name;
  std::optional<std::string> note;
  std::optional<std::string> environment;
  std::string file;
  std::string key_file;
  PasswordOptions password;
};

void reportDone(CliContext& ctx, const Result<std::uint64_t>& generation, const std::string& text,
                nlohmann::json json) {
  if (!generation) {
    ctx.fail(generation.error());
    return;
  }
  if (ctx.options.json) {
    json["generation"] = *generation;
    ctx.printJson(json);
  } else {
    std::cout << text << "\n";
  }
}

void runEdit(CliContext& ctx, const EditArgs& args) {
  std::optional<truststore::ImportRequest> replacement;
  if (!args.file.empty()) {
    truststore::protectProcessSecrets();  // the file may hold a private key
    auto bytes = truststore::readInputFile(args.file);
    if (!bytes) {
      ctx.fail(bytes.error());
      return;
    }
    auto material =
        truststore::parseImport(*bytes, args.file, ctx.passwords(args.password, args.file));
    if (!material) {
      ctx.fail(material.error());
      return;
    }
    if (!args.key_file.empty()) {
      auto key_bytes = truststore::readInputFile(args.key_file);
      auto key = key_bytes ? truststore::parseKeyFile(*key_bytes, args.key_file,
                                                      ctx.passwords(args.password, args.key_file))
                           : tl::unexpected(key_bytes.error());
      if (!key) {
        ctx.fail(key.error());
        return;
      }
      if (auto r = truststore::attachKey(*material, *key, args.key_file); !r) {
        ctx.fail(r.error());
        return;
      }
    }
    replacement =
        truststore::ImportRequest{args.name, std::move(*material), args.file, "", "", false};
  }
  if (!replacement && !args.note && !args.environment) {
    ctx.fail({ErrorCode::Usage, "edit needs --note, --env or --file"});
    return;
  }
  auto generation = ctx.store().update(ctx.updateOptions(), [&](truststore::Transaction& tx) {
    if (replacement) {
      if (auto r = truststore::replaceEntry(tx, *replacement); !r) {
        return r;
      }
    }
    if (args.note || args.environment) {
      return truststore::editEntry(tx, args.name, args.note, args.environment);
    }
    return Result<void>{};
  });
  reportDone(ctx, generation, "Updated " + args.name, {{"entry", args.name}});
}

void runRename(CliContext& ctx, const std::string& from, const std::string& to) {
  auto generation = ctx.store().update(ctx.updateOptions(), [&](truststore::Transaction& tx) {
    return truststore::renameEntry(tx, from, to);
  });
  reportDone(ctx, generation, "Renamed " + from + " to " + to, {{"from", from}, {"to", to}});
}

void runRemove(CliContext& ctx, const std::string& name, bool force) {
  std::vector<std::string> detached;
  auto generation = ctx.store().update(ctx.updateOptions(), [&](truststore::Transaction& tx) {
    detached = tx.state().whereUsed(name);
    return truststore::removeEntry(tx, name, force);
  });
  std::string text = "Removed " + name;
  for (const auto& c : detached) {
    text += "\n  detached from connector " + c;
  }
  reportDone(ctx, generation, text, {{"removed", name}, {"detached", detached}});
}

void runExportIdentity(CliContext& ctx, const std::string& name, const std::string& out,
                       const PasswordOptions& password) {
  truststore::Store store = ctx.store();
  auto snapshot = store.load();
  if (!snapshot) {
    ctx.fail(snapshot.error());
    return;
  }
  const truststore::Entry* entry = snapshot->state.findEntry(name);
  if (entry == nullptr) {
    ctx.fail(truststore::entryNotFoundError(name));
    return;
  }
  if (entry->key_id.empty()) {
    ctx.fail({ErrorCode::NotAnIdentity,
              "entry '" + name + "' has no private key; only identities export as PKCS#12"});
    return;
  }
  std::vector<truststore::CertificatePtr> certs;
  for (const auto& sha : entry->certificates) {
    auto cert = store.loadCertificate(sha);
    if (!cert) {
      ctx.fail(cert.error());
      return;
    }
    certs.push_back(*cert);
  }
  truststore::protectProcessSecrets();
  auto key = store.loadKey(entry->key_id);
  if (!key) {
    ctx.fail(key.error());
    return;
  }
  auto secret = ctx.requireSecret(password, "the exported PKCS#12 " + out, true);
  if (!secret) {
    ctx.fail(secret.error());
    return;
  }
  auto p12 = truststore::writeIdentityPkcs12(*key, certs, name, *secret);
  truststore::wipeSecret(*secret);
  if (!p12) {
    ctx.fail(p12.error());
    return;
  }
  // A user-named path: never through a link, never over a device (writeOutputFile).
  if (auto r = truststore::writeOutputFile(out, *p12, 0600); !r) {
    ctx.fail(r.error());
    return;
  }
  if (ctx.options.json) {
    ctx.printJson({{"entry", name}, {"file", out}, {"certificates", certs.size()}});
  } else {
    std::cout << "Wrote " << out << " (PKCS#12, AES-256, " << certs.size()
              << " certificate(s) + key, mode 0600)\n";
  }
}

}  // namespace

void addLibraryEditCommands(CLI::App& app, CliContext& ctx) {
  auto edit = std::make_shared<EditArgs>();
  CLI::App* cmd = app.add_subcommand("edit", "Change an entry's note or tag, or replace its file");
  cmd->add_option("name", edit->name, "Entry name")->required();
  cmd->add_option("--note", edit->note, "New note");
  cmd->add_option("--env", edit->environment, "New environment tag");
  cmd->add_option("--file", edit->file, "Replace the content; the name and connectors stay");
  cmd->add_option("--key", edit->key_file, "Private key for the replacement certificate");
  cmd->add_option("--password-file", edit->password.file, "File holding the password");
  cmd->add_option("--password-env", edit->password.env, "Variable holding the password");
  cmd->footer(
      "Examples:\n  trustctl edit corp-root --env prod --note 'renewed 2026'\n"
      "  trustctl edit api-server --file renewed.pem");
  cmd->callback([&ctx, edit] { runEdit(ctx, *edit); });

  auto names = std::make_shared<std::pair<std::string, std::string>>();
  CLI::App* rename = app.add_subcommand("rename", "Rename an entry; connectors follow");
  rename->add_option("old", names->first, "Current name")->required();
  rename->add_option("new", names->second, "New name")->required();
  rename->footer("Example:\n  trustctl rename corp-root corp-root-2026");
  rename->callback([&ctx, names] { runRename(ctx, names->first, names->second); });

  auto remove_name = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  CLI::App* remove = app.add_subcommand("remove", "Delete an entry (refused while in use)");
  remove->add_option("name", *remove_name, "Entry name")->required();
  remove->add_flag("--force", *force, "Detach it from every connector, then delete");
  remove->footer("Examples:\n  trustctl remove old-root\n  trustctl remove old-root --force");
  remove->callback([&ctx, remove_name, force] { runRemove(ctx, *remove_name, *force); });

  struct ExportArgs {
    std::string name, out;
    PasswordOptions password;
  };
  auto ex = std::make_shared<ExportArgs>();
  CLI::App* exp =
      app.add_subcommand("export-identity", "Write an identity as PKCS#12 with a new password");
  exp->add_option("name", ex->name, "Identity entry")->required();
  exp->add_option("-o,--out", ex->out, "Output .p12 file (written 0600)")->required();
  exp->add_option("--password-file", ex->password.file, "File holding the new password");
  exp->add_option("--password-env", ex->password.env, "Variable holding the new password");
  exp->footer(
      "Example:\n  trustctl export-identity erp-client -o erp-client.p12 --password-file pw");
  exp->callback([&ctx, ex] { runExportIdentity(ctx, ex->name, ex->out, ex->password); });
}

}  // namespace trustctl::agent
