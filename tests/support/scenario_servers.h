#pragma once
// Starts what a fault scenario's setup describes on 127.0.0.1: the TLS server (s_server,
// nginx, slapd), a misbehaving listener, or nothing at all; plus nginx serving the scenario's
// plain-HTTP files (CRLs) on the port its certificates name. Everything stops on destruction.

#include <memory>
#include <string>

#include "tests/support/fault_scenarios.h"
#include "tests/support/hostile_servers.h"
#include "tests/support/proxy_servers.h"
#include "tests/support/servers.h"

namespace trustctl::testing {

struct RunningScenario {
  std::unique_ptr<TempDir> dir;  // files named by the server's arguments
  std::unique_ptr<TestServer> files;
  std::unique_ptr<TestServer> server;
  std::unique_ptr<RawServer> raw;
  std::unique_ptr<HostileServer> hostile;
  std::unique_ptr<TestProxy> proxy;
  std::string url;        // what to probe
  std::string proxy_url;  // the proxy to probe through, "" none
};

std::unique_ptr<RunningScenario> startScenario(const ScenarioSetup& setup);

// nginx serving `files` (name -> body) over plain HTTP on 127.0.0.1:`port`.
std::unique_ptr<TestServer> startNginxFiles(int port,
                                            const std::map<std::string, std::string>& files);

}  // namespace trustctl::testing
