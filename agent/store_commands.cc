// trustctl log, store check, store path.
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
  auto records = truststore::readAudit(ctx.storeDir());
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

void runCheck(CliContext& ctx) {
  auto problems = ctx.store().check();
  if (!problems) {
    ctx.fail(problems.error());
    return;
  }
  ctx.exit_code = problems->empty() ? kExitOk : kExitProblem;
  if (ctx.options.json) {
    ctx.printJson({{"store", ctx.storeDir()}, {"ok", problems->empty()}, {"problems", *problems}});
    return;
  }
  for (const auto& p : *problems) {
    std::cout << ctx.red("problem: ") << p << "\n";
  }
  if (problems->empty()) {
    std::cout << "Store " << ctx.storeDir() << " is consistent (generation "
              << ctx.store().currentGeneration() << ").\n";
  }
}

}  // namespace

void addStoreCommands(CLI::App& app, CliContext& ctx) {
  auto limit = std::make_shared<size_t>(50);
  CLI::App* log = app.add_subcommand("log", "The audit log: who changed what, when");
  log->add_option("-n,--limit", *limit, "Show the last N records (default 50)");
  log->footer("Example:\n  trustctl log -n 20");
  log->callback([&ctx, limit] { runLog(ctx, *limit); });

  CLI::App* store = app.add_subcommand("store", "Inspect the store itself");
  store->require_subcommand(1);
  CLI::App* check = store->add_subcommand("check", "Verify the store's files and invariants");
  check->footer("Example:\n  trustctl store check");
  check->callback([&ctx] { runCheck(ctx); });
  CLI::App* path = store->add_subcommand("path", "Print the store directory in use");
  path->footer("Example:\n  trustctl store path");
  path->callback([&ctx] { std::cout << ctx.storeDir() << "\n"; });
}

}  // namespace trustctl::agent
