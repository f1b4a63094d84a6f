// trustctl ca: the built-in CA. `ca create` makes a root and an issuing intermediate whose
// keys are stored encrypted; `ca issue` signs a leaf for a profile and puts it in the library
// as an identity. The passphrase comes from a file or a systemd credential, never argv.
#include <iostream>
#include <memory>
#include <set>

#include <CLI/CLI.hpp>

#include "agent/ca_support.h"
#include "agent/cli_context.h"
#include "agent/commands.h"
#include "truststore/builtin_ca.h"
#include "truststore/ca_key_file.h"
#include "truststore/library.h"
#include "truststore/scope.h"
#include "truststore/secret_wipe.h"

namespace trustctl::agent {

namespace {

using truststore::CaKeyType;
using truststore::CaRecord;

// "<name>-issuing" must stay a valid 64-character entry name.
constexpr size_t kMaxCaNameBytes = 64 - 8;

struct CaArgs {
  std::string name;
  std::string key = "ec";
  std::string passphrase_file;
  // issue
  std::string profile = "tls-server";
  std::vector<std::string> domains;
  std::vector<std::string> ips;
  std::string entry;
  std::string common_name;
  std::int64_t days = 0;
  bool server_cert = false;
};

Result<CaKeyType> keyType(const std::string& name) {
  auto key = truststore::caKeyTypeFromName(name);
  if (!key) {
    return fail(ErrorCode::Usage, "--key '" + name + "' is not ec or rsa");
  }
  return *key;
}

// A passphrase in memory for one command, wiped when it goes out of scope.
struct Passphrase {
  std::string value;
  ~Passphrase() { truststore::wipeSecret(value); }
};

truststore::ImportRequest entryRequest(const std::string& name,
                                       std::vector<truststore::CertificatePtr> certs,
                                       truststore::PrivateKeyPtr key, const std::string& note) {
  truststore::ImportedMaterial material;
  material.certificates = std::move(certs);
  material.key = std::move(key);
  return {name, std::move(material), "trustctl ca", note, "", false};
}

nlohmann::json caJson(const truststore::StoreState& state, const CaRecord& ca) {
  nlohmann::json j{{"name", ca.name},
                   {"key_algorithm", ca.key_algorithm},
                   {"created_at", formatRfc3339(ca.created_at)},
                   {"root_entry", ca.root_entry},
                   {"issuing_entry", ca.issuing_entry}};
  for (const auto& [field, entry_name] :
       {std::pair{"root", ca.root_entry}, std::pair{"issuing", ca.issuing_entry}}) {
    const truststore::Entry* e = state.findEntry(entry_name);
    if (e == nullptr || e->certificates.empty()) {
      j[field] = nullptr;  // the entry was removed: issuing cannot work until it is back
      continue;
    }
    const auto& info = state.certificates.at(e->certificates.front());
    j[field] = {{"subject", info.subject},
                {"sha256", info.sha256},
                {"not_after", formatRfc3339(info.not_after)}};
  }
  return j;
}

void runCreate(CliContext& ctx, const CaArgs& args) {
  if (!truststore::isValidName(args.name) || args.name.size() > kMaxCaNameBytes) {
    ctx.fail(truststore::invalidNameError("CA (at most 56 characters)", args.name));
    return;
  }
  auto key = keyType(args.key);
  if (!key) {
    ctx.fail(key.error());
    return;
  }
  Passphrase pass;
  if (auto p = truststore::readCaPassphrase(args.passphrase_file); !p) {
    ctx.fail(p.error());
    return;
  } else {
    pass.value = std::move(*p);
  }
  if (pass.value.size() < truststore::kMinCaPassphraseBytes) {
    ctx.fail({ErrorCode::InvalidArgument,
              "the CA passphrase is shorter than 12 characters; "
              "write a longer one to the passphrase file"});
    return;
  }
  auto material = truststore::createCa(args.name, *key, wallClockNow());
  if (!material) {
    ctx.fail(material.error());
    return;
  }
  CaRecord ca{args.name, args.name + "-root", args.name + "-issuing",
              std::string(truststore::caKeyTypeName(*key)), 0};
  truststore::Store store = ctx.store();
  auto generation = store.update(ctx.updateOptions(), [&](truststore::Transaction& tx) {
    return addBuiltinCa(tx, store.dir(), *material, ca, pass.value);
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
  if (ctx.options.json) {
    ctx.printJson(caJson(snapshot->state, snapshot->state.cas.at(ca.name)));
    return;
  }
  std::cout << "Created CA " << ctx.bold(ca.name) << " (" << ca.key_algorithm << ")\n"
            << "  root     " << ca.root_entry << "  expires "
            << formatDate(material->root->info().not_after) << "\n"
            << "  issuing  " << ca.issuing_entry << "  expires "
            << formatDate(material->issuing->info().not_after) << "\n"
            << "  keys encrypted in "
            << truststore::caDir(store.dir(), truststore::caKeyFolderName(store.scope(), ca.name))
            << "\n"
            << "Trust it: trustctl connector trust CONNECTOR " << ca.root_entry << "\n";
}

void runList(CliContext& ctx) {
  auto snapshot = ctx.store().load();
  if (!snapshot) {
    ctx.fail(snapshot.error());
    return;
  }
  nlohmann::json out = nlohmann::json::array();
  for (const auto& [name, ca] : snapshot->state.cas) {
    out.push_back(caJson(snapshot->state, ca));
  }
  if (ctx.options.json) {
    ctx.printJson(out);
    return;
  }
  if (out.empty()) {
    std::cout << "No built-in CA; create one with 'trustctl ca create NAME'\n";
  }
  for (const auto& j : out) {
    std::cout << j["name"].get<std::string>() << "  " << j["key_algorithm"].get<std::string>()
              << "  root " << j["root_entry"].get<std::string>() << "  issuing "
              << j["issuing_entry"].get<std::string>() << "\n";
  }
}

void runShow(CliContext& ctx, const CaArgs& args) {
  auto snapshot = ctx.store().load();
  if (!snapshot) {
    ctx.fail(snapshot.error());
    return;
  }
  auto it = snapshot->state.cas.find(args.name);
  if (it == snapshot->state.cas.end()) {
    ctx.fail({ErrorCode::EntryNotFound,
              "no built-in CA is named '" + args.name + "'; see 'trustctl ca list'"});
    return;
  }
  nlohmann::json j = caJson(snapshot->state, it->second);
  // Issued leaves are the entries whose first certificate names an issuing key as its AKI:
  // the current one or one `ca rotate` replaced (entries "<name>-issuing", "-issuing-gN").
  std::set<std::string> issuing_keys;
  for (const auto& [name, e] : snapshot->state.entries) {
    if (name.rfind(args.name + "-issuing", 0) == 0 && !e.certificates.empty()) {
      issuing_keys.insert(snapshot->state.certificates.at(e.certificates.front()).subject_key_id);
    }
  }
  nlohmann::json issued = nlohmann::json::array();
  for (const auto& [name, e] : snapshot->state.entries) {
    const auto& info = snapshot->state.certificates.at(e.certificates.front());
    if (!info.is_ca && issuing_keys.count(info.authority_key_id) != 0) {
      issued.push_back({{"entry", name}, {"not_after", formatRfc3339(info.not_after)}});
    }
  }
  j["issued"] = issued;
  j["key_dir"] =
      truststore::caDir(ctx.storeDir(), truststore::caKeyFolderName(ctx.options.scope, args.name));
  if (ctx.options.json) {
    ctx.printJson(j);
    return;
  }
  std::cout << ctx.bold(args.name) << " (" << j["key_algorithm"].get<std::string>() << ", created "
            << j["created_at"].get<std::string>() << ")\n";
  for (const char* field : {"root", "issuing"}) {
    std::cout << "  " << field << ": ";
    if (j[field].is_null()) {
      std::cout << "entry missing\n";
      continue;
    }
    std::cout << j[field]["subject"].get<std::string>() << "  expires "
              << j[field]["not_after"].get<std::string>() << "\n";
  }
  std::cout << "  keys: " << j["key_dir"].get<std::string>() << " (encrypted)\n"
            << "  issued: " << issued.size() << "\n";
  for (const auto& leaf : issued) {
    std::cout << "    " << leaf["entry"].get<std::string>() << "  expires "
              << leaf["not_after"].get<std::string>() << "\n";
  }
}

}  // namespace

Result<void> addBuiltinCa(truststore::Transaction& tx, const std::string& store_dir,
                          const truststore::CaMaterial& material, truststore::CaRecord& ca,
                          const std::string& passphrase) {
  if (tx.state().cas.count(ca.name) != 0) {
    return fail(ErrorCode::DuplicateName,
                "a CA named '" + ca.name + "' exists; see 'trustctl ca list'");
  }
  std::string note = "built-in CA " + ca.name;
  for (const auto& request :
       {entryRequest(ca.root_entry, {material.root}, nullptr, note + " (root)"),
        entryRequest(ca.issuing_entry, {material.issuing}, nullptr, note + " (issuing)")}) {
    if (auto r = truststore::importEntry(tx, request); !r) {
      return r;
    }
  }
  // Under the lock and after every check: a failed publish leaves only unreferenced,
  // encrypted files that the next create of this name replaces.
  if (auto r = truststore::saveCaKeys(store_dir, truststore::caKeyFolderName(tx.scope(), ca.name),
                                      *material.root_key, *material.issuing_key, passphrase);
      !r) {
    return r;
  }
  ca.created_at = tx.now();
  tx.state().cas[ca.name] = ca;
  tx.audit("ca.create", ca.name, material.root->sha256(), "key " + ca.key_algorithm);
  return {};
}

// Defined in ca_issue_command.cc (split to keep each file under 400 lines).
void runCaIssue(CliContext& ctx, const std::string& ca, truststore::LeafRequest request,
                const std::string& entry, const std::string& passphrase_file, bool server_cert);

// Defined in ca_remove_command.cc.
void addCaRemoveCommand(CLI::App* group, CliContext& ctx);
// Defined in ca_rotate_command.cc.
void addCaRotateCommand(CLI::App& group, CliContext& ctx);

void addCaCommands(CLI::App& app, CliContext& ctx) {
  auto args = std::make_shared<CaArgs>();
  CLI::App* group = app.add_subcommand("ca", "The built-in CA: a root and an issuing CA");
  group->require_subcommand(1);
  group->footer(
      "CA keys are stored encrypted (PKCS#8, AES-256-CBC, scrypt) under <store>/ca/NAME/.\n"
      "The passphrase comes from --passphrase-file (mode 0600) or, under systemd, from\n"
      "LoadCredential=trustctl-ca-passphrase:FILE; never from the command line.\n\nExamples:\n"
      "  trustctl ca create corp --passphrase-file /etc/trustctl/ca.pass\n"
      "  trustctl ca issue corp --profile tls-server --domain api.corp.example --name api-tls "
      "--passphrase-file /etc/trustctl/ca.pass\n"
      "  trustctl connector trust billing corp-root");
  auto add_pass = [args](CLI::App* cmd) {
    cmd->add_option("--passphrase-file", args->passphrase_file,
                    "File whose first line is the CA passphrase (default: the systemd "
                    "credential trustctl-ca-passphrase)");
  };
  CLI::App* create = group->add_subcommand("create", "Create a root and an issuing CA");
  create->footer(
      "Root: 10 years, pathlen:1. Issuing CA: 5 years, pathlen:0. Both keyCertSign + cRLSign.\n"
      "Library entries NAME-root and NAME-issuing hold them.\n\nExamples:\n"
      "  trustctl ca create corp --passphrase-file ca.pass\n"
      "  trustctl ca create legacy --key rsa --passphrase-file ca.pass");
  create->add_option("name", args->name, "CA name")->required();
  create->add_option("--key", args->key, "Key type: ec (P-256, default) or rsa (3072)")
      ->check(CLI::IsMember({"ec", "rsa"}));
  add_pass(create);
  create->callback([&ctx, args] { runCreate(ctx, *args); });

  addCaRemoveCommand(group, ctx);

  CLI::App* list = group->add_subcommand("list", "The built-in CAs");
  list->footer("Examples:\n  trustctl ca list\n  trustctl --json ca list");
  list->callback([&ctx] { runList(ctx); });

  CLI::App* show = group->add_subcommand("show", "A CA's certificates, key folder and leaves");
  show->footer("Examples:\n  trustctl ca show corp\n  trustctl --json ca show corp");
  show->add_option("name", args->name, "CA name")->required();
  show->callback([&ctx, args] { runShow(ctx, *args); });

  CLI::App* issue = group->add_subcommand("issue", "Issue a certificate into the library");
  issue->footer(
      "Profiles: tls-server (serverAuth), tls-client (clientAuth), token-signing\n"
      "(digitalSignature, no EKU). TLS leaves live 397 days unless --days; never past the\n"
      "issuing CA. The leaf, its chain and its new key become identity entry --name.\n\n"
      "Examples:\n"
      "  trustctl ca issue corp --profile tls-server --domain api.example --ip 10.0.0.5 "
      "--name api-tls --passphrase-file ca.pass\n"
      "  trustctl ca issue corp --profile tls-client --domain erp-sync --name erp-client "
      "--passphrase-file ca.pass\n"
      "  trustctl ca issue corp --profile token-signing --name jwt-signer --days 90 "
      "--passphrase-file ca.pass");
  issue->add_option("ca", args->name, "CA name")->required();
  issue->add_option("--profile", args->profile, "tls-server (default), tls-client, token-signing")
      ->check(CLI::IsMember({"tls-server", "tls-client", "token-signing"}));
  issue->add_option("--domain", args->domains, "DNS name for the subjectAltName (repeatable)");
  issue->add_option("--ip", args->ips, "IP address for the subjectAltName (repeatable)");
  issue->add_option("-n,--name", args->entry, "Library entry name for the identity")->required();
  issue->add_option("--cn", args->common_name, "Subject CN (default: the first name or IP)");
  issue->add_option("--days", args->days, "Validity in days (default 397, capped at the CA's)")
      ->check(CLI::Range(1, 3650));
  issue->add_option("--key", args->key, "Leaf key type: ec (P-256, default) or rsa (2048)")
      ->check(CLI::IsMember({"ec", "rsa"}));
  issue->add_flag("--server-cert", args->server_cert,
                  "tls-server only: keep it as server certificate NAME (Source: Built-in CA, "
                  "files under `server-cert path NAME`) instead of an identity entry");
  add_pass(issue);
  issue->callback([&ctx, args] {
    truststore::LeafRequest request;
    request.profile = *truststore::leafProfileFromName(args->profile);
    request.dns = args->domains;
    request.ips = args->ips;
    request.common_name = args->common_name.empty() && args->domains.empty() && args->ips.empty()
                              ? args->entry
                              : args->common_name;
    request.days = args->days;
    request.key = *truststore::caKeyTypeFromName(args->key);
    runCaIssue(ctx, args->name, request, args->entry, args->passphrase_file, args->server_cert);
  });
  addCaRotateCommand(*group, ctx);
}

}  // namespace trustctl::agent
