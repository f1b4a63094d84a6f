#pragma once
// "Deployed means proven" (issue 15): does the listener a server certificate is served at
// present exactly that certificate? The shell (probeDeployment) only records, per SNI, the
// leaf a TLS handshake presented (by SHA-256) or the transport error; the judgement
// (judgeDeployment) is pure, so a recorded evidence replays to the same verdict. It does not
// verify the chain or the names: upload checks did that; here only the bytes served count.

#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "probes/target.h"

namespace trustctl::probes {

// One handshake: the SNI it sent ("" = none), the SHA-256 of the leaf the server presented
// ("" when it presented none) and why it got no leaf ("" when it did).
struct SniEvidence {
  std::string sni;
  std::string leaf_sha256;
  std::string error;
};

// Every handshake against one listener: one per domain, then one without SNI.
struct DeploymentEvidence {
  std::string url;  // normalized (Target::url())
  std::vector<SniEvidence> handshakes;
};

enum class DeployState {
  Yes,          // it presented exactly this certificate
  Other,        // it presented another one (`detail` is its SHA-256)
  Unreachable,  // no certificate presented (`detail` is why)
};
std::string_view deployStateName(DeployState s);  // "yes", "no", "unreachable"
std::optional<DeployState> deployStateFromName(std::string_view name);

struct SniResult {
  std::string sni;  // "" = the handshake without SNI
  DeployState state = DeployState::Unreachable;
  std::string detail;  // Other: the presented SHA-256; Unreachable: the reason
};

// The verdict for one listener. `overall` rests on the domains' SNI handshakes only: Yes when
// every one presented the certificate, Other when any presented another (the first such is
// `overall_detail`), else Unreachable. The handshake without SNI is reported apart as the
// listener's default certificate: many servers legitimately default to another one.
struct DeploymentVerdict {
  std::string url;
  std::vector<SniResult> domains;
  std::optional<SniResult> default_certificate;
  DeployState overall = DeployState::Unreachable;
  std::string overall_detail;
};

// Pure. `expected_sha256` is the leaf the store holds for the server certificate.
DeploymentVerdict judgeDeployment(const DeploymentEvidence& evidence,
                                  const std::string& expected_sha256);

// The name sent as SNI for a domain: a wildcard's "*" becomes a concrete label
// ("*.example.com" -> "deploy-check.example.com"), since SNI carries host names only.
std::string sniForDomain(const std::string& domain);

// Handshakes (TLS only, no application data, no verification) with `target` once per domain
// with SNI = sniForDomain(domain), then once without SNI; each bounded by `timeout_seconds`.
// ldap:// targets do a StartTLS extended operation first. Never fails: a connection or
// handshake problem is recorded in the evidence. Blocking; the process must ignore SIGPIPE.
DeploymentEvidence probeDeployment(const Target& target, const std::vector<std::string>& domains,
                                   double timeout_seconds);

nlohmann::json deploymentVerdictToJson(const DeploymentVerdict& v);
// Fails with StoreCorrupt naming `label` when the JSON is not a verdict.
Result<DeploymentVerdict> deploymentVerdictFromJson(const nlohmann::json& j,
                                                    const std::string& label);

}  // namespace trustctl::probes
