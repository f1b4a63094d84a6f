// The agent as a real process against real servers: apply at start, /metrics and /status,
// a server whose certificate changes, SIGHUP with a new file and with a broken one, on_change
// exactly once per change, SIGTERM promptly. Every wait is a bounded poll.
#include <signal.h>
#include <sys/wait.h>

#include <chrono>
#include <thread>

#include <catch2/catch.hpp>

#include "probes/https_capture.h"
#include "tests/support/cli_runner.h"
#include "tests/support/servers.h"
#include "truststore/file_util.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

std::string fetch(const std::string& url) {
  auto body = probes::fetchBounded(url, 2, 1 << 20);
  return body ? *body : "";
}

// Polls `condition` every 100 ms for at most `seconds`.
template <typename F>
bool eventually(F condition, double seconds = 15) {
  auto end = std::chrono::steady_clock::now() +
             std::chrono::milliseconds(static_cast<long>(seconds * 1000));
  while (std::chrono::steady_clock::now() < end) {
    if (condition())
      return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return condition();
}

int lines(const std::string& path) {
  auto text = truststore::readWholeFile(path);
  return text ? lineCount(*text) : 0;
}

std::string config(const TempDir& dir, int http_port, int target_port, const std::string& trust) {
  return "[agent]\nlisten = \"127.0.0.1:" + std::to_string(http_port) +
         "\"\n"
         "[expiry]\nwarning_days = 30\n"
         "[entries.old-root]\nfile = \"old-root.pem\"\n"
         "[entries.new-root]\nfile = \"new-root.pem\"\n"
         "[connectors.api]\ntargets = [\"https://127.0.0.1:" +
         std::to_string(target_port) +
         "/\"]\n"
         "trust = [" +
         trust +
         "]\nprobe_interval_seconds = 1\n"
         "on_change = \"echo $TRUSTCTL_CONNECTOR >> " +
         dir.file("reloads.log") + "\"\n";
}

}  // namespace

TEST_CASE("agent: metrics, status, certificate change, SIGHUP, broken config, on_change, SIGTERM",
          "[net][agent]") {
  TempDir dir;
  TestPki pki(wallClockNow());
  auto old_chain = pki.makeChain("Old");
  auto new_chain = pki.makeChain("New");
  dir.write("old-root.pem", toPem({old_chain.root.cert}));
  dir.write("new-root.pem", toPem({new_chain.root.cert}));
  TlsServerOptions o;
  o.chain = {old_chain.leaf.cert, old_chain.intermediate.cert};
  o.key = old_chain.leaf.key;
  auto server = startSServer(o);
  int target_port = server->port;
  int http_port = freeLoopbackPort();
  std::string cfg = dir.write("trustctl.toml", config(dir, http_port, target_port, "\"old-root\""));
  std::string metrics_url = "http://127.0.0.1:" + std::to_string(http_port) + "/metrics";
  std::string target_label =
      "connector=\"api\",target=\"https://127.0.0.1:" + std::to_string(target_port) + "/\"";
  std::string up_ok = "trustctl_target_up{" + target_label + "} 1";
  ServerProcess agent({trustctlPath(), "--store", dir.file("store"), "agent", "--config", cfg},
                      dir.file("agent.log"));

  REQUIRE(eventually([&] { return fetch(metrics_url).find(up_ok) != std::string::npos; }));
  CHECK(fetch("http://127.0.0.1:" + std::to_string(http_port) + "/healthz") == "ok\n");
  auto status =
      nlohmann::json::parse(fetch("http://127.0.0.1:" + std::to_string(http_port) + "/status"));
  CHECK(status["connectors"][0]["targets"][0]["diagnosis"]["code"] == "ok");
  CHECK(status["connectors"][0]["breaks_on"].is_string());  // the earliest notAfter of the path
  CHECK_THAT(fetch(metrics_url),
             Catch::Contains("trustctl_connector_breaks_on_timestamp_seconds{connector=\"api\"}"));
  CHECK(lines(dir.file("reloads.log")) == 1);  // the initial apply created the connector

  // The server now presents a chain from another root: the status and the metric change.
  server.reset();
  o.chain = {new_chain.leaf.cert, new_chain.intermediate.cert};
  o.key = new_chain.leaf.key;
  o.port = target_port;
  server = startSServer(o);
  // The cause is a series of its own; trustctl_target_up keeps its labels (an alert's `for:`
  // survives a change of cause), and the presented certificate's expiry is still exported.
  CHECK(eventually([&] {
    std::string m = fetch(metrics_url);
    return m.find("trustctl_target_diagnosis{" + target_label + ",code=\"untrusted_root\"} 1") !=
               std::string::npos &&
           m.find("trustctl_target_up{" + target_label + "} 0") != std::string::npos;
  }));
  CHECK_THAT(
      fetch(metrics_url),
      Catch::Contains("trustctl_target_leaf_not_after_timestamp_seconds{" + target_label + "} "));
  CHECK(eventually([&] {
    auto text = truststore::readWholeFile(dir.file("agent.log"));
    return text && text->find("ok -> untrusted_root") != std::string::npos;
  }));

  // The operator trusts the new root in the file and sends SIGHUP.
  dir.write("trustctl.toml", config(dir, http_port, target_port, "\"old-root\", \"new-root\""));
  kill(agent.pid(), SIGHUP);
  CHECK(eventually([&] { return fetch(metrics_url).find(up_ok) != std::string::npos; }));
  CHECK(eventually([&] { return lines(dir.file("reloads.log")) == 2; }));

  // A broken file is refused; the agent keeps running with what it had.
  dir.write("trustctl.toml", "[connectors.api]\ntrust = [\"ghost\"]\n");
  kill(agent.pid(), SIGHUP);
  CHECK(eventually([&] {
    return fetch(metrics_url).find("reloads_total{result=\"rejected\"} 1") != std::string::npos;
  }));
  CHECK(agent.running());
  CHECK(fetch(metrics_url).find(up_ok) != std::string::npos);
  std::this_thread::sleep_for(std::chrono::milliseconds(1500));  // cycles pass: no new reload
  CHECK(lines(dir.file("reloads.log")) == 2);
  auto log = truststore::readWholeFile(dir.file("agent.log"));
  REQUIRE(log);
  CHECK_THAT(*log,
             Catch::Contains("no entry 'ghost'") && Catch::Contains("keeping the running state"));
  // The status file and `trustctl status` agree with the agent.
  auto table = runTrustctl({"--store", dir.file("store"), "status"});
  CHECK(table.exit_code == 0);
  CHECK_THAT(table.out, Catch::Contains("connector api") && Catch::Contains("localhost"));

  // SIGTERM: the agent is gone within about two seconds.
  kill(agent.pid(), SIGTERM);
  CHECK(eventually([&] { return !agent.running(); }, 3));
}
