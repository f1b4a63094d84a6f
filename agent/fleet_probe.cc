#include "agent/fleet_probe.h"

#include <algorithm>
#include <memory>

#include "agent/probe_inputs.h"
#include "agent/recommendation_command.h"

namespace trustctl::agent {

std::map<std::string, std::vector<probes::TargetStatus>> probeConnectors(
    const truststore::Store& store, const truststore::StoreState& state,
    const std::vector<std::string>& names, const FleetProbeOptions& options,
    std::vector<std::string>* problems) {
  std::map<std::string, std::vector<probes::TargetStatus>> out;
  probes::Catalog catalog;
  addLibrary(catalog, store, state);
  if (!probes::systemCaBundlePath().empty()) {
    catalog.addPathLazily(probes::systemCaBundlePath(), "catalog");
  }
  std::vector<probes::ProbeJob> jobs;
  std::vector<std::unique_ptr<IdentityFiles>> identities;
  for (const auto& [name, connector] : state.connectors) {
    if (!names.empty() && std::find(names.begin(), names.end(), name) == names.end())
      continue;
    out[name];
    auto trust = connectorTrust(store, name);
    if (!trust) {
      problems->push_back("connector " + name + ": " + trust.error().message);
      continue;
    }
    IdentityFiles* id = nullptr;
    if (!connector.identity.empty()) {
      auto loaded = loadIdentity(store, state, connector.identity, store.connectorPath(name));
      if (!loaded) {
        problems->push_back("connector " + name + ": " + loaded.error().message);
      } else {
        identities.push_back(std::move(*loaded));
        id = identities.back().get();
      }
    }
    for (const auto& url : connector.targets) {
      auto target = probes::parseTarget(url);
      if (!target) {
        problems->push_back("connector " + name + ": " + target.error().message);
        continue;
      }
      probes::ProbeJob job;
      job.request.target = *target;
      job.request.timeout_seconds = options.timeout_seconds;
      job.request.identity = id ? &id->identity : nullptr;
      job.identity_configured = id != nullptr;
      job.revocation = connector.revocation;
      job.runtime = connector.runtime;
      job.connector = name;
      job.trust = *trust;
      jobs.push_back(std::move(job));
    }
  }
  probes::RunnerOptions run;
  run.now = options.now;
  run.max_parallel_https = options.max_parallel;
  std::vector<probes::ProbeResult> results(jobs.size());
  probes::runProbes(jobs, catalog, run, [&](size_t i, probes::ProbeResult r) {
    writeRecommendationCommand(r);
    results[i] = std::move(r);
  });
  for (size_t i = 0; i < jobs.size(); ++i) {
    probes::TargetStatus t;
    t.result = std::move(results[i]);
    t.probed_at = options.now;
    t.breaks_on = probes::breaksOn(t.result.diagnosis);
    out[jobs[i].connector].push_back(std::move(t));
  }
  return out;
}

std::vector<probes::CertificateRow> certificateRows(const truststore::StoreState& state,
                                                    const truststore::Connector& connector,
                                                    UnixTime now,
                                                    const probes::ExpiryThresholds& thresholds) {
  std::vector<probes::CertificateRow> rows;
  auto add = [&](const std::string& entry_name, const std::string& role) {
    const truststore::Entry* entry = state.findEntry(entry_name);
    if (!entry)
      return;
    for (const auto& sha : entry->certificates) {
      auto it = state.certificates.find(sha);
      if (it == state.certificates.end())
        continue;
      rows.push_back(
          {entry_name, role, it->second, probes::certificateStatus(it->second, now, thresholds)});
      if (role == "identity")
        break;  // the identity's own certificate, not its chain
    }
  };
  for (const auto& name : connector.trust)
    add(name, "trust");
  if (!connector.identity.empty())
    add(connector.identity, "identity");
  return rows;
}

std::string trustFingerprint(const truststore::StoreState& state,
                             const truststore::Connector& connector) {
  std::string out;
  for (const auto& name : connector.trust) {
    if (const truststore::Entry* e = state.findEntry(name)) {
      for (const auto& sha : e->certificates)
        out += sha + ",";
    }
  }
  out += "|";
  if (const truststore::Entry* e = state.findEntry(connector.identity)) {
    for (const auto& sha : e->certificates)
      out += sha + ",";
    out += e->key_id;
  }
  return out;
}

}  // namespace trustctl::agent
