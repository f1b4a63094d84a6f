#pragma once
// Real HTTP proxies for the probe's proxy tests, started from temporary configs on 127.0.0.1
// with free ports, each waited for a bounded time and stopped on destruction:
//  - tinyproxy: a plain CONNECT proxy, optionally with BasicAuth, optionally allowing CONNECT
//    to listed ports only (others get 403);
//  - mitmproxy (mitmdump): a TLS-intercepting proxy re-signing with its own CA, generated into
//    its confdir on first start, or with a given CA.
// A tarpit proxy (accepts, never answers) is HostileServer(Hostility::Blackhole).

#include <memory>
#include <string>
#include <vector>

#include "tests/support/servers.h"
#include "tests/support/test_pki.h"

namespace trustctl::testing {

struct TinyproxyOptions {
  std::string user;  // with password: BasicAuth required
  std::string password;
  std::vector<int> connect_ports;  // non-empty: CONNECT only to these ports
};

class TestProxy {
 public:
  int port = 0;
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
  std::string ca_cert_file;  // mitmproxy: its CA certificate (PEM), "" for tinyproxy
  std::unique_ptr<TempDir> dir;
  std::unique_ptr<ServerProcess> process;
};

std::unique_ptr<TestProxy> startTinyproxy(const TinyproxyOptions& options = {});
// `ca` null: mitmproxy makes its own CA (named "mitmproxy"); else it signs with `ca`.
std::unique_ptr<TestProxy> startMitmproxy(const Issued* ca = nullptr);

}  // namespace trustctl::testing
