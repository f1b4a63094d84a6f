#include "tests/support/proxy_servers.h"

#include <filesystem>
#include <fstream>
#include <stdexcept>

namespace trustctl::testing {

namespace {

// A port taken between freeLoopbackPort() and the proxy's bind fails the start: try again.
template <typename Start>
std::unique_ptr<TestProxy> withRetries(Start start) {
  for (int attempt = 0;; ++attempt) {
    try {
      return start();
    } catch (const std::runtime_error&) {
      if (attempt == 2) {
        throw;
      }
    }
  }
}

}  // namespace

std::unique_ptr<TestProxy> startTinyproxy(const TinyproxyOptions& o) {
  return withRetries([&o] {
    auto p = std::make_unique<TestProxy>();
    p->dir = std::make_unique<TempDir>();
    p->port = freeLoopbackPort();
    std::string conf = "Port " + std::to_string(p->port) +
                       "\nListen 127.0.0.1\nTimeout 30\nMaxClients 512\nAllow 127.0.0.1\n"
                       "LogLevel Info\nDisableViaHeader Yes\n";
    if (!o.user.empty()) {
      conf += "BasicAuth " + o.user + " " + o.password + "\n";
    }
    for (int port : o.connect_ports) {
      conf += "ConnectPort " + std::to_string(port) + "\n";
    }
    std::string file = p->dir->write("tinyproxy.conf", conf);
    p->process = std::make_unique<ServerProcess>(
        std::vector<std::string>{"tinyproxy", "-d", "-c", file}, p->dir->file("tinyproxy.log"));
    waitUntilListening(*p->process, p->port, "tinyproxy");
    return p;
  });
}

std::unique_ptr<TestProxy> startMitmproxy(const Issued* ca) {
  return withRetries([ca] {
    auto p = std::make_unique<TestProxy>();
    p->dir = std::make_unique<TempDir>();
    p->port = freeLoopbackPort();
    std::string confdir = p->dir->file("conf");
    std::vector<std::string> argv{"mitmdump",           "--listen-host",         "127.0.0.1",
                                  "--listen-port",      std::to_string(p->port), "--set",
                                  "confdir=" + confdir, "--ssl-insecure",        "-q"};
    std::filesystem::create_directories(confdir);
    if (ca) {
      // mitmproxy reads key and certificate from one PEM file in its confdir.
      p->dir->write("conf/mitmproxy-ca.pem", keyPem(ca->key) + toPem({ca->cert}));
    }
    p->process = std::make_unique<ServerProcess>(argv, p->dir->file("mitmdump.log"));
    waitUntilListening(*p->process, p->port, "mitmdump");
    p->ca_cert_file = confdir + "/mitmproxy-ca-cert.pem";
    if (ca) {
      p->ca_cert_file = p->dir->write("ca-cert.pem", toPem({ca->cert}));
    }
    if (!std::ifstream(p->ca_cert_file)) {
      throw std::runtime_error("mitmdump wrote no CA certificate: " + p->process->logTail());
    }
    return p;
  });
}

}  // namespace trustctl::testing
