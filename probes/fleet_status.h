#pragma once
// The agent's view of every connector at one instant: each target's last probe, the date it
// will break if nothing changes (the earliest notAfter on the verified path, anchor and
// intermediates included, not only the leaf), and the status of every trusted certificate and
// identity. Pure values with their JSON (/status, the status file) and Prometheus (/metrics)
// forms, and the list of state changes between two views (logged once per change).

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "probes/probe_runner.h"
#include "truststore/certificate.h"

namespace trustctl::probes {

struct ExpiryThresholds {
  int warning_days = 30;
  int critical_days = 7;
};

struct TargetStatus {
  ProbeResult result;
  UnixTime probed_at = 0;
  std::optional<UnixTime> breaks_on;  // earliest notAfter of the verified path
};

struct CertificateRow {
  std::string entry;
  std::string role;  // "trust" or "identity"
  truststore::CertificateInfo info;
  std::string status;  // "ok", "expiring", "critical", "expired", "not_yet_valid"
};

struct ConnectorStatus {
  std::string name;
  std::vector<TargetStatus> targets;
  std::vector<CertificateRow> certificates;
  std::optional<UnixTime> breaks_on;  // earliest over its targets' verified paths
};

struct FleetStatus {
  UnixTime generated_at = 0;
  std::vector<ConnectorStatus> connectors;
};

// The earliest notAfter on the path of a trusted target, none when it is not trusted.
std::optional<UnixTime> breaksOn(const Diagnosis& diagnosis);
std::string certificateStatus(const truststore::CertificateInfo& info, UnixTime now,
                              const ExpiryThresholds& thresholds);
// Fills breaks_on of every target and connector.
void computeForecast(FleetStatus& fleet);

nlohmann::json fleetStatusJson(const FleetStatus& fleet);
std::string prometheusText(const FleetStatus& fleet);
// One line per change from `before` (null at start: nothing is a change) to `after`: a target
// whose diagnosis code changed, a certificate whose status changed.
std::vector<std::string> stateChanges(const FleetStatus* before, const FleetStatus& after);

}  // namespace trustctl::probes
