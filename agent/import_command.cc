// trustctl import: add a certificate, chain or identity to the library.
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "agent/cli_context.h"
#include "agent/commands.h"
#include "agent/entry_view.h"
#include "truststore/certificate_status.h"
#include "truststore/key_importer.h"
#include "truststore/library.h"
#include "truststore/secret_wipe.h"

namespace trustctl::agent {

namespace {

struct ImportArgs {
  std::vector<std::string> files;
  std::string file;  // the one being read
  std::string name;
  std::string key_file;
  std::string note;
  std::string environment;
  bool identity = false;
  PasswordOptions password;
};

// "customer-root.pem" -> "customer-root"; used when --name is not given.
std::string nameFromFile(const std::string& path) {
  std::string base = path.substr(path.rfind('/') + 1);
  auto dot = base.find('.');
  if (dot != std::string::npos && dot > 0) {
    base = base.substr(0, dot);
  }
  std::string out;
  for (char c : base) {
    char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    bool ok = (lower >= 'a' && lower <= 'z') || (lower >= '0' && lower <= '9') || lower == '.' ||
              lower == '_' || lower == '-';
    out += ok ? lower : '-';
  }
  return out.substr(0, 64);
}

Result<truststore::ImportedMaterial> readMaterial(CliContext& ctx, const ImportArgs& args) {
  std::string label = args.file == "-" ? "<stdin>" : args.file;
  // Before the first byte: any input may hold a private key or lead to a password.
  truststore::protectProcessSecrets();
  auto bytes = truststore::readInputFile(args.file);
  if (!bytes) {
    return tl::unexpected(bytes.error());
  }
  auto material = truststore::parseImport(*bytes, label, ctx.passwords(args.password, label));
  if (!material) {
    return material;
  }
  if (!args.key_file.empty()) {
    auto key_bytes = truststore::readInputFile(args.key_file);
    if (!key_bytes) {
      return tl::unexpected(key_bytes.error());
    }
    auto key = truststore::parseKeyFile(*key_bytes, args.key_file,
                                        ctx.passwords(args.password, args.key_file));
    if (!key) {
      return tl::unexpected(key.error());
    }
    if (auto r = truststore::attachKey(*material, *key, args.key_file); !r) {
      return tl::unexpected(r.error());
    }
  }
  return material;
}

void printImported(CliContext& ctx, const truststore::StoreState& state,
                   const truststore::Entry& entry, UnixTime now) {
  std::cout << "Imported " << ctx.bold(entry.name) << " (" << entryKindLabel(state, entry) << ", "
            << entry.certificates.size() << " certificate"
            << (entry.certificates.size() == 1 ? "" : "s") << ", " << entry.format << ")\n";
  for (const auto& sha : entry.certificates) {
    const auto& info = state.certificates.at(sha);
    auto kind = truststore::classifyCertificate(info);
    std::cout << "  " << truststore::certificateKindName(kind) << "  " << info.subject
              << "\n    sha256 " << sha << "  expires " << formatDate(info.not_after) << "\n";
  }
  auto status = entryStatus(state, entry, now, ctx.expiringWindowSeconds());
  if (status.health != truststore::CertificateHealth::Ok) {
    std::cout << ctx.yellow("  warning: " + status.reason) << "\n";
  }
  if (entryKindLabel(state, entry) == "server") {
    std::cout << ctx.yellow(
                     "  note: this is a server certificate; trusting it pins it, and the "
                     "connection breaks at every renewal. Prefer its root CA.")
              << "\n";
  }
}

// Imports every file in one transaction: all land, or none does.
void runImport(CliContext& ctx, ImportArgs args) {
  if (!args.name.empty() && args.files.size() != 1) {
    ctx.fail({ErrorCode::Usage,
              "--name goes with exactly one file; with several, names come "
              "from the file names"});
    return;
  }
  if (!args.key_file.empty() && args.files.size() != 1) {
    ctx.fail({ErrorCode::Usage, "--key goes with exactly one certificate file"});
    return;
  }
  std::vector<truststore::ImportRequest> requests;
  for (const auto& file : args.files) {
    if (file == "-" && args.name.empty()) {
      ctx.fail({ErrorCode::Usage, "import from stdin needs --name"});
      return;
    }
    std::string name = args.name.empty() ? nameFromFile(file) : args.name;
    if (!truststore::isValidName(name)) {
      ctx.fail(truststore::invalidNameError("entry", name));
      return;
    }
    args.file = file;
    auto material = readMaterial(ctx, args);
    if (!material) {
      ctx.fail(material.error());
      return;
    }
    requests.push_back(
        {name, std::move(*material), file, args.note, args.environment, args.identity});
  }
  truststore::Store store = ctx.store();
  auto generation = store.update(ctx.updateOptions(), [&](truststore::Transaction& tx) {
    for (const auto& request : requests) {
      if (auto r = truststore::importEntry(tx, request); !r) {
        return r;
      }
    }
    return Result<void>{};
  });
  if (!generation) {
    ctx.fail(generation.error());
    return;
  }
  auto snapshot = store.load();
  if (!snapshot) {
    ctx.fail(snapshot.error());
    return;
  }
  UnixTime now = wallClockNow();
  nlohmann::json imported = nlohmann::json::array();
  for (const auto& request : requests) {
    const truststore::Entry& entry = snapshot->state.entries.at(request.name);
    if (ctx.options.json) {
      imported.push_back(entryJson(snapshot->state, entry, now, ctx.expiringWindowSeconds()));
    } else if (requests.size() <= 20) {
      printImported(ctx, snapshot->state, entry, now);
    }
  }
  if (ctx.options.json) {
    ctx.printJson(requests.size() == 1 ? imported[0] : imported);
  } else if (requests.size() > 20) {
    std::cout << "Imported " << requests.size() << " entries; see 'trustctl list'\n";
  }
}

}  // namespace

void addImportCommand(CLI::App& app, CliContext& ctx) {
  auto args = std::make_shared<ImportArgs>();
  CLI::App* cmd =
      app.add_subcommand("import", "Add a certificate, chain or identity to the library");
  cmd->footer(
      "The format is detected from content: PEM, DER, PKCS#7 (.p7b), PKCS#12 (.pfx/.p12).\n"
      "Passwords never go on the command line.\n\nExamples:\n"
      "  trustctl import corp-root.pem\n"
      "  trustctl import ad.cer --name ad-root --env prod --note 'AD forest root'\n"
      "  trustctl import client.pfx --name erp-client --identity --password-file pw.txt\n"
      "  trustctl import client.crt --key client.key --name erp-client\n"
      "  cat chain.pem | trustctl import - --name api-chain\n"
      "  trustctl import certs/*.pem   # one entry per file, all or nothing");
  cmd->add_option("files", args->files,
                  "Certificate files (one entry each), or - for standard input")
      ->required();
  cmd->add_option("-n,--name", args->name, "Entry name (default: the file name without extension)");
  cmd->add_option("--key", args->key_file, "PEM or DER private key for the certificate (identity)");
  cmd->add_flag("--identity", args->identity, "Require a private key (client identity for mTLS)");
  cmd->add_option("--note", args->note, "Free text shown in show/list --json");
  cmd->add_option("--env", args->environment, "Environment tag, e.g. test or prod");
  cmd->add_option("--password-file", args->password.file, "File whose first line is the password");
  cmd->add_option("--password-env", args->password.env,
                  "Environment variable holding the password");
  cmd->callback([&ctx, args] { runImport(ctx, *args); });
}

}  // namespace trustctl::agent
