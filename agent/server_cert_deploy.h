#pragma once
// Proving where server certificates are deployed, shared by `trustctl server-cert check`,
// `server-cert list`, `status` and the agent's cycle. The last proof of every server
// certificate is kept in <store>/deployments.json, outside the generations: it is an
// observation of the servers, not part of the store's content, and writing it must not make a
// new generation (nor fire on_change).

#include <map>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "agent/cli_context.h"
#include "probes/deployment_probe.h"
#include "truststore/store_state.h"

namespace trustctl::agent {

inline constexpr const char* kDeploymentsFile = "deployments.json";

// The last proof of one server certificate: the leaf it expected and one verdict per listener.
struct ServerCertDeployment {
  std::string name;
  std::string expected_sha256;
  UnixTime checked_at = 0;
  std::vector<probes::DeploymentVerdict> listeners;
};
using DeploymentRecords = std::map<std::string, ServerCertDeployment>;

// The leaf's SHA-256 the store holds for `s` ("" when its entry is missing).
std::string serverCertLeaf(const truststore::StoreState& state, const truststore::ServerCert& s);

// Probes every served_at listener of the named server certificates (all with served_at when
// `names` is empty), up to 8 listeners at a time, each listener's handshakes one after another
// and each bounded by `timeout_seconds`. A served_at URL that no longer parses is recorded as
// unreachable.
DeploymentRecords proveServerCerts(const truststore::StoreState& state,
                                   const std::vector<std::string>& names, UnixTime now,
                                   double timeout_seconds);

// <store>/deployments.json: empty records when the file is missing; StoreCorrupt when it is
// not a record file. save writes atomically (0644).
Result<DeploymentRecords> loadDeployments(const std::string& store_dir);
Result<void> saveDeployments(const std::string& store_dir, const DeploymentRecords& records);

nlohmann::json deploymentJson(const ServerCertDeployment& d);

// The Deployed column for one domain of `s`: "yes", "no: serves SHA-256 ab12cd34… instead",
// "unreachable", "not served" (no served_at), "not checked" (no proof of this leaf yet); with
// several listeners, each prefixed by its URL.
std::string deployedLabel(const truststore::StoreState& state, const truststore::ServerCert& s,
                          const std::string& domain, const DeploymentRecords& records);

// Changes of verdict between two proofs, one line per listener: for the agent's log.
std::vector<std::string> deploymentChanges(const DeploymentRecords& before,
                                           const DeploymentRecords& after);

// Each URL parsed as a target (truststore/target_url.h) and normalized, duplicates dropped;
// InvalidUrl naming the first bad one.
Result<std::vector<std::string>> normalizeServedAt(const std::vector<std::string>& urls);

// `server-cert edit`, `server-cert check`; `group` is the server-cert command.
void addServerCertDeployCommands(CLI::App* group, CliContext& ctx);

}  // namespace trustctl::agent
