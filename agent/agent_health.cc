#include "agent/agent_health.h"

#include <algorithm>
#include <cstdio>

namespace trustctl::agent {

std::chrono::milliseconds maxCycleAge(int longest_probe_interval_seconds) {
  return std::chrono::milliseconds(std::max<long long>(2LL * longest_probe_interval_seconds * 1000,
                                                       10000));  // a cycle runs at least every 5 s
}

std::optional<std::string> unhealthyReason(const HealthInputs& in) {
  if (!in.config_loaded) {
    return "no config loaded";
  }
  if (!in.store_error.empty()) {
    return "store not readable: " + in.store_error;
  }
  auto since = in.last_cycle ? *in.last_cycle : in.started;
  auto age = std::chrono::duration<double>(in.now - since).count();
  if (in.now - since > in.max_cycle_age) {
    char line[160];
    std::snprintf(
        line, sizeof(line), "%s %.0f s ago, limit %.0f s (two probe intervals)",
        in.last_cycle ? "last probe cycle finished" : "no probe cycle finished since start", age,
        std::chrono::duration<double>(in.max_cycle_age).count());
    return std::string(line);
  }
  return std::nullopt;
}

}  // namespace trustctl::agent
