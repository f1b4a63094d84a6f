#include "agent/agent_daemon.h"

#include <dirent.h>
#include <sys/resource.h>

#include <spdlog/spdlog.h>

#include "agent/fleet_probe.h"
#include "agent/on_change_ledger.h"
#include "agent/server_cert_renew.h"
#include "agent/server_cert_view.h"
#include "agent/signing_support.h"
#include "truststore/file_util.h"
#include "truststore/scope.h"

namespace trustctl::agent {

namespace {

// Descriptors a probe batch may still open: the limit minus those open now (counted in
// /proc/self/fd). -1 when unknown.
long descriptorHeadroom(long* limit) {
  rlimit r{};
  DIR* dir = opendir("/proc/self/fd");
  if (getrlimit(RLIMIT_NOFILE, &r) != 0 || !dir) {
    if (dir) {
      closedir(dir);
    }
    return -1;
  }
  long open = -3;  // ".", ".." and the directory's own descriptor
  while (readdir(dir)) {
    ++open;
  }
  closedir(dir);
  *limit = static_cast<long>(r.rlim_cur);
  return *limit - open;
}

// What a proof depends on: a new leaf, listener or domain is proved at once, not at the next
// interval.
std::string deployFingerprint(const truststore::StoreState& state) {
  std::string out;
  for (const auto& [name, s] : state.server_certs) {
    out += name + "=" + serverCertLeaf(state, s);
    for (const auto& u : s.served_at) {
      out += "," + u;
    }
    for (const auto& d : s.domains) {
      out += ";" + d;
    }
    out += "\n";
  }
  return out;
}

ServerCertMetric metricFor(const truststore::StoreState& state, const truststore::ServerCert& s,
                           const DeploymentRecords& records) {
  ServerCertMetric m;
  m.name = s.name;
  std::string leaf = serverCertLeaf(state, s);
  if (auto it = state.certificates.find(leaf); it != state.certificates.end()) {
    m.expires_at = it->second.not_after;
  }
  auto r = records.find(s.name);
  if (s.served_at.empty() || r == records.end() || r->second.expected_sha256 != leaf) {
    return m;
  }
  m.checked_at = r->second.checked_at;
  for (const auto& v : r->second.listeners) {
    ServerCertMetric::Listener l{v.url, !v.domains.empty(), {}};
    for (const auto& d : s.domains) {
      for (const auto& one : v.domains) {
        if (one.sni == probes::sniForDomain(d)) {
          l.reachable = l.reachable && one.state != probes::DeployState::Unreachable;
          l.domains.emplace_back(d, one.state == probes::DeployState::Yes);
        }
      }
    }
    m.listeners.push_back(std::move(l));
  }
  return m;
}

}  // namespace

void AgentDaemon::proveDeployments(const truststore::StoreState& state, UnixTime now) {
  if (!deployments_loaded_) {
    auto loaded = loadDeployments(store_.dir());
    if (!loaded) {
      spdlog::warn("{}", loaded.error().message);
    }
    deployments_ = loaded ? std::move(*loaded) : DeploymentRecords{};
    deployments_loaded_ = true;
  }
  std::string fingerprint = deployFingerprint(state);
  if (fingerprint != deploy_fingerprint_ || Clock::now() >= next_deploy_due_) {
    auto proved = proveServerCerts(state, {}, now, config_.agent.probe_timeout_seconds);
    for (const auto& line : deploymentChanges(deployments_, proved)) {
      spdlog::warn("{}", line);
    }
    deployments_ = std::move(proved);  // server certificates removed since drop out
    if (auto saved = saveDeployments(store_.dir(), deployments_); !saved) {
      spdlog::error("{}", saved.error().message);
    }
    deploy_fingerprint_ = fingerprint;
    next_deploy_due_ =
        Clock::now() + std::chrono::seconds(config_.agent.default_probe_interval_seconds);
  }
  std::vector<ServerCertMetric> metrics;
  nlohmann::json rows = nlohmann::json::array();
  std::int64_t window = std::int64_t{config_.expiry.warning_days} * 86400;
  for (const auto& [name, s] : state.server_certs) {
    metrics.push_back(metricFor(state, s, deployments_));
    auto j = serverCertJson(state, s, now, window);
    auto r = deployments_.find(name);
    j["deployment"] = r == deployments_.end() ? nlohmann::json() : deploymentJson(r->second);
    rows.push_back(std::move(j));
  }
  std::lock_guard<std::mutex> lock(mutex_);
  counters_.server_certs = std::move(metrics);
  server_certs_json_ = std::move(rows);
}

void AgentDaemon::fireOnChange(const truststore::StoreState& state) {
  auto fired = OnChangeLedger(store_).fireChanged(state, config::allConnectors(config_),
                                                  std::chrono::seconds(120));
  // Server certificates' on_change (new files after an apply, an upload or a renewal).
  auto servers = OnChangeLedger(store_).fireServerCertsChanged(state, config_.server_certs,
                                                               std::chrono::seconds(120));
  if (fired && servers) {
    fired->insert(fired->end(), servers->begin(), servers->end());
  }
  if (!fired || !servers) {
    spdlog::warn("{}", (!fired ? fired.error() : servers.error()).message);
    return;
  }
  for (const auto& f : *fired) {
    const auto& r = f.result;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++counters_.on_change_runs;
      counters_.on_change_failures += r.exit_code != 0 ? 1 : 0;
    }
    spdlog::log(
        r.exit_code == 0 ? spdlog::level::info : spdlog::level::warn, "on_change for {}: {}{}",
        f.connector, r.timed_out ? "killed after timeout" : "exit " + std::to_string(r.exit_code),
        r.output.empty() ? "" : ": " + r.output.substr(0, r.output.find_last_not_of('\n') + 1));
  }
}

void AgentDaemon::cycle() {
  // Renewals first, in every scope that has server certificates, so this cycle's snapshot
  // deploys them (files, then on_change below).
  auto snapshot = store_.loadTree();
  int renewed = 0;
  if (snapshot) {
    truststore::forEachScope(snapshot->state, [&](const std::string& path,
                                                  const truststore::StoreState& scope) {
      if (!scope.server_certs.empty()) {
        truststore::Store scoped(store_.dir(), path);
        renewed += renewDueServerCerts(scoped, config_.agent.ca_passphrase_file, wallClockNow());
      }
    });
  }
  if (renewed > 0) {
    snapshot = store_.loadTree();
  }
  if (!snapshot) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (store_error_ != snapshot.error().message) {
      spdlog::error("{}", snapshot.error().message);  // once per distinct failure
    }
    store_error_ = snapshot.error().message;
    return;
  }
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!store_error_.empty()) {
      spdlog::info("store readable again");
    }
    store_error_.clear();
  }
  // Every scope, as one flat state with "<scope>/<name>" names (truststore/scope.h).
  const truststore::StoreState state = truststore::flattenScopes(snapshot->state);
  fireOnChange(state);
  // Token-signing rotation is driven by time, not by a command: write what came due.
  for (const auto& note :
       writeDueSigningTransitionsInEveryScope(store_, snapshot->state, wallClockNow())) {
    spdlog::info("{}", note);
  }
  auto now_wall = wallClockNow();
  auto now = Clock::now();
  std::vector<std::string> due;
  for (const auto& [name, connector] : state.connectors) {
    auto it = next_due_.find(name);
    if (it == next_due_.end() || it->second <= now) {
      due.push_back(name);
    }
  }
  FleetProbeOptions options;
  options.now = now_wall;
  options.max_parallel = config_.agent.max_parallel_probes;
  options.timeout_seconds = config_.agent.probe_timeout_seconds;
  options.thresholds = {config_.expiry.warning_days, config_.expiry.critical_days};
  // Out of descriptors a probe's socket() fails and curl reports "could not connect": the
  // target would be diagnosed connection_refused for what is the agent's own limit. Probe
  // fewer at once, or not at all, and say so.
  constexpr long kSpareDescriptors = 16;  // logs, the listener, the store, curl's own
  long limit = 0;
  long headroom = due.empty() ? -1 : descriptorHeadroom(&limit);
  long due_targets = 0;
  for (const auto& name : due) {
    due_targets += static_cast<long>(state.connectors.at(name).targets.size());
  }
  if (headroom >= 0 &&
      headroom - kSpareDescriptors < std::min<long>(due_targets, options.max_parallel)) {
    options.max_parallel = static_cast<int>(std::max(0L, headroom - kSpareDescriptors));
    spdlog::error("too many open files (limit {}): {} descriptors left, {}", limit, headroom,
                  options.max_parallel > 0
                      ? "probing " + std::to_string(options.max_parallel) + " targets at a time"
                      : std::string("not probing now (last results kept); raise LimitNOFILE"));
    std::lock_guard<std::mutex> lock(mutex_);
    ++counters_.descriptor_exhaustion;
  }
  if (!due.empty() && options.max_parallel == 0) {
    for (const auto& name : due) {
      next_due_[name] = Clock::now() + std::chrono::seconds(5);
    }
    due.clear();
  }
  if (!due.empty()) {
    auto started = Clock::now();
    std::vector<std::string> problems;
    auto probed = probeConnectors(store_, state, due, options, &problems);
    double seconds = std::chrono::duration<double>(Clock::now() - started).count();
    size_t count = 0;
    for (const auto& [name, targets] : probed) {
      count += targets.size();
    }
    spdlog::info("probed {} targets of {} connectors in {:.2f} s", count, due.size(), seconds);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      ++counters_.probe_cycles;
      counters_.last_probe_cycle_seconds = seconds;
    }
    for (const auto& p : problems) {
      spdlog::warn("{}", p);
    }
    for (auto& [name, targets] : probed) {
      targets_[name] = std::move(targets);
    }
    for (const auto& name : due) {
      int interval = config_.agent.default_probe_interval_seconds;
      for (const auto& c : config::allConnectors(config_)) {
        if (c.name == name) {
          interval = c.probe_interval_seconds;
        }
      }
      std::uniform_real_distribution<double> jitter(0.9, 1.1);  // spread the fleet's probes
      next_due_[name] = Clock::now() + std::chrono::milliseconds(
                                           static_cast<long>(interval * 1000 * jitter(random_)));
    }
  }
  proveDeployments(state, now_wall);
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
  ++counters_.cycles;
  counters_.last_cycle_at = fleet.generated_at;
  last_cycle_ = Clock::now();
  nlohmann::json json = probes::fleetStatusJson(fleet);
  // `trustctl status` warns when it reads a file older than this: the agent is not running.
  json["stale_after"] = formatRfc3339(fleet.generated_at + max_cycle_age_.count() / 1000);
  json["server_certs"] = server_certs_json_;
  std::string text = json.dump(2) + "\n";
  status_ = std::move(fleet);
  lock.unlock();
  auto written = truststore::writeFileAtomic(store_.dir() + "/agent-status.json", text, 0644);
  if (!written) {
    spdlog::error("{}", written.error().message);
  }
}

}  // namespace trustctl::agent
