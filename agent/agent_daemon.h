#pragma once
// The agent daemon's parts, shared by the files that implement it: daemon.cc (start, main
// loop, signals, systemd), agent_reload.cc (loading the config, on its own thread for SIGHUP),
// agent_cycle.cc (one cycle: store, on_change, probes, status) and agent_http.cc (/metrics,
// /status, /healthz). Internal to agent/.

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "agent/agent_metrics.h"
#include "agent/cli_context.h"
#include "agent/http_listener.h"
#include "agent/server_cert_deploy.h"
#include "agent/systemd_notify.h"
#include "agent/tls_cert_watcher.h"
#include "config/config_file.h"
#include "probes/fleet_status.h"

namespace trustctl::agent {

using Clock = std::chrono::steady_clock;

// The longest probe interval of `config`: health and staleness are measured in it.
int longestInterval(const config::ConfigFile& config);

// One agent process. Threads: the main loop (cycle: store read, on_change, due probes,
// status), the reloader (SIGHUP), the HTTP listener, the signal waiter, the systemd watchdog
// and the stopper. mutex_ guards what they share.
class AgentDaemon {
 public:
  // `tls_server_cert`: serve HTTPS with that server certificate of the store, overriding
  // [agent] tls_server_cert ("": the config decides).
  AgentDaemon(CliContext& ctx, std::string config_path, std::string tls_server_cert = "")
      : ctx_(ctx),
        store_(ctx.store()),
        config_path_(std::move(config_path)),
        tls_server_cert_(std::move(tls_server_cert)) {}
  int run();

 private:
  Result<config::ConfigFile> loadAndApply(bool initial);
  void reloader();
  void watchdog();
  void cycle();
  void fireOnChange(const truststore::StoreState& state);
  void publish(probes::FleetStatus fleet);
  // Proves the server certificates' deployments when due (agent_cycle.cc); main loop only.
  void proveDeployments(const truststore::StoreState& state, UnixTime now);
  void applyPending();  // the main loop takes a reloaded config; holds mutex_
  void serveHttp();
  bool startTls();  // false: logged, the agent exits 2
  void waitForSignals();
  std::optional<std::string> unhealthy();  // takes mutex_

  CliContext& ctx_;
  truststore::Store store_;
  std::string config_path_;
  std::string tls_server_cert_;
  std::unique_ptr<TlsCertWatcher> tls_;  // set before the listener starts; its thread's alone
  config::ConfigFile config_;  // the main loop's; a reload hands a new one over in pending_
  std::map<std::string, Clock::time_point> next_due_;
  std::map<std::string, std::vector<probes::TargetStatus>> targets_;
  std::mt19937 random_{std::random_device{}()};
  DeploymentRecords deployments_;  // the last proofs, from <store>/deployments.json at start
  bool deployments_loaded_ = false;
  std::string deploy_fingerprint_;  // what was proved: names, leaves, served_at, domains
  Clock::time_point next_deploy_due_{};
  SystemdNotifier notifier_;
  HttpListener listener_;

  std::mutex mutex_;  // guards everything below
  std::condition_variable wake_;
  bool stop_ = false;
  bool hup_ = false;
  std::optional<config::ConfigFile> pending_;
  std::optional<probes::FleetStatus> status_;
  nlohmann::json server_certs_json_ = nlohmann::json::array();  // for agent-status.json
  AgentCounters counters_;
  std::string store_error_;
  std::optional<Clock::time_point> last_cycle_;
  Clock::time_point started_ = Clock::now();
  std::chrono::milliseconds max_cycle_age_{10000};
};

}  // namespace trustctl::agent
