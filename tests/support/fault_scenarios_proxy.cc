// The table's proxy part: a healthy server behind a proxy that is down, wants credentials,
// refuses the CONNECT, or intercepts TLS with its own CA. Live, real tinyproxy and mitmproxy
// on loopback; replayed, a capture with what the proxy answered.
#include "tests/support/fault_scenarios.h"

namespace trustctl::testing {

using probes::CaptureFailure;
using probes::DiagnosisCode;

namespace {

constexpr const char* kReplayProxy = "http://127.0.0.1:3128";

// A trusted server that works directly, probed through `proxy`.
ScenarioSetup behindProxy(TestPki& pki, const std::string& name, ProxyKind proxy) {
  auto c = pki.makeChain(name);
  ScenarioSetup s;
  s.chain = {c.leaf.cert, c.intermediate.cert};
  s.key = c.leaf.key;
  s.trusted = {c.root.cert};
  s.proxy = proxy;
  s.probe_args = {"--proxy", "@PROXY@", "--timeout", "5"};
  s.replay.proxy = kReplayProxy;
  return s;
}

// The tunnel failed: no handshake with the target at all.
ScenarioSetup tunnelFailed(TestPki& pki, const std::string& name, ProxyKind proxy,
                           CaptureFailure failure, int status, const std::string& line) {
  auto s = behindProxy(pki, name, proxy);
  s.fix = Fix::NotApplicable;
  s.replay.failure = failure;
  s.replay.handshake_completed = false;
  s.replay.tls_version = "";
  s.replay.http_status = 0;
  s.replay.chain_received = false;
  s.replay.proxy_connect_status = status;
  s.replay.proxy_status_line = line;
  return s;
}

ScenarioSetup proxyDown(TestPki& pki) {
  auto s =
      tunnelFailed(pki, "Proxy Down", ProxyKind::Down, CaptureFailure::ProxyUnreachable, 0, "");
  s.replay.detail = "Failed to connect to 127.0.0.1 port 3128: Connection refused";
  return s;
}

ScenarioSetup proxyAuth(TestPki& pki) {
  return tunnelFailed(pki, "Proxy Auth", ProxyKind::TinyproxyAuth,
                      CaptureFailure::ProxyAuthRequired, 407,
                      "HTTP/1.0 407 Proxy Authentication Required");
}

ScenarioSetup proxyForbids(TestPki& pki) {
  return tunnelFailed(pki, "Proxy Port", ProxyKind::TinyproxyPortLimit,
                      CaptureFailure::ProxyRefused, 403, "HTTP/1.0 403 Access violation");
}

// mitmproxy re-signs with a CA no product list names: only the direct chain shows it. Its
// root is known (a catalog), and installing it, explicitly, makes the probe through it ok.
ScenarioSetup intercepted(TestPki& pki) {
  auto s = behindProxy(pki, "Intercepted", ProxyKind::Mitmproxy);
  s.proxy_ca = pki.makeRoot("Scenario Inspection CA");
  s.probe_args = {"--proxy", "@PROXY@", "--timeout", "8"};
  s.catalog = {s.proxy_ca.cert};
  s.fix = Fix::InstallRecommended;
  s.install_args = {"--allow-interception-root"};
  s.recommended = s.proxy_ca.cert;
  s.recommended_kind = "root";
  s.replay.proxy_connect_status = 200;
  s.replay.proxy_status_line = "HTTP/1.1 200 Connection established";
  s.replay.presented = {pki.makeLeaf(s.proxy_ca, "localhost", loopbackLeafOptions()).cert};
  s.replay.direct_chain = s.chain;
  return s;
}

}  // namespace

std::vector<FaultScenario> proxyScenarios() {
  return {
      {"a proxy that does not listen", DiagnosisCode::ProxyUnreachable, {}, true, true, proxyDown},
      {"a proxy that wants credentials",
       DiagnosisCode::ProxyAuthRequired,
       {},
       true,
       true,
       proxyAuth},
      {"a proxy that forbids CONNECT to the port",
       DiagnosisCode::ProxyConnectRefused,
       {},
       true,
       true,
       proxyForbids},
      {"a proxy that re-signs TLS with its own CA",
       DiagnosisCode::TlsInterception,
       {},
       true,
       true,
       intercepted},
  };
}

}  // namespace trustctl::testing
