// trustctl apply: make the store what a TOML file says, atomically, showing the plan first.
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
};

void runApply(CliContext& ctx, const ApplyArgs& args) {
  truststore::Store store = ctx.store();
  // on_change fires through the one ledger the agent uses too: a change fires once, whether
  // this command or a running agent sees it first.
  OnChangeLedger ledger(store);
  if (!args.dry_run) {
    if (auto before = store.load()) {
      if (auto seeded = ledger.seedIfMissing(before->state); !seeded) {
        ctx.fail(seeded.error());
        return;
      }
    }
  }
  auto outcome = applyConfigFile(store, ctx.updateOptions(), args.file, args.prune, args.dry_run);
  if (!outcome) {
    ctx.fail(outcome.error());
    return;
  }
  const config::Plan& plan = outcome->plan;
  const config::ConfigFile* config = &outcome->config;
  if (ctx.options.json) {
    ctx.printJson({{"file", args.file},
                   {"changed", !plan.empty()},
                   {"applied", !args.dry_run && !plan.empty()},
                   {"plan", config::planJson(plan)}});
  } else if (plan.empty()) {
    std::cout << "No changes: the store already matches " << args.file << ".\n";
  } else {
    std::cout << (args.dry_run ? "Plan (dry run, nothing changed):\n" : "Applied:\n")
              << config::renderPlan(plan);
  }
  if (args.dry_run) {
    return;
  }
  auto after = store.load();
  if (!after) {
    ctx.fail(after.error());
    return;
  }
  auto fired = ledger.fireChanged(
      after->state, config->connectors,
      std::chrono::milliseconds(static_cast<long>(ctx.options.lock_timeout_seconds * 1000)));
  if (!fired) {
    ctx.fail(fired.error());
    return;
  }
  std::ostream& out = ctx.options.json ? std::cerr : std::cout;
  for (const auto& f : *fired) {
    const auto& r = f.result;
    out << "on_change for " << f.connector << ": "
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
                "Also remove entries and connectors the file does not name");
  cmd->footer(
      "Exit codes: 0 applied or nothing to do, 1 an on_change command failed, 2 the file is "
      "invalid\n"
      "(every problem is printed as file:line:column), 3 could not complete.\n\n"
      "Examples:\n  trustctl apply /etc/trustctl/trustctl.toml --dry-run\n"
      "  trustctl apply /etc/trustctl/trustctl.toml");
  cmd->callback([&ctx, args] { runApply(ctx, *args); });
}

}  // namespace trustctl::agent
