#include "agent/agent_daemon.h"

#include <spdlog/spdlog.h>

#include "agent/agent_health.h"

namespace trustctl::agent {

std::optional<std::string> AgentDaemon::unhealthy() {
  std::lock_guard<std::mutex> lock(mutex_);
  HealthInputs in;
  in.config_loaded = true;  // the agent does not start without one, and keeps it on reloads
  in.store_error = store_error_;
  in.last_cycle = last_cycle_;
  in.started = started_;
  in.now = Clock::now();
  in.max_cycle_age = max_cycle_age_;
  return unhealthyReason(in);
}

void AgentDaemon::serveHttp() {
  listener_.setLogger([](const std::string& line) { spdlog::error("{}", line); });
  listener_.handle("/healthz", [this]() -> HttpResponse {
    auto reason = unhealthy();
    return reason ? HttpResponse{503, "text/plain; charset=utf-8", "unhealthy: " + *reason + "\n"}
                  : HttpResponse{200, "text/plain; charset=utf-8", "ok\n"};
  });
  listener_.handle("/metrics", [this]() -> HttpResponse {
    bool healthy = !unhealthy();
    std::lock_guard<std::mutex> lock(mutex_);
    AgentCounters counters = counters_;
    counters.healthy = healthy;
    counters.http = listener_.stats();
    std::string text = status_ ? probes::prometheusText(*status_) : "";
    return {200, "text/plain; version=0.0.4; charset=utf-8", text + agentMetricsText(counters)};
  });
  listener_.handle("/status", [this]() -> HttpResponse {
    std::lock_guard<std::mutex> lock(mutex_);
    return {200, "application/json",
            status_ ? probes::fleetStatusJson(*status_).dump(2) + "\n" : "{}\n"};
  });
  listener_.run();
}

}  // namespace trustctl::agent
