#include "agent/agent_daemon.h"

#include <spdlog/spdlog.h>

#include "agent/agent_health.h"
#include "agent/config_apply.h"
#include "agent/on_change_ledger.h"

namespace trustctl::agent {

int longestInterval(const config::ConfigFile& config) {
  auto connectors = config::allConnectors(config);
  int longest = connectors.empty() ? config.agent.default_probe_interval_seconds : 1;
  for (const auto& c : connectors) {
    longest = std::max(longest, c.probe_interval_seconds);
  }
  return longest;
}

// Validates and applies the file. Only the initial call runs on the main thread; a reload
// runs on the reloader's, so a slow file (a PKCS#12 of many iterations, a held store lock)
// never delays a probe.
Result<config::ConfigFile> AgentDaemon::loadAndApply(bool initial) {
  auto before = store_.loadAll();
  if (before && initial) {
    if (auto seeded = OnChangeLedger(store_).seedIfMissing(before->state); !seeded) {
      spdlog::warn("{}", seeded.error().message);
    }
  }
  auto applied = before ? applyConfigFile(store_, ctx_.updateOptions(), config_path_, false, false)
                        : tl::unexpected(before.error());
  std::lock_guard<std::mutex> lock(mutex_);
  counters_.last_reload_at = wallClockNow();
  counters_.last_reload_success = applied.has_value();
  if (!applied) {
    for (const auto& line : splitLines(applied.error().message)) {
      spdlog::error("{}", line);
    }
    spdlog::error("config {} rejected; {}", config_path_,
                  initial ? "not starting" : "keeping the running state");
    ++counters_.reloads_rejected;
    return tl::unexpected(applied.error());
  }
  if (applied->plan.empty()) {
    spdlog::info("config {}: no changes", config_path_);
  } else {
    for (const auto& line : splitLines(config::renderPlan(applied->plan))) {
      spdlog::info("applied:{}", line);
    }
  }
  ++counters_.reloads_ok;
  return std::move(applied->config);
}

void AgentDaemon::reloader() {
  for (;;) {
    {
      std::unique_lock<std::mutex> lock(mutex_);
      wake_.wait(lock, [this] { return stop_ || hup_; });
      if (stop_) {
        return;
      }
      hup_ = false;
    }
    spdlog::info("SIGHUP: reloading {}", config_path_);
    notifier_.notify(reloadingState() + "\nSTATUS=reloading " + config_path_);
    auto loaded = loadAndApply(false);
    std::lock_guard<std::mutex> lock(mutex_);
    if (loaded) {
      pending_ = std::move(*loaded);
      wake_.notify_all();
    }
    notifier_.notify(std::string("READY=1\nSTATUS=") +
                     (loaded ? "config reloaded" : "config rejected; running the previous one"));
  }
}

void AgentDaemon::applyPending() {
  if (!pending_) {
    return;
  }
  config_ = std::move(*pending_);
  pending_.reset();
  next_due_.clear();  // intervals may have changed: probe everything now
  max_cycle_age_ = maxCycleAge(longestInterval(config_));
  counters_.longest_probe_interval_seconds = longestInterval(config_);
}

}  // namespace trustctl::agent
