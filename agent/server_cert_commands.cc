// trustctl server-cert: certificates this host's servers present (issue 15), uploaded with
// their key, checked before anything is stored, and written where a server loads them.
#include <algorithm>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "agent/cli_context.h"
#include "agent/commands.h"
#include "agent/server_cert_deploy.h"
#include "agent/server_cert_renew.h"
#include "agent/server_cert_view.h"
#include "agent/table.h"
#include "probes/catalog.h"
#include "truststore/certificate_status.h"
#include "truststore/key_importer.h"
#include "truststore/secret_wipe.h"
#include "truststore/server_cert.h"

namespace trustctl::agent {

namespace {

namespace ts = truststore;

struct ServerCertArgs {
  std::string name;
  std::vector<std::string> domains;
  std::string cert_file;
  std::string key_file;
  std::vector<std::string> ca_files;
  std::vector<std::string> catalogs;
  std::vector<std::string> served_at;
  std::string file;  // `path --file`
  bool replace = false;
  PasswordOptions password;
};

const char* const kFiles[] = {ts::kServerFullchainFile, ts::kServerKeyFile, ts::kServerChainFile,
                              ts::kServerCertFile, ts::kServerBundleFile};

// Certificates from the cert file and the --ca files, and the key (from --key or a PKCS#12).
Result<ts::ServerCertInput> readInput(CliContext& ctx, const ServerCertArgs& a,
                                      ts::InputFormat* format) {
  ts::protectProcessSecrets();  // before the first byte: the inputs hold a private key
  ts::ServerCertInput in;
  in.domains = a.domains;
  in.cert_label = a.cert_file;
  in.key_label = a.key_file.empty() ? a.cert_file : a.key_file;
  auto bytes = ts::readInputFile(a.cert_file);
  if (!bytes) {
    return tl::unexpected(bytes.error());
  }
  auto material = ts::parseImport(*bytes, a.cert_file, ctx.passwords(a.password, a.cert_file));
  if (!material) {
    return tl::unexpected(material.error());
  }
  *format = material->format;
  in.certificates = material->certificates;
  in.key = material->key;
  if (!a.key_file.empty()) {
    if (in.key) {
      return fail(ErrorCode::MultipleKeys,
                  a.cert_file +
                      ": holds a private key already; drop --key or give the "
                      "certificate alone");
    }
    auto key_bytes = ts::readInputFile(a.key_file);
    if (!key_bytes) {
      return tl::unexpected(key_bytes.error());
    }
    auto key = ts::parseKeyFile(*key_bytes, a.key_file, ctx.passwords(a.password, a.key_file));
    if (!key) {
      return tl::unexpected(key.error());
    }
    in.key = *key;
  }
  for (const auto& ca : a.ca_files) {
    auto certs = ts::readCertificatesFromFile(ca);
    if (!certs) {
      return tl::unexpected(certs.error());
    }
    in.certificates.insert(in.certificates.end(), certs->begin(), certs->end());
  }
  return in;
}

// The library's CAs, the --catalog files and the system bundle (best effort: a host without
// one still takes chains that are complete or whose CAs are in the library).
Result<std::vector<ts::PathCandidate>> knownCandidates(const ts::Store& store,
                                                       const ts::StoreState& state,
                                                       const ServerCertArgs& a) {
  auto known = ts::libraryCandidates(store, state);
  if (!known) {
    return known;
  }
  for (const auto& file : a.catalogs) {
    auto certs = ts::readCertificatesFromFile(file);
    if (!certs) {
      return tl::unexpected(certs.error());
    }
    for (const auto& c : *certs) {
      known->push_back(ts::PathCandidate{c, "catalog", "", false, false});
    }
  }
  if (std::string system = probes::systemCaBundlePath(); !system.empty()) {
    if (auto certs = ts::readCertificatesFromFile(system)) {
      for (const auto& c : *certs) {
        known->push_back(ts::PathCandidate{c, "system catalog", "", false, false});
      }
    }
  }
  return known;
}

void runAdd(CliContext& ctx, const ServerCertArgs& a) {
  if (!ts::isValidServerCertName(a.name)) {
    ctx.fail(ts::invalidNameError("server certificate", a.name));
    return;
  }
  auto served_at = normalizeServedAt(a.served_at);
  if (!served_at) {
    ctx.fail(served_at.error());
    return;
  }
  ts::InputFormat format = ts::InputFormat::Pem;
  auto input = readInput(ctx, a, &format);
  if (!input) {
    ctx.fail(input.error());
    return;
  }
  ts::Store store = ctx.store();
  auto snapshot = store.load();
  if (!snapshot) {
    ctx.fail(snapshot.error());
    return;
  }
  ts::ServerCertCheckOptions options;
  options.now = wallClockNow();
  auto known = knownCandidates(store, snapshot->state, a);
  if (!known) {
    ctx.fail(known.error());
    return;
  }
  options.known = std::move(*known);
  auto checked = ts::checkServerCert(*input, options);
  if (!checked) {
    ctx.fail(checked.error());
    return;
  }
  ts::ServerCertRequest request{a.name,      a.domains, *checked, input->key,
                                a.cert_file, format,    a.replace};
  auto generation = store.update(ctx.updateOptions(), [&](ts::Transaction& tx) -> Result<void> {
    auto added = ts::addServerCert(tx, request);
    if (added && !served_at->empty()) {  // --replace without --served-at keeps the listeners
      tx.state().server_certs.at(a.name).served_at = *served_at;
    }
    return added;
  });
  if (!generation) {
    ctx.fail(generation.error());
    return;
  }
  std::string dir = store.serverCertPath(a.name);
  if (ctx.options.json) {
    ctx.printJson({{"name", a.name},
                   {"domains", a.domains},
                   {"chain",
                    [&] {
                      nlohmann::json c = nlohmann::json::array();
                      for (const auto& cert : checked->chain) {
                        c.push_back(cert->sha256());
                      }
                      return c;
                    }()},
                   {"notes", checked->notes},
                   {"days_left", checked->days_left},
                   {"path", dir}});
    return;
  }
  const auto& leaf = checked->chain.front()->info();
  std::cout << "Added server certificate " << ctx.bold(a.name) << " for " << leaf.subject_cn << " ("
            << checked->chain.size() << " certificates, expires " << formatDate(leaf.not_after)
            << ", " << checked->days_left << " days left)\n";
  for (const auto& note : checked->notes) {
    std::cout << "  " << note << "\n";
  }
  std::cout << "  files in " << dir << "\n";
}

void runList(CliContext& ctx) {
  ts::Store store = ctx.store();
  auto snapshot = store.load();
  if (!snapshot) {
    ctx.fail(snapshot.error());
    return;
  }
  auto records = loadDeployments(store.dir());
  if (!records) {
    std::cerr << "trustctl: warning: " << records.error().message << "\n";
    records = DeploymentRecords{};
  }
  printServerCertTable(ctx, snapshot->state, *records, {});
}

void runShow(CliContext& ctx, const std::string& name) {
  ts::Store store = ctx.store();
  auto snapshot = store.load();
  if (!snapshot) {
    ctx.fail(snapshot.error());
    return;
  }
  auto it = snapshot->state.server_certs.find(name);
  if (it == snapshot->state.server_certs.end()) {
    ctx.fail(ts::serverCertNotFoundError(name));
    return;
  }
  auto j = serverCertJson(snapshot->state, it->second, wallClockNow(), ctx.expiringWindowSeconds());
  j["path"] = store.serverCertPath(name);
  if (ctx.options.json) {
    ctx.printJson(j);
    return;
  }
  std::cout << ctx.bold(name) << "  (" << sourceLabel(it->second.source) << ")\n";
  for (const auto& d : it->second.domains) {
    std::cout << "  domain       " << d << "\n";
  }
  for (const auto& u : it->second.served_at) {
    std::cout << "  served at    " << u << "\n";
  }
  if (j.contains("chain")) {
    for (const auto& sha : j["chain"]) {
      const auto& info = snapshot->state.certificates.at(sha.get<std::string>());
      std::cout << "  " << ts::certificateKindName(ts::classifyCertificate(info)) << "  "
                << info.subject << "\n    sha256 " << info.sha256 << "  expires "
                << formatDate(info.not_after) << "\n";
    }
    std::cout << "  status       " << j["status"].get<std::string>() << " ("
              << j["days_left"].get<std::int64_t>() << " days left)\n";
  }
  std::cout << "  files        " << j["path"].get<std::string>() << "/{fullchain.pem,"
            << "privkey.pem,chain.pem,cert.pem,bundle.p12}\n";
}

void runRemove(CliContext& ctx, const std::string& name) {
  auto generation = ctx.store().update(
      ctx.updateOptions(), [&](ts::Transaction& tx) { return ts::removeServerCert(tx, name); });
  if (!generation) {
    ctx.fail(generation.error());
    return;
  }
  if (ctx.options.json) {
    ctx.printJson({{"removed", name}});
  } else {
    std::cout << "Removed server certificate " << name << " and its files\n";
  }
}

void runPath(CliContext& ctx, const ServerCertArgs& a) {
  auto snapshot = ctx.store().load();
  if (!snapshot) {
    ctx.fail(snapshot.error());
    return;
  }
  if (snapshot->state.server_certs.count(a.name) == 0) {
    ctx.fail(ts::serverCertNotFoundError(a.name));
    return;
  }
  std::string dir = ctx.store().serverCertPath(a.name);
  if (a.file.empty()) {
    std::cout << dir << "\n";
    return;
  }
  for (const char* f : kFiles) {
    if (a.file == f) {
      std::cout << dir << "/" << f << "\n";
      return;
    }
  }
  ctx.fail({ErrorCode::Usage, "--file '" + a.file +
                                  "' is not one of fullchain.pem, privkey.pem, chain.pem, "
                                  "cert.pem, bundle.p12"});
}

}  // namespace

void addServerCertCommands(CLI::App& app, CliContext& ctx) {
  CLI::App* group =
      app.add_subcommand("server-cert", "Certificates this host's servers present, with keys");
  group->require_subcommand(1);
  group->footer(
      "Checked at upload (key, chain order, missing intermediates, domains, validity, weak "
      "keys,\nCA or client-only certificates); nothing is stored when a check fails.\n"
      "Passwords never go on the command line.\n\nExamples:\n"
      "  trustctl server-cert add web --domain www.example.com --cert cert.pem --key key.pem\n"
      "  trustctl server-cert add api --domain api.example.com --cert api.p12 "
      "--password-file pw.txt\n"
      "  trustctl server-cert add web --domain www.example.com --cert new.pem --key new.key "
      "--ca chain.pem --replace\n"
      "  trustctl server-cert edit web --served-at https://www.example.com:443\n"
      "  trustctl server-cert check web\n"
      "  trustctl server-cert list\n"
      "  nginx: ssl_certificate \"$(trustctl server-cert path web --file fullchain.pem)\";");
  auto a = std::make_shared<ServerCertArgs>();

  CLI::App* add = group->add_subcommand("add", "Check and store a server certificate and key");
  add->add_option("name", a->name, "Server certificate name")->required();
  add->add_option("--domain", a->domains,
                  "A name it serves (repeat; *.example.com for a "
                  "wildcard)")
      ->required();
  add->add_option("--cert", a->cert_file,
                  "Certificate (PEM/DER, maybe with its chain) or "
                  "PKCS#12 with the key")
      ->required();
  add->add_option("--key", a->key_file,
                  "Private key: PKCS#1, PKCS#8 or SEC1, PEM or DER, encrypted or not");
  add->add_option("--ca", a->ca_files, "Intermediate certificates, any order (repeat)");
  add->add_option("--catalog", a->catalogs, "PEM bundle to look missing intermediates up in");
  add->add_option("--password-file", a->password.file, "File whose first line is the password");
  add->add_option("--password-env", a->password.env, "Environment variable holding it");
  add->add_flag("--replace", a->replace, "Replace the server certificate of that name");
  add->add_option("--served-at", a->served_at,
                  "Listener serving it (https://host:port, ldaps://...), proved by "
                  "'server-cert check' and the agent (repeat)");
  add->callback([&ctx, a] { runAdd(ctx, *a); });

  group->add_subcommand("list", "Server certificates, one row per domain")->callback([&ctx] {
    runList(ctx);
  });
  CLI::App* show = group->add_subcommand("show", "One server certificate, its chain and files");
  show->add_option("name", a->name, "Server certificate name")->required();
  show->callback([&ctx, a] { runShow(ctx, a->name); });
  CLI::App* remove = group->add_subcommand("remove", "Remove a server certificate and its files");
  remove->add_option("name", a->name, "Server certificate name")->required();
  remove->callback([&ctx, a] { runRemove(ctx, a->name); });
  CLI::App* path = group->add_subcommand("path", "The stable folder (or one file) servers load");
  path->add_option("name", a->name, "Server certificate name")->required();
  path->add_option("--file", a->file,
                   "fullchain.pem, privkey.pem, chain.pem, cert.pem or "
                   "bundle.p12");
  path->callback([&ctx, a] { runPath(ctx, *a); });
  addServerCertDeployCommands(group, ctx);
  addServerCertRenewCommand(*group, ctx);
}

}  // namespace trustctl::agent
