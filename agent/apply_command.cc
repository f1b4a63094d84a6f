// trustctl apply: make the store what a TOML file says, atomically, showing the plan first.
#include <unistd.h>

#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "agent/cli_context.h"
#include "agent/commands.h"
#include "agent/config_apply.h"
#include "agent/on_change_ledger.h"

namespace trustctl::agent {

namespace {

struct ApplyArgs {
  std::string file;
  bool dry_run = false;
  bool prune = false;
  bool yes = false;
  bool allow_empty = false;
};

// "entries a, b and connectors c", at most a dozen names.
std::string removalList(const config::Plan& plan) {
  auto names = [](const std::vector<std::string>& v) {
    std::string out;
    for (size_t i = 0; i < v.size() && i < 12; ++i) {
      out += (i == 0 ? "" : ", ") + v[i];
    }
    return v.size() > 12 ? out + " (+" + std::to_string(v.size() - 12) + " more)" : out;
  };
  auto entries = plan.removedEntries();
  auto connectors = plan.removedConnectors();
  std::string out;
  if (!entries.empty()) {
    out += (entries.size() == 1 ? "entry " : "entries ") + names(entries);
  }
  if (!connectors.empty()) {
    out += (out.empty() ? "" : " and ") +
           std::string(connectors.size() == 1 ? "connector " : "connectors ") + names(connectors);
  }
  return out;
}

// With --prune and without --yes: the removals `planned` makes are shown and confirmed on a
// terminal, and the apply then goes ahead only with that plan. False when it must not go on.
bool confirmRemovals(CliContext& ctx, const config::Plan& planned, const ApplyArgs& args,
                     ApplyRequest& request) {
  std::string removals = removalList(planned);
  if (removals.empty()) {
    return true;
  }
  if (::isatty(STDIN_FILENO) == 0) {
    ctx.fail({ErrorCode::ConfirmationRequired,
              "apply --prune would remove " + removals + " (not in " + args.file +
                  "); no terminal to confirm on: check with --dry-run, then add --yes"});
    return false;
  }
  std::cerr << "Plan:\n"
            << config::renderPlan(planned) << "Remove " << removals << "? [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  if (answer.empty() || (answer[0] != 'y' && answer[0] != 'Y')) {
    std::cerr << "Nothing changed.\n";
    ctx.exit_code = kExitProblem;
    return false;
  }
  request.expected_plan = config::planJson(planned);
  return true;
}

void runApply(CliContext& ctx, const ApplyArgs& args) {
  truststore::Store store = ctx.store();
  ApplyRequest request;
  request.path = args.file;
  request.plan.prune = args.prune;
  request.plan.allow_empty = args.allow_empty;
  request.dry_run = args.dry_run;
  if (!args.dry_run) {
    // Validated and planned first: a bad file or a refused removal must leave the store folder
    // exactly as it was, the on_change ledger below included.
    ApplyRequest preview = request;
    preview.dry_run = true;
    auto planned = applyConfigFile(store, ctx.updateOptions(), preview);
    if (!planned) {
      ctx.fail(planned.error());
      return;
    }
    if (args.prune && !args.yes && !confirmRemovals(ctx, planned->plan, args, request)) {
      return;
    }
  }
  // on_change fires through the one ledger the agent uses too: a change fires once, whether
  // this command or a running agent sees it first.
  OnChangeLedger ledger(store);
  if (!args.dry_run) {
    if (auto before = store.loadAll()) {
      if (auto seeded = ledger.seedIfMissing(before->state); !seeded) {
        ctx.fail(seeded.error());
        return;
      }
    }
  }
  auto outcome = applyConfigFile(store, ctx.updateOptions(), request);
  if (!outcome) {
    ctx.fail(outcome.error());
    return;
  }
  const config::ConfigFile* config = &outcome->config;
  bool empty = outcome->empty();
  if (ctx.options.json) {
    ctx.printJson({{"file", args.file},
                   {"changed", !empty},
                   {"applied", !args.dry_run && !empty},
                   {"plan", outcome->planJson()}});
  } else if (empty) {
    std::cout << "No changes: the store already matches " << args.file << ".\n";
  } else {
    std::cout << (args.dry_run ? "Plan (dry run, nothing changed):\n" : "Applied:\n")
              << outcome->renderPlan();
  }
  if (args.dry_run) {
    return;
  }
  auto after = store.loadAll();  // every scope's connectors, by their flat names
  if (!after) {
    ctx.fail(after.error());
    return;
  }
  auto fired = ledger.fireChanged(
      after->state, config::allConnectors(*config),
      std::chrono::milliseconds(static_cast<long>(ctx.options.lock_timeout_seconds * 1000)));
  if (!fired) {
    ctx.fail(fired.error());
    return;
  }
  auto servers = ledger.fireServerCertsChanged(
      after->state, config->server_certs,
      std::chrono::milliseconds(static_cast<long>(ctx.options.lock_timeout_seconds * 1000)));
  if (!servers) {
    ctx.fail(servers.error());
    return;
  }
  fired->insert(fired->end(), servers->begin(), servers->end());
  std::ostream& out = ctx.options.json ? std::cerr : std::cout;
  for (const auto& f : *fired) {
    const auto& r = f.result;
    out << "on_change for " << (f.server_cert ? "server certificate " : "") << f.connector << ": "
        << (r.timed_out ? "killed after " + std::to_string(f.timeout_seconds) + " s"
                        : "exit " + std::to_string(r.exit_code))
        << "\n";
    if (!r.output.empty())
      out << r.output << (r.output.back() == '\n' ? "" : "\n");
    if (r.exit_code != 0)
      ctx.exit_code = kExitProblem;
  }
}

}  // namespace

void addApplyCommand(CLI::App& app, CliContext& ctx) {
  auto args = std::make_shared<ApplyArgs>();
  CLI::App* cmd =
      app.add_subcommand("apply", "Make the store match a TOML config file (all or nothing)");
  cmd->add_option("file", args->file, "The config file (see examples/trustctl.toml)")->required();
  cmd->add_flag("--dry-run", args->dry_run, "Validate and print the plan; change nothing");
  cmd->add_flag("--prune", args->prune,
                "Also remove entries and connectors the file does not name (asks first)");
  cmd->add_flag("-y,--yes", args->yes, "With --prune: remove without asking");
  cmd->add_flag("--allow-empty", args->allow_empty,
                "With --prune: a file that declares nothing may empty the store");
  cmd->footer(
      "Exit codes: 0 applied or nothing to do, 1 an on_change command failed or removal not\n"
      "confirmed, 2 the file is invalid (every problem is printed as file:line:column) or\n"
      "--prune without --yes and no terminal, 3 could not complete.\n\n"
      "Examples:\n  trustctl apply /etc/trustctl/trustctl.toml --dry-run\n"
      "  trustctl apply /etc/trustctl/trustctl.toml\n"
      "  trustctl apply /etc/trustctl/trustctl.toml --prune --yes");
  cmd->callback([&ctx, args] { runApply(ctx, *args); });
}

}  // namespace trustctl::agent
