#pragma once
// Probing many connectors at once and assembling their status, shared by the agent daemon
// and `trustctl status --live`.

#include <map>
#include <string>
#include <vector>

#include "probes/fleet_status.h"
#include "truststore/store.h"

namespace trustctl::agent {

struct FleetProbeOptions {
  UnixTime now = 0;
  int max_parallel = 64;
  double timeout_seconds = 10;
  probes::ExpiryThresholds thresholds;
};

// Probes every target of the named connectors (all of them when `names` is empty); a
// connector whose trust cannot be read gets no targets and an error line in `problems`.
std::map<std::string, std::vector<probes::TargetStatus>> probeConnectors(
    const truststore::Store& store, const truststore::StoreState& state,
    const std::vector<std::string>& names, const FleetProbeOptions& options,
    std::vector<std::string>* problems);

// The trusted certificates and the identity of a connector with their status at `now`.
std::vector<probes::CertificateRow> certificateRows(const truststore::StoreState& state,
                                                    const truststore::Connector& connector,
                                                    UnixTime now,
                                                    const probes::ExpiryThresholds& thresholds);

// What the connector's runtime files depend on (trusted and identity certificates, key): a
// change of it is a change the runtime must reload.
std::string trustFingerprint(const truststore::StoreState& state,
                             const truststore::Connector& connector);

}  // namespace trustctl::agent
