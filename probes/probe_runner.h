#pragma once
// Runs many probes at once and hands back each one's capture, diagnosis and recommendation:
// HTTPS targets on one curl multi handle, LDAP targets on a small pool of threads (libldap is
// blocking), both at the same time. An HTTPS probe through a proxy whose chain is not trusted
// also connects directly, within its own deadline (at most kDirectCompareSeconds), so the
// issuers can be compared for TLS interception; trusted chains cost nothing more, and a proxy
// re-signing with a trusted root is still named when its issuer is a known product. Before
// diagnosing, it fetches a missing issuer from the
// AIA caIssuers URL into the catalog, within one budget per probe: at most `aia_max_urls` URLs
// and `aia_timeout_seconds` in all, and never past the probe's own timeout. Every probe ends
// within its timeout.

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "probes/capture.h"
#include "probes/catalog.h"
#include "probes/diagnosis.h"
#include "probes/recommendation.h"
#include "truststore/revocation.h"
#include "truststore/runtime_model.h"

namespace trustctl::probes {

struct ProbeJob {
  CaptureRequest request;
  std::string connector;  // "" when none
  std::shared_ptr<const TrustAnchors> trust;
  bool identity_configured = false;
  truststore::RevocationMode revocation = truststore::RevocationMode::Soft;
  // The connector's runtime: the verdict that decides status, metrics and the exit code.
  truststore::ConnectorRuntime runtime = truststore::ConnectorRuntime::Trustctl;
  // The --proxy value given on the command line ("" when none), for the recommended command.
  std::string proxy_argument;
};

struct ProbeResult {
  Capture capture;
  Diagnosis diagnosis;
  Recommendation recommendation;
  RecommendContext context;    // what the recommendation's command is written for
  std::string proxy_argument;  // ProbeJob::proxy_argument, for the command too
  std::string connector;
  // Whether the connector's runtime accepts the server with its current trust (the diagnosis
  // is trustctl's own judgement of the server).
  truststore::RuntimeVerdict runtime_verdict;
  // Lines for the user beside the diagnosis, e.g. that an LDAP probe ignored the proxy.
  std::vector<std::string> notes;
};

// The most a probe spends on its direct connection for the interception comparison: where
// only the proxy leads out, the direct attempt fails, and must not cost a full timeout.
inline constexpr double kDirectCompareSeconds = 3;

// The note for an LDAP probe when `choice` would send HTTPS to `target` through a proxy, ""
// otherwise: libldap connects directly.
std::string ldapProxyNote(const ProxyChoice& choice, const Target& target);

struct RunnerOptions {
  UnixTime now = 0;  // required
  int max_parallel_https = 64;
  int ldap_workers = 8;
  int https_threads = 2;  // curl multi handles in parallel threads, at most one per core
  bool fetch_aia = true;
  double aia_timeout_seconds = 5;  // for all of a probe's AIA fetches together
  int aia_max_urls = 4;            // URLs a probe fetches at most, over every certificate and hop
  size_t aia_max_bytes = 256 * 1024;
};

// `done(index, result)` is called once per job, serialized (never two at once), from whichever
// thread finished the job.
void runProbes(const std::vector<ProbeJob>& jobs, Catalog& catalog, const RunnerOptions& options,
               const std::function<void(size_t, ProbeResult)>& done);

// Diagnosis and recommendation of a recorded capture (no network; `--replay`).
ProbeResult evaluateCapture(Capture capture, const ProbeJob& job, const Catalog& catalog,
                            UnixTime now);

// Whether the connection works for the connector, which decides the exit code, `status` and
// the agent's metrics: its runtime's verdict on the certificate, and trustctl's diagnosis for
// what the runtime's model does not judge (network, TLS, identity, revocation, ...). For the
// trustctl runtime, trustctl's diagnosis alone.
bool connectorOk(const ProbeResult& result);

// The JSON contract object for one target.
nlohmann::json probeResultJson(const ProbeResult& result);

}  // namespace trustctl::probes
