#pragma once
// The one table of faults (issue 13). Each scenario builds, from a TestPki, what a server
// presents (or which transport fault it has), what the connector trusts, what the catalog knows
// and what must fix it. Two drivers read the same table: tests/probes/scenario_replay_test.cc
// replays a synthesized capture into diagnose(), tests/integration/scenario_live_test.cc starts
// a real loopback server and runs `trustctl probe`; tests/probes/diagnosis_coverage_test.cc
// fails when a diagnosis code has no scenario in either.

#include <functional>
#include <map>
#include <string>
#include <vector>

#include "probes/capture.h"
#include "probes/diagnosis.h"
#include "tests/support/test_pki.h"

namespace trustctl::testing {

enum class ServerKind {
  None,        // nothing listens: the host does not resolve, or the port is closed
  SServer,     // openssl s_server presenting `chain`
  Nginx,       // nginx presenting `chain`
  Slapd,       // slapd presenting `chain` on its ldaps port (and StartTLS on its ldap port)
  SlapdNoTls,  // slapd without TLS: ldap:// only, StartTLS refused
  Silent,      // accepts and never answers
  PlainHttp,   // answers HTTP in clear text
  HugeLdap,    // answers an LDAP request with a 2 GiB BER length (plain TCP)
};

// The proxy the probe goes through ("@PROXY@" in probe_args becomes its URL when live).
enum class ProxyKind {
  None,
  Tinyproxy,           // a plain CONNECT proxy
  TinyproxyAuth,       // BasicAuth required, no credentials given
  TinyproxyPortLimit,  // CONNECT allowed to port 1 only: 403 for the target
  Down,                // nothing listens on the proxy's port
  Mitmproxy,           // re-signs with ScenarioSetup::proxy_ca
};

// Which port of the started server the URL names.
enum class PortChoice { Tls, Plain, Closed };

enum class Fix {
  InstallRecommended,  // installing what the probe recommends makes the next probe ok
  NothingToInstall,    // not an install; installing any CA certificate seen does not fix it
  NothingFound,        // the certificate to install is known nowhere: the owner is asked for it
  NotApplicable,       // transport causes, and warnings (already ok)
};
std::string_view fixName(Fix fix);

// How the live capture of the fault looks, for the replay driver.
struct ReplayShape {
  probes::CaptureFailure failure = probes::CaptureFailure::None;
  bool handshake_completed = true;
  std::string tls_version = "TLSv1.3";
  std::string detail;
  int alert_received = -1;
  bool client_certificate_requested = false;
  int http_status = 200;
  std::string http_body;
  bool chain_received = true;  // false: the client never parsed the server's Certificate
  bool port_speaks_tls = false;
  std::string tls_error_library;
  int tls_error_reason = 0;
  std::string tls_error_reason_text;
  size_t certificate_message_bytes = 0;
  std::vector<probes::FetchedObject> fetched;  // AIA / CRL fetches as the live probe made them
  // Through a proxy: its URL and CONNECT answer; what it presented instead of `chain` (an
  // intercepting proxy), and the chain seen directly.
  std::string proxy;
  int proxy_connect_status = 0;
  std::string proxy_status_line;
  std::vector<CertificatePtr> presented;
  std::vector<CertificatePtr> direct_chain;
};

struct ScenarioSetup {
  ServerKind server = ServerKind::SServer;
  std::string scheme = "https";  // https, ldaps, ldap (StartTLS)
  PortChoice port = PortChoice::Tls;
  std::string host = "127.0.0.1";
  std::vector<CertificatePtr> chain;  // presented, leaf first
  PrivateKeyPtr key;
  std::vector<CertificatePtr> client_cas;  // non-empty: the server demands a client certificate
  // s_server arguments; "@LEAF_PEM@" and "@KEY_PEM@" become files of chain[0] and key.
  std::vector<std::string> server_args;
  std::vector<CertificatePtr> trusted;  // the connector's trust
  std::vector<CertificatePtr> catalog;  // given with --catalog
  // Plain-HTTP files (CRLs, issuers) served by nginx on http_port, 0 = none.
  int http_port = 0;
  std::map<std::string, std::string> http_files;
  std::map<std::string, std::string> env;  // e.g. TRUSTCTL_TEST_COMPROMISED_SPKI
  std::vector<std::string> probe_args;     // e.g. {"--timeout", "3"}
  std::vector<std::string> install_args;   // e.g. {"--allow-server-pin"}
  ProxyKind proxy = ProxyKind::None;
  Issued proxy_ca;  // ProxyKind::Mitmproxy: the CA it re-signs with
  Fix fix = Fix::NothingToInstall;
  CertificatePtr recommended;    // the certificate the recommendation must name, null: unchecked
  std::string recommended_kind;  // "root", "intermediate", "server", "" unchecked
  std::vector<CertificatePtr> never_recommend;
  // Certificates left out of the NothingToInstall proof, each for a reason given where it is
  // set (trusting a sub-CA directly makes it an anchor, and RFC 5280 stops there).
  std::vector<CertificatePtr> fix_exempt;
  ReplayShape replay;
};

struct FaultScenario {
  std::string name;
  probes::DiagnosisCode code;  // the expected primary code (for a warning: a listed problem)
  std::vector<probes::DiagnosisCode> also_accepted;  // hostile chains: either bound is right
  bool replay = true;
  bool live = true;
  std::function<ScenarioSetup(TestPki&)> make;
};

// Every scenario, in a stable order; names are unique.
const std::vector<FaultScenario>& faultScenarios();

// The URL probed, for a given port.
std::string scenarioUrl(const ScenarioSetup& setup, int port);

// A CRL issued by `issuer` at `now` (valid a week) listing `revoked_serials`, DER.
std::string makeCrlDer(const Issued& issuer, const std::vector<long>& revoked_serials,
                       UnixTime now);
// The serial number of `cert` (small test serials only).
long serialOf(const CertificatePtr& cert);

// The parts of the table (fault_scenarios_*.cc).
std::vector<FaultScenario> classicCertificateScenarios();
std::vector<FaultScenario> longTailCertificateScenarios();
std::vector<FaultScenario> chainScenarios();
std::vector<FaultScenario> transportScenarios();
std::vector<FaultScenario> proxyScenarios();

// Leaf options naming both loopback names (DNS:localhost, IP:127.0.0.1).
CertOptions loopbackLeafOptions();

}  // namespace trustctl::testing
