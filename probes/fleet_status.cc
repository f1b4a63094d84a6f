#include "probes/fleet_status.h"

#include <algorithm>
#include <map>

#include "truststore/scope.h"

namespace trustctl::probes {

namespace {

std::string escapeLabel(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"')
      out += '\\';
    out += c == '\n' ? ' ' : c;
  }
  return out;
}

// A connector or server certificate of a scope has the flat name "<scope>/<name>"
// (truststore/scope.h): its series carry scope="<scope>" and the plain name; the root's carry
// no scope label, so stores without scopes keep their series unchanged.
std::string labels(std::initializer_list<std::pair<const char*, std::string>> kv) {
  std::string out = "{";
  for (const auto& [k, v] : kv) {
    std::string key(k), value = v;
    if ((key == "connector" || key == "server_cert") && value.find('/') != std::string::npos) {
      auto [scope, name] = truststore::scopeOfFlatName(value);
      out += (out.size() > 1 ? "," : "") + std::string("scope=\"") + escapeLabel(scope) + "\"";
      value = name;
    }
    out += (out.size() > 1 ? "," : "") + key + "=\"" + escapeLabel(value) + "\"";
  }
  return out + "}";
}

// The one target label: the configured URL, normalized (scheme://host:port/path), as in /status.
std::string targetLabels(const ConnectorStatus& c, const TargetStatus& t) {
  return labels({{"connector", c.name}, {"target", t.result.capture.target.url()}});
}

nlohmann::json optionalTime(const std::optional<UnixTime>& t) {
  return t ? nlohmann::json(formatRfc3339(*t)) : nlohmann::json(nullptr);
}

}  // namespace

std::optional<UnixTime> breaksOn(const Diagnosis& d) {
  if (!d.ok() || d.path.empty())
    return std::nullopt;
  UnixTime earliest = d.path[0]->info().not_after;
  for (const auto& c : d.path)
    earliest = std::min(earliest, c->info().not_after);
  return earliest;
}

std::string certificateStatus(const truststore::CertificateInfo& info, UnixTime now,
                              const ExpiryThresholds& t) {
  if (info.not_after < now)
    return "expired";
  if (info.not_before > now)
    return "not_yet_valid";
  if (info.not_after - now <= static_cast<UnixTime>(t.critical_days) * 86400)
    return "critical";
  if (info.not_after - now <= static_cast<UnixTime>(t.warning_days) * 86400)
    return "expiring";
  return "ok";
}

void computeForecast(FleetStatus& fleet) {
  for (auto& c : fleet.connectors) {
    c.breaks_on.reset();
    for (auto& t : c.targets) {
      t.breaks_on = breaksOn(t.result.diagnosis);
      if (t.breaks_on && (!c.breaks_on || *t.breaks_on < *c.breaks_on))
        c.breaks_on = t.breaks_on;
    }
  }
}

nlohmann::json fleetStatusJson(const FleetStatus& fleet) {
  nlohmann::json connectors = nlohmann::json::array();
  for (const auto& c : fleet.connectors) {
    nlohmann::json targets = nlohmann::json::array();
    for (const auto& t : c.targets) {
      nlohmann::json j = probeResultJson(t.result);
      j["probed_at"] = formatRfc3339(t.probed_at);
      j["breaks_on"] = optionalTime(t.breaks_on);
      targets.push_back(std::move(j));
    }
    nlohmann::json certs = nlohmann::json::array();
    for (const auto& r : c.certificates) {
      certs.push_back({{"entry", r.entry},
                       {"role", r.role},
                       {"subject", r.info.subject},
                       {"subject_cn", r.info.subject_cn},
                       {"sha256", r.info.sha256},
                       {"not_before", formatRfc3339(r.info.not_before)},
                       {"not_after", formatRfc3339(r.info.not_after)},
                       {"status", r.status}});
    }
    connectors.push_back(
        {{"name", c.name},
         {"scope", truststore::scopeLabel(truststore::scopeOfFlatName(c.name).first)},
         {"breaks_on", optionalTime(c.breaks_on)},
         {"targets", targets},
         {"certificates", certs}});
  }
  return {{"generated_at", formatRfc3339(fleet.generated_at)}, {"connectors", connectors}};
}

std::string prometheusText(const FleetStatus& fleet) {
  std::string out;
  out +=
      "# HELP trustctl_certificate_not_after_timestamp_seconds End of validity of each trusted "
      "certificate and identity.\n";
  out += "# TYPE trustctl_certificate_not_after_timestamp_seconds gauge\n";
  for (const auto& c : fleet.connectors) {
    for (const auto& r : c.certificates) {
      out += "trustctl_certificate_not_after_timestamp_seconds" +
             labels({{"connector", c.name},
                     {"entry", r.entry},
                     {"role", r.role},
                     {"subject_cn", r.info.subject_cn},
                     {"sha256", r.info.sha256}}) +
             " " + std::to_string(r.info.not_after) + "\n";
    }
  }
  // Fixed labels, so an alert's `for:` survives a change of failure cause; the cause is a
  // series of its own.
  out +=
      "# HELP trustctl_target_up 1 when the last probe of the target was ok for the connector's "
      "runtime, else 0.\n";
  out += "# TYPE trustctl_target_up gauge\n";
  for (const auto& c : fleet.connectors) {
    for (const auto& t : c.targets) {
      out += "trustctl_target_up" + targetLabels(c, t) + (connectorOk(t.result) ? " 1\n" : " 0\n");
    }
  }
  out +=
      "# HELP trustctl_target_server_ok 1 when trustctl's own judgement of the server was ok "
      "(whatever the connector's runtime says), else 0.\n";
  out += "# TYPE trustctl_target_server_ok gauge\n";
  for (const auto& c : fleet.connectors) {
    for (const auto& t : c.targets) {
      out += "trustctl_target_server_ok" + targetLabels(c, t) +
             (t.result.diagnosis.ok() ? " 1\n" : " 0\n");
    }
  }
  out +=
      "# HELP trustctl_target_runtime_verdict The connector's runtime's verdict on the target "
      "(always 1; runtime and code are labels).\n";
  out += "# TYPE trustctl_target_runtime_verdict gauge\n";
  for (const auto& c : fleet.connectors) {
    for (const auto& t : c.targets) {
      const truststore::RuntimeVerdict& v = t.result.runtime_verdict;
      out += "trustctl_target_runtime_verdict" +
             labels({{"connector", c.name},
                     {"target", t.result.capture.target.url()},
                     {"runtime", std::string(truststore::runtimeName(v.runtime))},
                     {"code", v.code}}) +
             " 1\n";
    }
  }
  out +=
      "# HELP trustctl_target_diagnosis The diagnosis code of the last probe of the target "
      "(always 1; the code is the label).\n";
  out += "# TYPE trustctl_target_diagnosis gauge\n";
  for (const auto& c : fleet.connectors) {
    for (const auto& t : c.targets) {
      out += "trustctl_target_diagnosis" +
             labels({{"connector", c.name},
                     {"target", t.result.capture.target.url()},
                     {"code", std::string(diagnosisCodeName(t.result.diagnosis.code))}}) +
             " 1\n";
    }
  }
  // Also when the probe failed: an untrusted or mismatched certificate still expires.
  out +=
      "# HELP trustctl_target_leaf_not_after_timestamp_seconds End of validity of the "
      "certificate the target presented, trusted or not.\n";
  out += "# TYPE trustctl_target_leaf_not_after_timestamp_seconds gauge\n";
  for (const auto& c : fleet.connectors) {
    for (const auto& t : c.targets) {
      const auto& presented = t.result.diagnosis.presented;
      if (!presented.empty() && presented[0]) {
        out += "trustctl_target_leaf_not_after_timestamp_seconds" + targetLabels(c, t) + " " +
               std::to_string(presented[0]->info().not_after) + "\n";
      }
    }
  }
  out +=
      "# HELP trustctl_target_probe_duration_seconds Duration of the last probe of the target.\n";
  out += "# TYPE trustctl_target_probe_duration_seconds gauge\n";
  for (const auto& c : fleet.connectors) {
    for (const auto& t : c.targets) {
      out += "trustctl_target_probe_duration_seconds" + targetLabels(c, t) + " " +
             std::to_string(t.result.capture.elapsed_seconds) + "\n";
    }
  }
  out +=
      "# HELP trustctl_target_breaks_on_timestamp_seconds Earliest notAfter on the target's "
      "verified path.\n";
  out += "# TYPE trustctl_target_breaks_on_timestamp_seconds gauge\n";
  for (const auto& c : fleet.connectors) {
    for (const auto& t : c.targets) {
      if (t.breaks_on) {
        out += "trustctl_target_breaks_on_timestamp_seconds" + targetLabels(c, t) + " " +
               std::to_string(*t.breaks_on) + "\n";
      }
    }
  }
  out +=
      "# HELP trustctl_connector_breaks_on_timestamp_seconds Earliest notAfter over the "
      "connector's verified paths.\n";
  out += "# TYPE trustctl_connector_breaks_on_timestamp_seconds gauge\n";
  for (const auto& c : fleet.connectors) {
    if (c.breaks_on) {
      out += "trustctl_connector_breaks_on_timestamp_seconds" + labels({{"connector", c.name}}) +
             " " + std::to_string(*c.breaks_on) + "\n";
    }
  }
  return out;
}

namespace {

// The diagnosis code, and the runtime's code when the runtime disagrees with trustctl: a
// change of either is logged.
std::string stateCode(const ProbeResult& r) {
  std::string code(diagnosisCodeName(r.diagnosis.code));
  const truststore::RuntimeVerdict& v = r.runtime_verdict;
  if (v.accepted != r.diagnosis.ok()) {
    code += " (" + std::string(truststore::runtimeName(v.runtime)) + ": " + v.code + ")";
  }
  return code;
}

}  // namespace

std::vector<std::string> stateChanges(const FleetStatus* before, const FleetStatus& after) {
  std::vector<std::string> out;
  if (!before)
    return out;
  std::map<std::string, std::string> codes, statuses;
  for (const auto& c : before->connectors) {
    for (const auto& t : c.targets) {
      codes[c.name + " " + t.result.capture.target.url()] = stateCode(t.result);
    }
    for (const auto& r : c.certificates)
      statuses[c.name + " " + r.role + " " + r.entry + " " + r.info.sha256] = r.status;
  }
  for (const auto& c : after.connectors) {
    for (const auto& t : c.targets) {
      std::string key = c.name + " " + t.result.capture.target.url();
      std::string now = stateCode(t.result);
      auto it = codes.find(key);
      if (it != codes.end() && it->second != now) {
        out.push_back("connector " + c.name + " target " + t.result.capture.target.url() + ": " +
                      it->second + " -> " + now +
                      (t.result.diagnosis.ok() ? "" : " (" + t.result.diagnosis.summary + ")"));
      }
    }
    for (const auto& r : c.certificates) {
      auto it = statuses.find(c.name + " " + r.role + " " + r.entry + " " + r.info.sha256);
      if (it != statuses.end() && it->second != r.status) {
        out.push_back("connector " + c.name + " " + r.role + " " + r.entry + " ('" +
                      r.info.subject_cn + "'): " + it->second + " -> " + r.status + ", expires " +
                      formatRfc3339(r.info.not_after));
      }
    }
  }
  return out;
}

}  // namespace trustctl::probes
