// trustctl agent: applies the config file, then keeps every connector healthy: probes targets
// on their interval (jittered, concurrent, bounded), re-checks expiry, writes a status file,
// serves /metrics, /status and /healthz, logs state changes once, runs on_change when a
// connector's trust or identity changed, reloads on SIGHUP and stops promptly on SIGTERM.
#include <signal.h>

#include <chrono>
#include <condition_variable>
#include <cstdlib>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <thread>

#include <httplib.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "agent/cli_context.h"
#include "agent/commands.h"
#include "agent/config_apply.h"
#include "agent/fleet_probe.h"
#include "truststore/file_util.h"

namespace trustctl::agent {

namespace {

using Clock = std::chrono::steady_clock;

class AgentDaemon {
 public:
  AgentDaemon(CliContext& ctx, std::string config_path)
      : ctx_(ctx), config_path_(std::move(config_path)) {}
  int run();

 private:
  bool reload(bool initial);
  void cycle();
  void runChangedOnChange(const truststore::StoreState& state);
  void publish(probes::FleetStatus fleet);
  void serveHttp(const std::string& host, int port);
  void waitForSignals();

  CliContext& ctx_;
  std::string config_path_;
  config::ConfigFile config_;
  std::map<std::string, Clock::time_point> next_due_;
  std::map<std::string, std::vector<probes::TargetStatus>> targets_;
  std::map<std::string, std::string> fingerprints_;
  std::mt19937 random_{std::random_device{}()};

  std::mutex mutex_;  // guards what the HTTP thread reads and the flags below
  std::condition_variable wake_;
  bool stop_ = false;
  bool hup_ = false;
  std::optional<probes::FleetStatus> status_;
  long probe_cycles_ = 0;
  double last_probe_cycle_seconds_ = 0;
  long cycles_ = 0, reloads_ok_ = 0, reloads_rejected_ = 0, on_change_runs_ = 0,
       on_change_failures_ = 0;
  httplib::Server http_;
};

bool AgentDaemon::reload(bool initial) {
  truststore::Store store = ctx_.store();
  auto before = store.load();
  if (!before) {
    spdlog::error("{}", before.error().message);
    return false;
  }
  auto applied = applyConfigFile(store, ctx_.updateOptions(), config_path_, false, false);
  if (!applied) {
    for (const auto& line : splitLines(applied.error().message))
      spdlog::error("{}", line);
    spdlog::error("config {} rejected; {}", config_path_,
                  initial ? "not starting" : "keeping the running state");
    std::lock_guard<std::mutex> lock(mutex_);
    ++reloads_rejected_;
    return false;
  }
  config_ = std::move(applied->config);
  if (applied->plan.empty()) {
    spdlog::info("config {}: no changes", config_path_);
  } else {
    for (const auto& line : splitLines(config::renderPlan(applied->plan)))
      spdlog::info("applied:{}", line);
  }
  if (initial) {
    for (const auto& [name, c] : before->state.connectors)
      fingerprints_[name] = trustFingerprint(before->state, c);
  }
  next_due_.clear();  // intervals may have changed: probe everything now
  std::lock_guard<std::mutex> lock(mutex_);
  ++reloads_ok_;
  return true;
}

// Runs on_change for every connector whose trust or identity content changed since last seen,
// whoever changed it (this agent's apply or a trustctl command): once per change.
void AgentDaemon::runChangedOnChange(const truststore::StoreState& state) {
  for (const auto& [name, connector] : state.connectors) {
    std::string now = trustFingerprint(state, connector);
    auto it = fingerprints_.find(name);
    bool changed = it == fingerprints_.end() || it->second != now;
    fingerprints_[name] = now;
    if (!changed)
      continue;
    const config::ConnectorSpec* spec = nullptr;
    for (const auto& c : config_.connectors) {
      if (c.name == name)
        spec = &c;
    }
    if (!spec || spec->on_change.empty())
      continue;
    auto r = runOnChange(spec->on_change, name, ctx_.store().connectorPath(name),
                         spec->on_change_timeout_seconds);
    std::lock_guard<std::mutex> lock(mutex_);
    ++on_change_runs_;
    if (r.exit_code != 0)
      ++on_change_failures_;
    spdlog::log(
        r.exit_code == 0 ? spdlog::level::info : spdlog::level::warn, "on_change for {}: {}{}",
        name, r.timed_out ? "killed after timeout" : "exit " + std::to_string(r.exit_code),
        r.output.empty() ? "" : ": " + r.output.substr(0, r.output.find_last_not_of('\n') + 1));
  }
}

void AgentDaemon::cycle() {
  truststore::Store store = ctx_.store();
  auto snapshot = store.load();
  if (!snapshot) {
    spdlog::error("{}", snapshot.error().message);
    return;
  }
  const truststore::StoreState& state = snapshot->state;
  runChangedOnChange(state);
  auto now_wall = wallClockNow();
  auto now = Clock::now();
  std::vector<std::string> due;
  for (const auto& [name, connector] : state.connectors) {
    auto it = next_due_.find(name);
    if (it == next_due_.end() || it->second <= now)
      due.push_back(name);
  }
  FleetProbeOptions options;
  options.now = now_wall;
  options.max_parallel = config_.agent.max_parallel_probes;
  options.timeout_seconds = config_.agent.probe_timeout_seconds;
  options.thresholds = {config_.expiry.warning_days, config_.expiry.critical_days};
  if (!due.empty()) {
    auto started = Clock::now();
    std::vector<std::string> problems;
    auto probed = probeConnectors(store, state, due, options, &problems);
    double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    size_t count = 0;
    for (const auto& [name, targets] : probed)
      count += targets.size();
    spdlog::info("probed {} targets of {} connectors in {:.2f} s", count, due.size(), seconds);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++probe_cycles_;
      last_probe_cycle_seconds_ = seconds;
    }
    for (const auto& p : problems)
      spdlog::warn("{}", p);
    for (auto& [name, targets] : probed)
      targets_[name] = std::move(targets);
    for (const auto& name : due) {
      int interval = config_.agent.default_probe_interval_seconds;
      for (const auto& c : config_.connectors) {
        if (c.name == name)
          interval = c.probe_interval_seconds;
      }
      std::uniform_real_distribution<double> jitter(0.9, 1.1);  // spread the fleet's probes
      next_due_[name] = Clock::now() + std::chrono::milliseconds(
                                           static_cast<long>(interval * 1000 * jitter(random_)));
    }
  }
  probes::FleetStatus fleet;
  fleet.generated_at = now_wall;
  for (const auto& [name, connector] : state.connectors) {
    probes::ConnectorStatus c;
    c.name = name;
    c.targets = targets_[name];
    c.certificates = certificateRows(state, connector, now_wall, options.thresholds);
    fleet.connectors.push_back(std::move(c));
  }
  probes::computeForecast(fleet);
  publish(std::move(fleet));
}

void AgentDaemon::publish(probes::FleetStatus fleet) {
  std::unique_lock<std::mutex> lock(mutex_);
  for (const auto& line : probes::stateChanges(status_ ? &*status_ : nullptr, fleet)) {
    spdlog::warn("{}", line);
  }
  ++cycles_;
  std::string text = probes::fleetStatusJson(fleet).dump(2) + "\n";
  status_ = std::move(fleet);
  lock.unlock();
  auto written = truststore::writeFileAtomic(ctx_.store().dir() + "/agent-status.json", text, 0644);
  if (!written)
    spdlog::error("{}", written.error().message);
}

void AgentDaemon::serveHttp(const std::string& host, int port) {
  http_.Get("/healthz", [](const httplib::Request&, httplib::Response& res) {
    res.set_content("ok\n", "text/plain");
  });
  http_.Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mutex_);
    std::string text = status_ ? probes::prometheusText(*status_) : "";
    text += "# TYPE trustctl_agent_probe_cycles_total counter\ntrustctl_agent_probe_cycles_total " +
            std::to_string(probe_cycles_) +
            "\n# TYPE trustctl_agent_last_probe_cycle_seconds gauge\n" +
            "trustctl_agent_last_probe_cycle_seconds " + std::to_string(last_probe_cycle_seconds_) +
            "\n";
    text += "# TYPE trustctl_agent_cycles_total counter\ntrustctl_agent_cycles_total " +
            std::to_string(cycles_) +
            "\n# TYPE trustctl_agent_config_reloads_total "
            "counter\ntrustctl_agent_config_reloads_total{result=\"ok\"} " +
            std::to_string(reloads_ok_) +
            "\ntrustctl_agent_config_reloads_total{result=\"rejected\"} " +
            std::to_string(reloads_rejected_) +
            "\n# TYPE trustctl_agent_on_change_runs_total "
            "counter\ntrustctl_agent_on_change_runs_total " +
            std::to_string(on_change_runs_) + "\ntrustctl_agent_on_change_failures_total " +
            std::to_string(on_change_failures_) + "\n";
    res.set_content(text, "text/plain; version=0.0.4");
  });
  http_.Get("/status", [this](const httplib::Request&, httplib::Response& res) {
    std::lock_guard<std::mutex> lock(mutex_);
    res.set_content(status_ ? probes::fleetStatusJson(*status_).dump(2) + "\n" : "{}\n",
                    "application/json");
  });
  if (!http_.listen(host, port)) {
    spdlog::error("cannot listen on {}:{}; /metrics and /status are off", host, port);
  }
}

void AgentDaemon::waitForSignals() {
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  for (;;) {
    int sig = 0;
    if (sigwait(&set, &sig) != 0)
      continue;
    std::lock_guard<std::mutex> lock(mutex_);
    if (sig == SIGHUP) {
      hup_ = true;
    } else {
      stop_ = true;
    }
    wake_.notify_all();
    if (stop_)
      return;
  }
}

int AgentDaemon::run() {
  // Every thread blocks these; one thread takes them with sigwait, so no handler runs inside
  // libcurl, libldap or a lock.
  sigset_t set;
  sigemptyset(&set);
  sigaddset(&set, SIGHUP);
  sigaddset(&set, SIGTERM);
  sigaddset(&set, SIGINT);
  pthread_sigmask(SIG_BLOCK, &set, nullptr);
  auto logger = spdlog::stderr_color_mt("trustctl-agent");
  logger->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %v");
  spdlog::set_default_logger(logger);
  if (!reload(true)) {
    return kExitUsage;
  }
  const std::string& listen = config_.agent.listen;
  size_t colon = listen.rfind(':');
  int port = colon == std::string::npos ? 0 : std::atoi(listen.c_str() + colon + 1);
  if (colon == std::string::npos || port < 1 || port > 65535) {
    spdlog::error("{}: [agent] listen = \"{}\": expected HOST:PORT, e.g. 127.0.0.1:9464",
                  config_path_, listen);
    return kExitUsage;
  }
  std::string host = listen.substr(0, colon);
  std::thread signals([this] { waitForSignals(); });
  std::thread http([this, host, port] { serveHttp(host, port); });
  std::atomic<bool> finished{false};
  // After SIGTERM the current cycle gets 1.5 s; then in-flight probes are abandoned (the status
  // file is only ever replaced whole, so nothing is left half-written).
  std::thread stopper([this, &finished] {
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait(lock, [this] { return stop_; });
    lock.unlock();
    for (int i = 0; i < 30 && !finished; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (!finished) {
      spdlog::warn("stopping: abandoning in-flight probes");
      spdlog::shutdown();
      std::_Exit(0);
    }
  });
  spdlog::info("agent started: store {}, config {}, http://{}/metrics", ctx_.store().dir(),
               config_path_, listen);
  for (;;) {
    bool hup = false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stop_)
        break;
      std::swap(hup, hup_);
    }
    if (hup) {
      spdlog::info("SIGHUP: reloading {}", config_path_);
      reload(false);
    }
    auto cycle_started = Clock::now();
    cycle();
    auto next = Clock::now() + std::chrono::seconds(5);  // re-check expiry and store changes
    for (const auto& [name, due] : next_due_)
      next = std::min(next, due);
    // Connectors falling due within a second of each other are probed in one batch: one store
    // read, one status file and one concurrent probe run instead of one per connector.
    next = std::max(next, cycle_started + std::chrono::seconds(1));
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait_until(lock, next, [this] { return stop_ || hup_; });
  }
  finished = true;
  http_.stop();
  http.join();
  stopper.join();
  signals.join();
  spdlog::info("agent stopped");
  return kExitOk;
}

}  // namespace

void addAgentCommand(CLI::App& app, CliContext& ctx) {
  auto config = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "agent", "Run the daemon: apply the config, probe, watch expiry, serve metrics");
  cmd->add_option("--config", *config, "The TOML config file (see examples/trustctl.toml)")
      ->required();
  cmd->footer(
      "Runs in the foreground and logs to stderr. SIGHUP re-reads the config (an invalid file is\n"
      "refused and the running state kept); SIGTERM stops within about two seconds.\n"
      "Serves /metrics (Prometheus), /status (JSON) and /healthz on [agent] listen.\n\n"
      "Example:\n  trustctl agent --config /etc/trustctl/trustctl.toml");
  cmd->callback([&ctx, config] {
    AgentDaemon daemon(ctx, *config);
    ctx.exit_code = daemon.run();
  });
}

}  // namespace trustctl::agent
