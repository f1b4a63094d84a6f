#pragma once
// Whether the agent is doing its job, as /healthz answers it and as the systemd watchdog is
// fed: its config is loaded, the store was readable on the last look, and its last cycle
// (store read, due probes, expiry re-check, status file) finished recently. Pure: the daemon
// gathers the inputs; the clock is an input.

#include <chrono>
#include <optional>
#include <string>

namespace trustctl::agent {

struct HealthInputs {
  using TimePoint = std::chrono::steady_clock::time_point;
  bool config_loaded = false;
  std::string store_error;              // empty when the last cycle read the store
  std::optional<TimePoint> last_cycle;  // when the last cycle finished; none yet
  TimePoint started;                    // the reference before the first cycle
  TimePoint now;
  std::chrono::milliseconds max_cycle_age{0};
};

// Two probe intervals (the longest configured one), at least 10 s: a cycle older than that
// means probing has stalled.
std::chrono::milliseconds maxCycleAge(int longest_probe_interval_seconds);

// Empty when healthy, else one line saying what is wrong, for the 503 body and the log.
std::optional<std::string> unhealthyReason(const HealthInputs& in);

}  // namespace trustctl::agent
