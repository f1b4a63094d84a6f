// trustctl agent: applies the config file, then keeps every connector healthy: probes targets
// on their interval (jittered, concurrent, bounded), re-checks expiry, writes a status file,
// serves /metrics, /status and /healthz, logs state changes once, runs on_change when a
// connector's trust or identity changed, reloads on SIGHUP (on its own thread: probing goes on
// with the old config meanwhile), speaks systemd's notify protocol and stops promptly on
// SIGTERM.
#include <signal.h>

#include <atomic>
#include <thread>

#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include "agent/agent_daemon.h"
#include "agent/agent_health.h"
#include "agent/agent_log.h"
#include "agent/commands.h"
#include "truststore/server_cert.h"

namespace trustctl::agent {

// Pings systemd's watchdog at half its period while the agent is healthy, so a stalled main
// loop (its last cycle growing old) gets the unit restarted. A thread of its own: a probe
// cycle may legitimately block the main loop for up to probe_timeout_seconds.
void AgentDaemon::watchdog() {
  auto period = std::chrono::duration_cast<std::chrono::milliseconds>(*notifier_.watchdog() / 2);
  std::optional<std::string> last_reason;
  std::unique_lock<std::mutex> lock(mutex_);
  while (!wake_.wait_for(lock, period, [this] { return stop_; })) {
    lock.unlock();
    auto reason = unhealthy();
    if (!reason) {
      notifier_.notify("WATCHDOG=1");
    }
    if (reason != last_reason) {
      notifier_.notify("STATUS=" + (reason ? "unhealthy: " + *reason : std::string("running")));
      last_reason = reason;
    }
    lock.lock();
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
    if (sigwait(&set, &sig) != 0) {
      continue;
    }
    std::lock_guard<std::mutex> lock(mutex_);
    if (sig == SIGHUP) {
      hup_ = true;
    } else {
      stop_ = true;
      notifier_.notify("STOPPING=1\nSTATUS=stopping");
    }
    wake_.notify_all();
    if (stop_) {
      return;
    }
  }
}

// HTTPS on the agent's endpoint when a server certificate is named: loaded now, so a missing
// or broken one stops the start with one line instead of failing every scrape later.
bool AgentDaemon::startTls() {
  std::string name = tls_server_cert_.empty() ? config_.agent.tls_server_cert : tls_server_cert_;
  if (name.empty()) {
    return true;
  }
  tls_ = std::make_unique<TlsCertWatcher>(store_, name);
  if (auto ok = tls_->start(); !ok) {
    spdlog::error("{}", ok.error().message);
    notifier_.notify("STATUS=" + ok.error().message);
    return false;
  }
  tls_->setLogger([](bool problem, const std::string& line) {
    if (problem) {
      spdlog::error("{}", line);
    } else {
      spdlog::info("{}", line);
    }
  });
  listener_.useTls([this] { return tls_->current(); });
  spdlog::info("serving HTTPS with server certificate '{}' (sha256 {})", name, tls_->leafSha256());
  return true;
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
  setUpAgentLog();
  notifier_ = SystemdNotifier::fromEnvironment();
  auto loaded = loadAndApply(true);
  if (!loaded) {
    notifier_.notify("STATUS=config " + config_path_ + " rejected; exit 2");
    return kExitUsage;
  }
  config_ = std::move(*loaded);
  max_cycle_age_ = maxCycleAge(longestInterval(config_));
  counters_.longest_probe_interval_seconds = longestInterval(config_);
  if (!startTls()) {
    return kExitUsage;
  }
  auto address = parseListenAddress(config_.agent.listen);
  auto bound = address ? listener_.bind(*address) : tl::unexpected(address.error());
  if (!bound) {
    spdlog::error("{}: {}", config_path_, bound.error().message);
    notifier_.notify("STATUS=" + bound.error().message);
    return kExitUsage;
  }
  if (!address->loopback) {
    spdlog::warn(
        "[agent] listen = \"{}\" is reachable from other hosts: /status and /metrics (connector "
        "names, targets, certificates) have no authentication; anyone who can connect can read "
        "them. Prefer 127.0.0.1 and a scraper on this host, or firewall the port",
        address->display());
  }
  std::thread signals([this] { waitForSignals(); });
  std::thread http([this] { serveHttp(); });
  std::thread reload([this] { reloader(); });
  std::thread dog;
  if (notifier_.watchdog()) {
    dog = std::thread([this] { watchdog(); });
  }
  std::atomic<bool> finished{false};
  // After SIGTERM the current cycle gets 1.5 s; then in-flight probes (or a reload) are
  // abandoned (the status file and the store are only ever replaced whole).
  std::thread stopper([this, &finished] {
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait(lock, [this] { return stop_; });
    lock.unlock();
    for (int i = 0; i < 30 && !finished; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    if (!finished) {
      spdlog::warn("stopping: abandoning in-flight probes");
      spdlog::shutdown();
      std::_Exit(0);
    }
  });
  std::string url = (tls_ ? "https://" : "http://") + address->display() + "/metrics";
  spdlog::info("agent started: store {}, config {}, {}", store_.dir(), config_path_, url);
  notifier_.notify("READY=1\nSTATUS=running; " + url);
  for (;;) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stop_) {
        break;
      }
      applyPending();
    }
    auto cycle_started = Clock::now();
    cycle();
    auto next = Clock::now() + std::chrono::seconds(5);  // re-check expiry and store changes
    for (const auto& [name, due] : next_due_) {
      next = std::min(next, due);
    }
    // Connectors falling due within a second of each other are probed in one batch: one store
    // read, one status file and one concurrent probe run instead of one per connector.
    next = std::max(next, cycle_started + std::chrono::seconds(1));
    std::unique_lock<std::mutex> lock(mutex_);
    wake_.wait_until(lock, next, [this] { return stop_ || pending_.has_value(); });
  }
  finished = true;
  listener_.stop();
  http.join();
  reload.join();
  if (dog.joinable()) {
    dog.join();
  }
  stopper.join();
  signals.join();
  spdlog::info("agent stopped");
  return kExitOk;
}

void addAgentCommand(CLI::App& app, CliContext& ctx) {
  auto config = std::make_shared<std::string>();
  auto tls = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "agent", "Run the daemon: apply the config, probe, watch expiry, serve metrics");
  cmd->add_option("--config", *config, "The TOML config file (see examples/trustctl.toml)")
      ->required();
  cmd->add_option("--tls-server-cert", *tls,
                  "Serve HTTPS with this server certificate of the store (overrides [agent] "
                  "tls_server_cert)");
  cmd->footer(
      "Runs in the foreground and logs to stderr (to the journal, with priorities, under\n"
      "systemd). SIGHUP re-reads the config (an invalid file is refused and the running state\n"
      "kept); SIGTERM stops within about two seconds. Serves /metrics (Prometheus), /status\n"
      "(JSON) and /healthz on [agent] listen, without authentication. Exit 2: the config is\n"
      "invalid, its listen address cannot be bound or its TLS server certificate is missing.\n"
      "With a server certificate (--tls-server-cert or [agent] tls_server_cert) the endpoint\n"
      "is HTTPS only (TLS 1.2+); a renewed certificate is served to new connections without a\n"
      "restart.\n\n"
      "Example:\n  trustctl agent --config /etc/trustctl/trustctl.toml --tls-server-cert agent");
  cmd->callback([&ctx, config, tls] {
    if (!tls->empty() && !truststore::isValidServerCertName(*tls)) {
      ctx.fail({ErrorCode::InvalidArgument, "--tls-server-cert: '" + *tls +
                                                "' is not a server certificate name; see "
                                                "'trustctl server-cert list'"});
      return;
    }
    AgentDaemon daemon(ctx, *config, *tls);
    ctx.exit_code = daemon.run();
  });
}

}  // namespace trustctl::agent
