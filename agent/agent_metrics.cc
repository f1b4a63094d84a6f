#include "agent/agent_metrics.h"

#include <cstdio>

namespace trustctl::agent {

namespace {

void family(std::string& out, const char* name, const char* type, const char* help) {
  out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n";
}

void sample(std::string& out, const std::string& name_and_labels, double value) {
  char number[64];
  std::snprintf(number, sizeof(number), "%.17g", value);
  out += name_and_labels + " " + number + "\n";
}

// A Prometheus label value: backslash, quote and newline escaped.
std::string label(const std::string& v) {
  std::string out;
  for (char ch : v) {
    if (ch == '\\' || ch == '"') {
      out += '\\';
      out += ch;
    } else if (ch == '\n') {
      out += "\\n";
    } else {
      out += ch;
    }
  }
  return out;
}

void serverCertMetrics(std::string& out, const std::vector<ServerCertMetric>& certs) {
  if (certs.empty()) {
    return;
  }
  family(out, "trustctl_server_cert_expiry_timestamp_seconds", "gauge",
         "When the server certificate's leaf expires (Unix time).");
  for (const auto& c : certs) {
    if (c.expires_at > 0) {
      sample(out,
             "trustctl_server_cert_expiry_timestamp_seconds{server_cert=\"" + label(c.name) + "\"}",
             static_cast<double>(c.expires_at));
    }
  }
  family(out, "trustctl_server_cert_deployed", "gauge",
         "1 when the listener presented exactly this certificate for the domain's SNI, else 0.");
  for (const auto& c : certs) {
    for (const auto& l : c.listeners) {
      for (const auto& [domain, yes] : l.domains) {
        sample(out,
               "trustctl_server_cert_deployed{server_cert=\"" + label(c.name) + "\",domain=\"" +
                   label(domain) + "\",url=\"" + label(l.url) + "\"}",
               yes ? 1 : 0);
      }
    }
  }
  family(out, "trustctl_server_cert_listener_reachable", "gauge",
         "1 when the listener presented a certificate to every handshake, 0 when unreachable.");
  for (const auto& c : certs) {
    for (const auto& l : c.listeners) {
      sample(out,
             "trustctl_server_cert_listener_reachable{server_cert=\"" + label(c.name) +
                 "\",url=\"" + label(l.url) + "\"}",
             l.reachable ? 1 : 0);
    }
  }
  family(out, "trustctl_server_cert_last_check_timestamp_seconds", "gauge",
         "When the agent last proved where the server certificate is deployed (Unix time).");
  for (const auto& c : certs) {
    if (c.checked_at > 0) {
      sample(out,
             "trustctl_server_cert_last_check_timestamp_seconds{server_cert=\"" + label(c.name) +
                 "\"}",
             static_cast<double>(c.checked_at));
    }
  }
}

}  // namespace

std::string agentMetricsText(const AgentCounters& c) {
  std::string out;
  family(out, "trustctl_agent_cycles_total", "counter",
         "Agent cycles: store read, due probes, expiry re-check, status file.");
  sample(out, "trustctl_agent_cycles_total", static_cast<double>(c.cycles));
  family(out, "trustctl_agent_probe_cycles_total", "counter", "Batches of probes run.");
  sample(out, "trustctl_agent_probe_cycles_total", static_cast<double>(c.probe_cycles));
  family(out, "trustctl_agent_last_probe_cycle_seconds", "gauge",
         "Duration of the last batch of probes.");
  sample(out, "trustctl_agent_last_probe_cycle_seconds", c.last_probe_cycle_seconds);
  if (c.last_cycle_at > 0) {
    family(out, "trustctl_agent_last_cycle_timestamp_seconds", "gauge",
           "When the last agent cycle finished (Unix time).");
    sample(out, "trustctl_agent_last_cycle_timestamp_seconds",
           static_cast<double>(c.last_cycle_at));
  }
  family(out, "trustctl_agent_probe_interval_seconds", "gauge",
         "The longest configured probe interval; the status is stale after two of them.");
  sample(out, "trustctl_agent_probe_interval_seconds",
         static_cast<double>(c.longest_probe_interval_seconds));
  family(out, "trustctl_agent_config_reloads_total", "counter",
         "Config reloads (SIGHUP) by result.");
  sample(out, "trustctl_agent_config_reloads_total{result=\"ok\"}",
         static_cast<double>(c.reloads_ok));
  sample(out, "trustctl_agent_config_reloads_total{result=\"rejected\"}",
         static_cast<double>(c.reloads_rejected));
  family(out, "trustctl_config_last_reload_success", "gauge",
         "1 when the last config load was accepted, 0 when it was rejected (the previous config "
         "keeps running).");
  sample(out, "trustctl_config_last_reload_success", c.last_reload_success ? 1 : 0);
  family(out, "trustctl_config_last_reload_timestamp_seconds", "gauge",
         "When the config was last loaded or rejected (Unix time).");
  sample(out, "trustctl_config_last_reload_timestamp_seconds",
         static_cast<double>(c.last_reload_at));
  family(out, "trustctl_agent_on_change_runs_total", "counter", "on_change commands run.");
  sample(out, "trustctl_agent_on_change_runs_total", static_cast<double>(c.on_change_runs));
  family(out, "trustctl_agent_on_change_failures_total", "counter",
         "on_change commands that failed or timed out.");
  sample(out, "trustctl_agent_on_change_failures_total", static_cast<double>(c.on_change_failures));
  family(out, "trustctl_agent_healthy", "gauge", "1 when /healthz answers 200.");
  sample(out, "trustctl_agent_healthy", c.healthy ? 1 : 0);
  family(out, "trustctl_agent_http_connections", "gauge", "Open HTTP connections.");
  sample(out, "trustctl_agent_http_connections", static_cast<double>(c.http.open));
  family(out, "trustctl_agent_http_header_timeouts_total", "counter",
         "HTTP connections closed because the request head was not complete within 5 s.");
  sample(out, "trustctl_agent_http_header_timeouts_total",
         static_cast<double>(c.http.header_timeouts));
  family(out, "trustctl_agent_http_dropped_connections_total", "counter",
         "HTTP connections closed to stay under the connection limit.");
  sample(out, "trustctl_agent_http_dropped_connections_total",
         static_cast<double>(c.http.dropped_at_limit));
  family(out, "trustctl_agent_descriptor_exhaustion_total", "counter",
         "Times a client could not be accepted or a probe batch was limited: too many open "
         "files.");
  sample(out, "trustctl_agent_descriptor_exhaustion_total",
         static_cast<double>(c.http.descriptor_exhaustion + c.descriptor_exhaustion));
  serverCertMetrics(out, c.server_certs);
  return out;
}

}  // namespace trustctl::agent
