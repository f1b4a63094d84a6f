#include "agent/server_cert_deploy.h"

#include <unistd.h>

#include <algorithm>
#include <future>
#include <set>

#include "truststore/file_util.h"
#include "truststore/target_url.h"

namespace trustctl::agent {

namespace {

std::string shortSha(const std::string& sha) {
  return sha.size() > 16 ? sha.substr(0, 16) + "…" : sha;
}

// The label of one listener's result for `domain`.
std::string listenerLabel(const probes::DeploymentVerdict& v, const std::string& domain) {
  for (const auto& r : v.domains) {
    if (r.sni != probes::sniForDomain(domain)) {
      continue;
    }
    switch (r.state) {
      case probes::DeployState::Yes:
        return "yes";
      case probes::DeployState::Other:
        return "no: serves SHA-256 " + shortSha(r.detail) + " instead";
      case probes::DeployState::Unreachable:
        return "unreachable";
    }
  }
  return "not checked";
}

}  // namespace

std::string serverCertLeaf(const truststore::StoreState& state, const truststore::ServerCert& s) {
  const truststore::Entry* e = state.findEntry(s.entry);
  return e == nullptr || e->certificates.empty() ? "" : e->certificates.front();
}

DeploymentRecords proveServerCerts(const truststore::StoreState& state,
                                   const std::vector<std::string>& names, UnixTime now,
                                   double timeout_seconds) {
  DeploymentRecords out;
  struct Job {
    ServerCertDeployment* record;
    size_t slot;
    const truststore::ServerCert* cert;
    truststore::Target target;
  };
  std::vector<Job> jobs;
  std::set<std::string> wanted(names.begin(), names.end());
  for (const auto& [name, s] : state.server_certs) {
    if ((!wanted.empty() && wanted.count(name) == 0) || s.served_at.empty()) {
      continue;
    }
    auto& d = out[name];
    d = ServerCertDeployment{name, serverCertLeaf(state, s), now, {}};
    d.listeners.resize(s.served_at.size());
    for (size_t i = 0; i < s.served_at.size(); ++i) {
      auto target = truststore::parseTarget(s.served_at[i]);
      if (!target) {
        d.listeners[i].url = truststore::redactUrl(s.served_at[i]);
        d.listeners[i].overall_detail = target.error().message;
        continue;
      }
      jobs.push_back({&d, i, &s, *target});
    }
  }
  // Listeners are proved a batch at a time, each listener's handshakes one after another: a
  // cycle takes about (domains + 1) x timeout per batch at worst, with few threads.
  constexpr size_t kParallelListeners = 8;
  for (size_t start = 0; start < jobs.size(); start += kParallelListeners) {
    std::vector<std::future<probes::DeploymentEvidence>> running;
    size_t end = std::min(jobs.size(), start + kParallelListeners);
    for (size_t j = start; j < end; ++j) {
      running.push_back(std::async(std::launch::async, [&job = jobs[j], timeout_seconds] {
        return probes::probeDeployment(job.target, job.cert->domains, timeout_seconds);
      }));
    }
    for (size_t j = start; j < end; ++j) {
      auto& job = jobs[j];
      job.record->listeners[job.slot] =
          probes::judgeDeployment(running[j - start].get(), job.record->expected_sha256);
    }
  }
  return out;
}

nlohmann::json deploymentJson(const ServerCertDeployment& d) {
  nlohmann::json listeners = nlohmann::json::array();
  for (const auto& v : d.listeners) {
    listeners.push_back(probes::deploymentVerdictToJson(v));
  }
  return {{"name", d.name},
          {"expected_sha256", d.expected_sha256},
          {"checked_at", d.checked_at},
          {"listeners", listeners}};
}

Result<DeploymentRecords> loadDeployments(const std::string& store_dir) {
  std::string path = store_dir + "/" + kDeploymentsFile;
  DeploymentRecords out;
  if (::access(path.c_str(), F_OK) != 0) {
    return out;  // never checked
  }
  auto text = truststore::readWholeFile(path);
  if (!text) {
    return tl::unexpected(text.error());
  }
  try {
    auto root = nlohmann::json::parse(*text);
    for (const auto& j : root.at("server_certs")) {
      ServerCertDeployment d;
      d.name = j.at("name").get<std::string>();
      d.expected_sha256 = j.at("expected_sha256").get<std::string>();
      d.checked_at = j.at("checked_at").get<UnixTime>();
      for (const auto& l : j.at("listeners")) {
        auto v = probes::deploymentVerdictFromJson(l, path);
        if (!v) {
          return tl::unexpected(v.error());
        }
        d.listeners.push_back(std::move(*v));
      }
      out.emplace(d.name, std::move(d));
    }
  } catch (const std::exception& ex) {
    return fail(ErrorCode::StoreCorrupt, path + ": not a deployment record file (" + ex.what() +
                                             "); run 'trustctl server-cert check' to rewrite it");
  }
  return out;
}

Result<void> saveDeployments(const std::string& store_dir, const DeploymentRecords& records) {
  nlohmann::json all = nlohmann::json::array();
  for (const auto& [name, d] : records) {
    all.push_back(deploymentJson(d));
  }
  nlohmann::json root{{"server_certs", all}};
  return truststore::writeFileAtomic(store_dir + "/" + kDeploymentsFile, root.dump(1) + "\n", 0644);
}

std::string deployedLabel(const truststore::StoreState& state, const truststore::ServerCert& s,
                          const std::string& domain, const DeploymentRecords& records) {
  if (s.served_at.empty()) {
    return "not served";
  }
  auto it = records.find(s.name);
  // A proof of another leaf (the certificate was replaced since) says nothing about this one.
  if (it == records.end() || it->second.expected_sha256 != serverCertLeaf(state, s)) {
    return "not checked";
  }
  const auto& listeners = it->second.listeners;
  if (listeners.size() == 1) {
    return listenerLabel(listeners.front(), domain);
  }
  std::string out;
  for (const auto& v : listeners) {
    out += (out.empty() ? "" : "; ") + v.url + " " + listenerLabel(v, domain);
  }
  return out;
}

std::vector<std::string> deploymentChanges(const DeploymentRecords& before,
                                           const DeploymentRecords& after) {
  std::vector<std::string> lines;
  for (const auto& [name, d] : after) {
    auto old = before.find(name);
    for (const auto& v : d.listeners) {
      std::string was = "not checked";
      if (old != before.end()) {
        for (const auto& o : old->second.listeners) {
          if (o.url == v.url) {
            was = std::string(probes::deployStateName(o.overall));
          }
        }
      }
      std::string now(probes::deployStateName(v.overall));
      if (was != now) {
        lines.push_back("server certificate " + name + " at " + v.url + ": deployed " + was +
                        " -> " + now +
                        (v.overall_detail.empty() ? "" : " (" + v.overall_detail + ")"));
      }
    }
  }
  return lines;
}

}  // namespace trustctl::agent
