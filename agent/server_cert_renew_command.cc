// trustctl server-cert renew: re-issues server certificates of the built-in CA with the request
// they were first issued with. Named ones are renewed now (or, with --if-due, only when two
// thirds of their lifetime have passed); without names, every due one. Each is replaced in
// its own transaction: a failure leaves it as it was and is reported, the rest go on.
#include <iostream>
#include <limits>
#include <memory>

#include <CLI/CLI.hpp>

#include "agent/cli_context.h"
#include "agent/server_cert_renew.h"

namespace trustctl::agent {

namespace {

struct RenewArgs {
  std::vector<std::string> names;
  bool if_due = false;
  std::string passphrase_file;
};

// What to renew: every due one without names; named ones checked, due or not unless --if-due.
Result<std::vector<truststore::RenewalDue>> selection(const truststore::StoreState& state,
                                                      const RenewArgs& a, UnixTime now) {
  if (a.names.empty()) {
    return truststore::renewalDue(state, {}, now);
  }
  std::vector<truststore::RenewalDue> out;
  for (const auto& name : a.names) {
    if (auto ok = truststore::renewable(state, name); !ok) {
      return tl::unexpected(ok.error());
    }
    auto due = truststore::renewalDue(state, {name},
                                      a.if_due ? now : std::numeric_limits<UnixTime>::max());
    out.insert(out.end(), due.begin(), due.end());
  }
  return out;
}

void runRenew(CliContext& ctx, const RenewArgs& a) {
  truststore::Store store = ctx.store();
  auto snapshot = store.load();
  if (!snapshot) {
    ctx.fail(snapshot.error());
    return;
  }
  UnixTime now = wallClockNow();
  auto due = selection(snapshot->state, a, now);
  if (!due) {
    ctx.fail(due.error());
    return;
  }
  auto outcomes = renewServerCerts(store, ctx.updateOptions(), *due, a.passphrase_file, now);
  nlohmann::json json = nlohmann::json::array();
  const Error* first_error = nullptr;
  for (const auto& r : outcomes) {
    json.push_back(
        {{"name", r.name},
         {"issuer", r.issuer},
         {"renewed", r.renewed},
         {"sha256", r.renewed ? nlohmann::json(r.sha256) : nlohmann::json(nullptr)},
         {"not_after",
          r.renewed ? nlohmann::json(formatRfc3339(r.not_after)) : nlohmann::json(nullptr)},
         {"error", r.renewed ? nlohmann::json(nullptr) : nlohmann::json(r.error.message)}});
    first_error = first_error == nullptr && !r.renewed ? &r.error : first_error;
  }
  if (ctx.options.json) {
    ctx.printJson(json);
  } else if (outcomes.empty()) {
    std::cout << "Nothing to renew: no server certificate of the built-in CA is past two thirds "
                 "of its lifetime\n";
  }
  for (const auto& r : outcomes) {
    if (ctx.options.json) {
      break;
    }
    if (r.renewed) {
      std::cout << "Renewed " << ctx.bold(r.name) << " (CA " << r.issuer << ")\n    sha256 "
                << r.sha256 << "  expires " << formatDate(r.not_after) << "\n";
    } else {
      std::cerr << "Not renewed " << r.name << ": " << r.error.message << "\n";
    }
  }
  if (first_error != nullptr) {
    Error e = *first_error;
    if (ctx.options.json) {
      ctx.exit_code = errorExitCode(e.code);
      return;
    }
    e.message = "some server certificates were not renewed (see above); run again when fixed";
    ctx.fail(e);
  }
}

}  // namespace

void addServerCertRenewCommand(CLI::App& group, CliContext& ctx) {
  auto a = std::make_shared<RenewArgs>();
  CLI::App* renew =
      group.add_subcommand("renew", "Re-issue server certificates of the built-in CA");
  renew->footer(
      "Re-issues with the same CA, domains, profile, validity and key type, and replaces the\n"
      "files at the same paths; the agent runs on_change. The agent renews by itself when two\n"
      "thirds of a lifetime have passed.\n\nExamples:\n"
      "  trustctl server-cert renew web --passphrase-file /etc/trustctl/ca.pass\n"
      "  trustctl server-cert renew --if-due --passphrase-file /etc/trustctl/ca.pass");
  renew->add_option("name", a->names, "Server certificates (default: every one that is due)");
  renew->add_flag("--if-due", a->if_due,
                  "Named ones only when two thirds of their lifetime have passed");
  renew->add_option("--passphrase-file", a->passphrase_file,
                    "File whose first line is the CA passphrase (default: the systemd "
                    "credential trustctl-ca-passphrase)");
  renew->callback([&ctx, a] { runRenew(ctx, *a); });
}

}  // namespace trustctl::agent
