// trustctl list, show, where-used: read-only views of the library.
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "agent/cli_context.h"
#include "agent/commands.h"
#include "agent/entry_view.h"
#include "agent/table.h"
#include "truststore/certificate_status.h"
#include "truststore/scope.h"
#include "truststore/text_escape.h"

namespace trustctl::agent {

namespace {

using truststore::CertificateHealth;
// Certificate fields are printed escaped: a subject may hold terminal control sequences.
using truststore::escapeControl;

std::string paintStatus(const CliContext& ctx, CertificateHealth h, const std::string& text) {
  if (h == CertificateHealth::Ok) {
    return ctx.green(text);
  }
  return h == CertificateHealth::Expiring ? ctx.yellow(text) : ctx.red(text);
}

std::string joined(const std::vector<std::string>& v) {
  std::string out;
  for (const auto& s : v) {
    out += (out.empty() ? "" : ",") + s;
  }
  return out.empty() ? "-" : out;
}

void runList(CliContext& ctx, const std::string& kind_filter) {
  auto snapshot = ctx.store().load();
  if (!snapshot) {
    ctx.fail(snapshot.error());
    return;
  }
  const auto& state = snapshot->state;
  UnixTime now = wallClockNow();
  bool problem = false;
  nlohmann::json all = nlohmann::json::array();
  Table table({"NAME", "KIND", "SUBJECT CN", "ISSUER CN", "ISSUED ON", "EXPIRES ON", "STATUS",
               "SHA-256", "USED BY"});
  for (const auto& [name, entry] : state.entries) {
    std::string kind = entryKindLabel(state, entry);
    if (!kind_filter.empty() && kind != kind_filter) {
      continue;
    }
    EntryStatus status = entryStatus(state, entry, now, ctx.expiringWindowSeconds());
    problem = problem || isProblem(status.health);
    if (ctx.options.json) {
      all.push_back(entryJson(state, entry, now, ctx.expiringWindowSeconds()));
      continue;
    }
    const truststore::CertificateInfo* main = principalCertificate(state, entry);
    if (main == nullptr) {
      continue;
    }
    std::string status_text(truststore::certificateHealthName(status.health));
    table.addRow({name, kind, escapeControl(main->subject_cn), escapeControl(main->issuer_cn),
                  formatDate(main->not_before), formatDate(main->not_after),
                  paintStatus(ctx, status.health, status_text),
                  truststore::shortFingerprint(main->sha256), joined(state.whereUsed(name))});
  }
  if (ctx.options.json) {
    ctx.printJson(all);
  } else if (table.empty()) {
    std::cout << "The library is empty. Add a certificate with 'trustctl import FILE'.\n";
  } else {
    table.print(std::cout);
  }
  ctx.exit_code = problem ? kExitProblem : kExitOk;
}

void printCertificate(const CliContext& ctx, const truststore::CertificateInfo& info,
                      const truststore::Entry& entry, UnixTime now) {
  bool as_ca = std::find(entry.used_as_ca.begin(), entry.used_as_ca.end(), info.sha256) !=
               entry.used_as_ca.end();
  auto status = truststore::assessCertificate(info, now, ctx.expiringWindowSeconds(), as_ca);
  auto kind = truststore::classifyCertificate(info);
  std::cout << "  " << ctx.bold(std::string(truststore::certificateKindName(kind))) << "  "
            << escapeControl(info.subject) << "\n"
            << "    issuer      " << escapeControl(info.issuer) << "\n"
            << "    valid       " << formatRfc3339(info.not_before) << " .. "
            << formatRfc3339(info.not_after) << "\n"
            << "    status      "
            << paintStatus(ctx, status.health,
                           std::string(truststore::certificateHealthName(status.health)))
            << (status.findings.empty() ? "" : " (" + status.summary() + ")") << "\n"
            << "    key         " << info.key_algorithm << " " << info.key_bits << " bits, "
            << info.signature_algorithm << "\n"
            << "    sha256      " << info.sha256 << "\n"
            << "    serial      " << info.serial << "\n";
  if (!info.sans.empty()) {
    std::cout << "    san         " << escapeControl(joined(info.sans)) << "\n";
  }
  if (!info.subject_key_id.empty()) {
    std::cout << "    key id      " << info.subject_key_id << "\n";
  }
  if (!info.ca_issuers.empty()) {
    std::cout << "    ca issuers  " << escapeControl(joined(info.ca_issuers)) << "\n";
  }
  if (kind == truststore::CertificateKind::Server &&
      entry.type != truststore::EntryType::Identity) {
    std::cout << ctx.yellow(
                     "    note        a server certificate: trusting it pins it; it must "
                     "be replaced at every renewal. Prefer the root CA.")
              << "\n";
  }
}

void runShow(CliContext& ctx, const std::string& name, bool pem) {
  truststore::Store store = ctx.store();
  auto snapshot = store.load();
  if (!snapshot) {
    ctx.fail(snapshot.error());
    return;
  }
  const auto& state = snapshot->state;
  const truststore::Entry* entry = state.findEntry(name);
  if (entry == nullptr) {
    ctx.fail(truststore::entryNotFoundError(name));
    return;
  }
  UnixTime now = wallClockNow();
  EntryStatus status = entryStatus(state, *entry, now, ctx.expiringWindowSeconds());
  ctx.exit_code = isProblem(status.health) ? kExitProblem : kExitOk;
  std::string pem_text;
  for (const auto& sha : entry->certificates) {
    auto cert = store.loadCertificate(sha);
    if (!cert) {
      ctx.fail(cert.error());
      return;
    }
    pem_text += (*cert)->pem();
  }
  if (ctx.options.json) {
    nlohmann::json j = entryJson(state, *entry, now, ctx.expiringWindowSeconds());
    j["pem"] = pem_text;
    ctx.printJson(j);
    return;
  }
  if (pem) {
    std::cout << pem_text;
    return;
  }
  std::cout << ctx.bold(entry->name) << "  " << entryKindLabel(state, *entry) << ", "
            << entry->certificates.size() << " certificate(s)"
            << (entry->key_id.empty() ? "" : " + private key (not shown)") << "\n"
            << "  status       " << paintStatus(ctx, status.health, escapeControl(status.reason))
            << "\n"
            << "  environment  " << (entry->environment.empty() ? "-" : entry->environment) << "\n"
            << "  note         " << (entry->note.empty() ? "-" : escapeControl(entry->note)) << "\n"
            << "  source       " << escapeControl(entry->source) << " (" << entry->format << ")\n"
            << "  imported     " << formatRfc3339(entry->created_at) << ", updated "
            << formatRfc3339(entry->updated_at) << "\n"
            << "  used by      " << joined(state.whereUsed(name)) << "\n";
  for (const auto& sha : entry->certificates) {
    printCertificate(ctx, state.certificates.at(sha), *entry, now);
  }
  std::cout << "\n" << pem_text;
}

void runWhereUsed(CliContext& ctx, const std::string& name) {
  auto snapshot = ctx.store().load();
  if (!snapshot) {
    ctx.fail(snapshot.error());
    return;
  }
  if (snapshot->state.findEntry(name) == nullptr) {
    ctx.fail(truststore::entryNotFoundError(name));
    return;
  }
  nlohmann::json uses = nlohmann::json::array();
  truststore::Store store = ctx.store();
  for (const auto& cname : snapshot->state.whereUsed(name)) {
    const auto& c = snapshot->state.connectors.at(cname);
    uses.push_back({{"scope", truststore::scopeLabel(store.scope())},
                    {"connector", cname},
                    {"as", c.identity == name ? "identity" : "trust"},
                    {"environment", c.environment}});
  }
  // Descendant scopes that reference this entry explicitly ("<scope>:<entry>", scope.h).
  auto tree = store.loadTree();
  if (!tree) {
    ctx.fail(tree.error());
    return;
  }
  std::string ref = truststore::entryRefName({store.scope(), name});
  for (const auto& use : truststore::referencesFromOtherScopes(tree->state, store.scope(), name)) {
    std::string scope = use.substr(0, use.rfind(':'));
    const auto& c = tree->state.scopes.at(scope).connectors.at(use.substr(scope.size() + 1));
    uses.push_back({{"scope", scope},
                    {"connector", c.name},
                    {"as", c.identity == ref ? "identity" : "trust"},
                    {"environment", c.environment}});
  }
  if (ctx.options.json) {
    ctx.printJson({{"entry", name}, {"used_by", uses}});
    return;
  }
  if (uses.empty()) {
    std::cout << name << " is not used by any connector.\n";
    return;
  }
  Table table({"SCOPE", "CONNECTOR", "AS", "ENVIRONMENT"});
  for (const auto& u : uses) {
    table.addRow({u["scope"], u["connector"], u["as"], u["environment"]});
  }
  table.print(std::cout);
}

}  // namespace

void addLibraryViewCommands(CLI::App& app, CliContext& ctx) {
  auto kind = std::make_shared<std::string>();
  CLI::App* list = app.add_subcommand("list", "Table of the library with each entry's status");
  list->add_option("--kind", *kind, "Only entries of this kind")
      ->check(CLI::IsMember({"root", "intermediate", "server", "identity", "chain"}));
  list->footer(
      "Exit code 1 when an entry is expired, not yet valid, weak or misused.\n\n"
      "Examples:\n  trustctl list\n  trustctl list --kind root --json\n"
      "  trustctl list --expiring-days 60");
  list->callback([&ctx, kind] { runList(ctx, *kind); });

  auto show_name = std::make_shared<std::string>();
  auto pem = std::make_shared<bool>(false);
  CLI::App* show = app.add_subcommand("show", "Full detail of one entry, with its PEM");
  show->add_option("name", *show_name, "Entry name")->required();
  show->add_flag("--pem", *pem, "Print only the PEM certificates");
  show->footer("Examples:\n  trustctl show corp-root\n  trustctl show corp-root --pem > root.pem");
  show->callback([&ctx, show_name, pem] { runShow(ctx, *show_name, *pem); });

  auto used_name = std::make_shared<std::string>();
  CLI::App* used = app.add_subcommand("where-used", "Connectors that trust or use an entry");
  used->add_option("name", *used_name, "Entry name")->required();
  used->footer("Example:\n  trustctl where-used corp-root");
  used->callback([&ctx, used_name] { runWhereUsed(ctx, *used_name); });
}

}  // namespace trustctl::agent
