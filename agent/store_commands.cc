// trustctl log, store check, store path.
#include <algorithm>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "agent/cli_context.h"
#include "agent/commands.h"
#include "agent/table.h"
#include "truststore/audit_log.h"

namespace trustctl::agent {

namespace {

void runLog(CliContext& ctx, size_t limit) {
  auto records = truststore::readAudit(ctx.storeDir(), ctx.store().currentGeneration());
  if (!records) {
    ctx.fail(records.error());
    return;
  }
  size_t start = records->size() > limit ? records->size() - limit : 0;
  nlohmann::json all = nlohmann::json::array();
  Table table({"TIME", "USER", "ACTION", "SUBJECT", "SHA-256", "DETAIL"});
  for (size_t i = start; i < records->size(); ++i) {
    const auto& r = (*records)[i];
    all.push_back({{"time", formatRfc3339(r.time)},
                   {"user", r.user},
                   {"action", r.action},
                   {"subject", r.subject},
                   {"fingerprint", r.fingerprint},
                   {"detail", r.detail},
                   {"generation", r.generation}});
    table.addRow({formatRfc3339(r.time), r.user, r.action, r.subject,
                  r.fingerprint.empty() ? "-" : r.fingerprint.substr(0, 16), r.detail});
  }
  if (ctx.options.json) {
    ctx.printJson(all);
  } else if (table.empty()) {
    std::cout << "The audit log is empty.\n";
  } else {
    table.print(std::cout);
  }
}

void runCheck(CliContext& ctx, bool repair) {
  if (repair) {
    auto report = ctx.store().repair(ctx.updateOptions());
    if (!report) {
      ctx.fail(report.error());
      return;
    }
    if (report->repaired && !ctx.options.json) {
      std::cout << "Repaired: " << ctx.storeDir() << "/current " << report->problem
                << "; it now points at generations/" << report->generation << ".\n";
      if (!report->moved_aside.empty()) {
        std::cout << "What was in its place is kept in " << report->moved_aside << ".\n";
      }
    }
  }
  auto problems = ctx.store().check();
  if (!problems) {
    ctx.fail(problems.error());
    return;
  }
  // Lines starting "warning: " (what a killed writer leaves; the next change collects it) are
  // shown but do not fail the check.
  bool ok = std::all_of(problems->begin(), problems->end(),
                        [](const std::string& p) { return p.rfind("warning: ", 0) == 0; });
  ctx.exit_code = ok ? kExitOk : kExitProblem;
  if (ctx.options.json) {
    ctx.printJson({{"store", ctx.storeDir()}, {"ok", ok}, {"problems", *problems}});
    return;
  }
  for (const auto& p : *problems) {
    if (p.rfind("warning: ", 0) == 0) {
      std::cout << ctx.yellow("warning: ") << p.substr(9) << "\n";
    } else {
      std::cout << ctx.red("problem: ") << p << "\n";
    }
  }
  if (ok) {
    std::cout << "Store " << ctx.storeDir() << " is consistent (generation "
              << ctx.store().currentGeneration() << ").\n";
  }
}

void runBackup(CliContext& ctx, const std::string& file) {
  if (auto r = ctx.store().backup(file, ctx.updateOptions()); !r) {
    ctx.fail(r.error());
    return;
  }
  if (ctx.options.json) {
    ctx.printJson({{"store", ctx.storeDir()}, {"backup", file}});
  } else {
    std::cout << "Backed up " << ctx.storeDir() << " (generation "
              << ctx.store().currentGeneration() << ") to " << file
              << " (mode 0600: it holds private keys).\n";
  }
}

void runRestore(CliContext& ctx, const std::string& file, bool force) {
  auto gen = ctx.store().restore(file, force, ctx.updateOptions());
  if (!gen) {
    ctx.fail(gen.error());
    return;
  }
  if (ctx.options.json) {
    ctx.printJson({{"store", ctx.storeDir()}, {"restored", file}, {"generation", *gen}});
  } else {
    std::cout << "Restored " << file << " into " << ctx.storeDir() << " as generation " << *gen
              << ".\n";
  }
}

}  // namespace

void addStoreCommands(CLI::App& app, CliContext& ctx) {
  auto limit = std::make_shared<size_t>(50);
  CLI::App* log = app.add_subcommand("log", "The audit log: who changed what, when");
  log->add_option("-n,--limit", *limit, "Show the last N records (default 50)")
      ->check(finiteNumber())
      ->check(CLI::Range(0, 100000000));
  log->footer("Example:\n  trustctl log -n 20");
  log->callback([&ctx, limit] { runLog(ctx, *limit); });

  CLI::App* store = app.add_subcommand("store", "Inspect the store itself");
  store->require_subcommand(1);
  auto repair = std::make_shared<bool>(false);
  CLI::App* check = store->add_subcommand("check", "Verify the store's files and invariants");
  check->add_flag("--repair", *repair,
                  "When 'current' is lost, point it at the newest complete generation");
  check->footer("Examples:\n  trustctl store check\n  trustctl store check --repair");
  check->callback([&ctx, repair] { runCheck(ctx, *repair); });
  auto file = std::make_shared<std::string>();
  CLI::App* backup = store->add_subcommand("backup", "Archive the current state (tar, 0600)");
  backup->add_option("FILE", *file, "Archive to write (replaced atomically)")->required();
  backup->footer("Example:\n  trustctl store backup /root/trustctl-$(date +%F).tar");
  backup->callback([&ctx, file] { runBackup(ctx, *file); });
  auto force = std::make_shared<bool>(false);
  CLI::App* restore = store->add_subcommand("restore", "Restore a backup into an empty store");
  restore->add_option("FILE", *file, "Archive written by 'trustctl store backup'")->required();
  restore->add_flag("--force", *force, "Replace the content of a store that holds data");
  restore->footer(
      "Examples:\n  trustctl --store /var/lib/trustctl store restore backup.tar\n"
      "  trustctl store restore backup.tar --force   # replace what the store holds");
  restore->callback([&ctx, file, force] { runRestore(ctx, *file, *force); });
  CLI::App* path = store->add_subcommand("path", "Print the store directory in use");
  path->footer("Example:\n  trustctl store path");
  path->callback([&ctx] { std::cout << ctx.storeDir() << "\n"; });
}

}  // namespace trustctl::agent
