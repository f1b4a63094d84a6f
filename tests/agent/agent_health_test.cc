// The agent's health judgement (/healthz, the systemd watchdog) and its own metrics text.
#include <catch2/catch.hpp>

#include "agent/agent_health.h"
#include "agent/agent_metrics.h"
#include "tests/support/cli_runner.h"
#include "tests/support/test_pki.h"
#include "truststore/file_util.h"

using namespace trustctl::agent;
using namespace std::chrono_literals;

TEST_CASE("AgentHealth: healthy with a config, a readable store and a recent cycle", "[agent]") {
  HealthInputs in;
  in.config_loaded = true;
  in.started = std::chrono::steady_clock::time_point{} + 1000s;
  in.now = in.started + 30s;
  in.last_cycle = in.started + 25s;
  in.max_cycle_age = maxCycleAge(60);
  CHECK_FALSE(unhealthyReason(in));

  SECTION("no config") {
    in.config_loaded = false;
    CHECK(unhealthyReason(in) == "no config loaded");
  }
  SECTION("the store could not be read") {
    in.store_error = "store corrupt";
    REQUIRE(unhealthyReason(in));
    CHECK_THAT(*unhealthyReason(in), Catch::StartsWith("store not readable"));
  }
  SECTION("the last cycle is older than two intervals") {
    in.now = *in.last_cycle + 121s;
    REQUIRE(unhealthyReason(in));
    CHECK_THAT(*unhealthyReason(in), Catch::Contains("last probe cycle finished 121 s ago"));
  }
  SECTION("no cycle since start for longer than two intervals") {
    in.last_cycle.reset();
    in.now = in.started + 121s;
    REQUIRE(unhealthyReason(in));
  }
}

TEST_CASE("AgentHealth: the cycle age limit is two intervals, at least 10 s", "[agent]") {
  CHECK(maxCycleAge(300) == 600s);
  CHECK(maxCycleAge(1) == 10s);
}

TEST_CASE("AgentMetrics: every family has HELP and TYPE", "[agent]") {
  AgentCounters c;
  c.last_cycle_at = 1700000000;
  std::string text = agentMetricsText(c);
  size_t families = 0;
  size_t pos = 0;
  while ((pos = text.find("# TYPE ", pos)) != std::string::npos) {
    size_t end = text.find(' ', pos + 7);
    std::string name = text.substr(pos + 7, end - pos - 7);
    INFO(name);
    CHECK(text.find("# HELP " + name + " ") != std::string::npos);
    ++families;
    ++pos;
  }
  CHECK(families >= 10);
  CHECK_THAT(text, Catch::Contains("\ntrustctl_config_last_reload_success 1\n"));
}

TEST_CASE("status: a status file older than two probe intervals is warned about", "[agent]") {
  trustctl::testing::TempDir dir;
  std::string fresh = trustctl::formatRfc3339(trustctl::wallClockNow() + 3600);
  auto write = [&](const std::string& stale_after) {
    trustctl::truststore::makeDirs(dir.file("store"));
    dir.write("store/agent-status.json",
              "{\"generated_at\": \"2020-01-01T00:00:00Z\", "
              "\"stale_after\": \"" +
                  stale_after + "\", \"connectors\": []}\n");
  };
  write("2020-01-01T00:10:00Z");
  auto stale = trustctl::testing::runTrustctl({"--store", dir.file("store"), "status"});
  CHECK_THAT(stale.err, Catch::Contains("more than two probe intervals ago"));
  write(fresh);
  auto current = trustctl::testing::runTrustctl({"--store", dir.file("store"), "status"});
  CHECK_THAT(current.err, !Catch::Contains("more than two probe intervals ago"));
}
