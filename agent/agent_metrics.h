#pragma once
// The agent's own metrics in Prometheus text format (after the fleet's, see
// probes/fleet_status.h): cycles, config reloads, on_change runs, health and the HTTP
// listener, and the server certificates' expiry and proven deployment. Every family has HELP
// and TYPE; counters end in _total. Pure.

#include <string>
#include <vector>

#include "agent/http_listener.h"
#include "truststore/time_util.h"

namespace trustctl::agent {

// One server certificate for the metrics. Labels stay bounded by the store's content: one
// series per server certificate, per listener, and per (domain, listener).
struct ServerCertMetric {
  std::string name;
  UnixTime expires_at = 0;  // the leaf's notAfter; 0 when its entry is missing
  UnixTime checked_at = 0;  // the last deployment proof; 0 never (or not served anywhere)
  struct Listener {
    std::string url;
    bool reachable = false;                             // a certificate was presented
    std::vector<std::pair<std::string, bool>> domains;  // domain, presented exactly this one
  };
  std::vector<Listener> listeners;
};

struct AgentCounters {
  long cycles = 0;
  long probe_cycles = 0;
  double last_probe_cycle_seconds = 0;
  UnixTime last_cycle_at = 0;  // wall clock; 0 before the first cycle
  int longest_probe_interval_seconds = 0;
  long reloads_ok = 0;
  long reloads_rejected = 0;
  bool last_reload_success = true;
  UnixTime last_reload_at = 0;
  long on_change_runs = 0;
  long on_change_failures = 0;
  long descriptor_exhaustion = 0;  // probe batches limited for want of descriptors
  bool healthy = false;
  HttpListenerStats http;
  std::vector<ServerCertMetric> server_certs;
};

std::string agentMetricsText(const AgentCounters& c);

}  // namespace trustctl::agent
