// The agent's metrics as Prometheus sees them: `promtool check metrics` is clean on a real
// agent's /metrics, and Debian's prometheus, scraping a real agent that probes a failing
// server, fires the shipped TrustctlTargetDown alert (its `for:` shortened in a rendered copy).
// Skipped, with a warning, only where the prometheus package is not installed.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/agent/agent_fixture.h"
#include "tests/support/servers.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

bool installed(const char* path) {
  return access(path, X_OK) == 0;
}

// An agent probing one server that works and one that presents an untrusted chain, and a
// closed port.
struct ProbedFleet {
  TempDir dir;
  TestPki pki{wallClockNow()};
  TestPki::Chain good = pki.makeChain("Good");
  TestPki::Chain other = pki.makeChain("Other");
  std::unique_ptr<TestServer> ok_server, untrusted_server;
  int http_port = freeLoopbackPort();
  std::unique_ptr<ServerProcess> agent;

  ProbedFleet() {
    dir.write("root.pem", toPem({good.root.cert}));
    TlsServerOptions o;
    o.chain = {good.leaf.cert, good.intermediate.cert};
    o.key = good.leaf.key;
    ok_server = startSServer(o);
    o.chain = {other.leaf.cert, other.intermediate.cert};
    o.key = other.leaf.key;
    untrusted_server = startSServer(o);
    std::string cfg = dir.write(
        "trustctl.toml",
        "[agent]\nlisten = \"127.0.0.1:" + std::to_string(http_port) +
            "\"\nprobe_timeout_seconds = 3\n"
            "[entries.root]\nfile = \"root.pem\"\n"
            "[connectors.api]\ntrust = [\"root\"]\nprobe_interval_seconds = 1\ntargets = [" +
            "\"https://127.0.0.1:" + std::to_string(ok_server->port) + "\", " +
            "\"https://127.0.0.1:" + std::to_string(untrusted_server->port) + "/\", " +
            "\"https://127.0.0.1:" + std::to_string(closedLoopbackPort()) + "/\"]\n");
    agent = std::make_unique<ServerProcess>(
        std::vector<std::string>{trustctlPath(), "--store", dir.file("store"), "agent", "--config",
                                 cfg},
        dir.file("agent.log"));
  }
  std::string metrics() { return httpGet(http_port, "/metrics").body; }
  bool probedAll() {
    std::string m = metrics();
    return m.find("code=\"ok\"} 1") != std::string::npos &&
           m.find("code=\"untrusted_root\"} 1") != std::string::npos &&
           m.find("code=\"connection_refused\"} 1") != std::string::npos;
  }
};

}  // namespace

TEST_CASE("agent: a real agent's /metrics passes promtool check metrics", "[net][agent]") {
  if (!installed("/usr/bin/promtool")) {
    WARN("promtool not installed (Debian package prometheus): skipped");
    return;
  }
  ProbedFleet fleet;
  REQUIRE(eventually([&] { return fleet.probedAll(); }));
  std::string text = fleet.metrics();
  // One canonical target label: the configured URL, normalized (port and path made explicit).
  CHECK_THAT(text, Catch::Contains("target=\"https://127.0.0.1:" +
                                   std::to_string(fleet.ok_server->port) + "/\""));
  // The untrusted server's certificate expiry is exported although its probe fails.
  CHECK_THAT(text, Catch::Contains("trustctl_target_leaf_not_after_timestamp_seconds{"
                                   "connector=\"api\",target=\"https://127.0.0.1:" +
                                   std::to_string(fleet.untrusted_server->port) + "/\"}"));
  RunOptions stdin_metrics;
  stdin_metrics.stdin_data = text;
  auto lint = runProgram("/usr/bin/promtool", {"check", "metrics"}, stdin_metrics);
  INFO(lint.out << lint.err);
  CHECK(lint.exit_code == 0);
  CHECK(lint.out + lint.err == "");
}

TEST_CASE("agent: Prometheus fires TrustctlTargetDown against a real failing server",
          "[net][agent]") {
  if (!installed("/usr/bin/prometheus")) {
    WARN("prometheus not installed (Debian package prometheus): skipped");
    return;
  }
  ProbedFleet fleet;
  REQUIRE(eventually([&] { return fleet.probedAll(); }));
  auto rules = truststore::readWholeFile(std::string(TRUSTCTL_SOURCE_DIR) +
                                         "/deploy/prometheus/trustctl-alerts.yml");
  REQUIRE(rules);
  std::string rendered = *rules;
  const std::string ten = "for: 10m";
  REQUIRE(rendered.find(ten) != std::string::npos);
  rendered.replace(rendered.find(ten), ten.size(), "for: 3s");  // test-only: the real one is 10m
  fleet.dir.write("alerts.yml", rendered);
  int prom_port = freeLoopbackPort();
  fleet.dir.write("prometheus.yml",
                  "global:\n  scrape_interval: 1s\n  evaluation_interval: 1s\n"
                  "rule_files:\n  - " +
                      fleet.dir.file("alerts.yml") +
                      "\nscrape_configs:\n  - job_name: trustctl\n    static_configs:\n"
                      "      - targets: ['127.0.0.1:" +
                      std::to_string(fleet.http_port) + "']\n");
  ServerProcess prometheus(
      {"/usr/bin/prometheus", "--config.file=" + fleet.dir.file("prometheus.yml"),
       "--storage.tsdb.path=" + fleet.dir.file("tsdb"),
       "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
      fleet.dir.file("prometheus.log"));
  std::string alerts;
  bool firing = eventually(
      [&] {
        alerts = httpGet(prom_port, "/api/v1/alerts").body;
        auto json = nlohmann::json::parse(alerts, nullptr, false);
        if (!json.is_object() || !json.contains("data")) {
          return false;
        }
        int down = 0;
        for (const auto& a : json["data"]["alerts"]) {
          down += a["labels"]["alertname"] == "TrustctlTargetDown" && a["state"] == "firing";
        }
        return down == 2;  // the untrusted server and the closed port; not the good one
      },
      60);
  INFO(alerts);
  INFO(prometheus.logTail());
  CHECK(firing);
  CHECK_THAT(alerts, Catch::Contains("The probe fails with connection_refused"));
}
