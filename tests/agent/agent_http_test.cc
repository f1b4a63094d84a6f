// The agent's HTTP side as a real process: slow clients do not starve /healthz, the listen
// address is parsed strictly and a bind failure stops the start (exit 2, the reason), and
// /healthz says 503 with the reason while probing is stalled.
#include <signal.h>

#include <atomic>
#include <thread>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/agent/agent_fixture.h"
#include "tests/support/servers.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

std::string agentConfig(const std::string& listen, const std::string& rest = "") {
  return "[agent]\nlisten = \"" + listen + "\"\n" + rest;
}

}  // namespace

TEST_CASE("agent: 64 slowloris connections held open while /healthz answers every poll",
          "[net][agent]") {
  TempDir dir;
  int port = freeLoopbackPort();
  std::string cfg = dir.write("trustctl.toml", agentConfig("127.0.0.1:" + std::to_string(port)));
  ServerProcess agent({trustctlPath(), "--store", dir.file("store"), "agent", "--config", cfg},
                      dir.file("agent.log"));
  REQUIRE(eventually([&] { return httpGet(port, "/healthz").status == 200; }));

  // Each slow client sends an unfinished request head and then one byte every 300 ms: a
  // per-read timeout never fires for it.
  std::vector<int> slow;
  for (int i = 0; i < 64; ++i) {
    int fd = connectLoopback(port);
    REQUIRE(fd >= 0);
    std::string head = "GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n";
    REQUIRE(send(fd, head.data(), head.size(), MSG_NOSIGNAL) > 0);
    slow.push_back(fd);
  }
  std::atomic<bool> stop{false};
  std::thread trickle([&] {
    for (int round = 0; round < 40 && !stop; ++round) {  // at most 12 s
      for (int fd : slow) {
        send(fd, "X", 1, MSG_NOSIGNAL | MSG_DONTWAIT);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(300));
    }
  });
  int answered = 0;
  for (int poll_no = 0; poll_no < 15; ++poll_no) {
    auto a = httpGet(port, "/healthz", 1000);
    answered += a.status == 200 && a.body == "ok\n" ? 1 : 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  CHECK(answered == 15);

  // The request head has one deadline (5 s), however the bytes trickle: the server closes them.
  int closed = 0;
  for (int fd : slow) {
    pollfd p{fd, POLLIN, 0};
    char buf[256];
    if (poll(&p, 1, 9000) > 0 && recv(fd, buf, sizeof(buf), 0) <= 0) {
      ++closed;
    }
  }
  stop = true;
  trickle.join();
  for (int fd : slow) {
    close(fd);
  }
  CHECK(closed == 64);
  CHECK(metricValue(port, "trustctl_agent_http_header_timeouts_total") >= 64);
  CHECK(httpGet(port, "/healthz").status == 200);
}

TEST_CASE("agent: a malformed listen address stops the start with exit 2 and says why", "[agent]") {
  TempDir dir;
  for (const char* listen : {"127.0.0.1:19x", ":9464", "::1:9464", "127.0.0.1"}) {
    INFO(listen);
    std::string cfg = dir.write("trustctl.toml", agentConfig(listen));
    auto r = runTrustctl({"--store", dir.file("store"), "agent", "--config", cfg});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("[agent] listen = \"" + std::string(listen) + "\""));
    CHECK_THAT(r.err, !Catch::Contains("agent started"));
  }
}

TEST_CASE("agent: a listen address it cannot bind stops the start with exit 2 and the reason",
          "[net][agent]") {
  TempDir dir;
  SECTION("the port is in use") {
    int busy = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(bind(busy, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0);
    REQUIRE(listen(busy, 1) == 0);
    socklen_t len = sizeof(a);
    getsockname(busy, reinterpret_cast<sockaddr*>(&a), &len);
    std::string listen = "127.0.0.1:" + std::to_string(ntohs(a.sin_port));
    std::string cfg = dir.write("trustctl.toml", agentConfig(listen));
    auto r = runTrustctl({"--store", dir.file("store"), "agent", "--config", cfg});
    close(busy);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("cannot listen (Address already in use)"));
    CHECK_THAT(r.err, !Catch::Contains("agent started"));
  }
  SECTION("the address is not one of this host's") {
    std::string cfg = dir.write("trustctl.toml", agentConfig("192.0.2.1:9464"));  // TEST-NET-1
    auto r = runTrustctl({"--store", dir.file("store"), "agent", "--config", cfg});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("cannot listen (Cannot assign requested address)"));
  }
}

TEST_CASE("agent: /healthz answers 503 with the reason while the probe cycle is stalled",
          "[net][agent]") {
  TempDir dir;
  RawServer silent(RawBehaviour::Silent);  // accepts, never answers the TLS hello
  int port = freeLoopbackPort();
  std::string cfg =
      dir.write("trustctl.toml",
                agentConfig("127.0.0.1:" + std::to_string(port),
                            "probe_timeout_seconds = 14\ndefault_probe_interval_seconds = 1\n"
                            "[connectors.api]\ntargets = [\"https://127.0.0.1:" +
                                std::to_string(silent.port()) + "/\"]\n"));
  ServerProcess agent({trustctlPath(), "--store", dir.file("store"), "agent", "--config", cfg},
                      dir.file("agent.log"));
  REQUIRE(eventually([&] { return httpGet(port, "/healthz").status != 0; }));
  // The first probe blocks for 14 s; two intervals (at least 10 s) pass without a cycle.
  HttpAnswer stalled;
  CHECK(eventually(
      [&] {
        stalled = httpGet(port, "/healthz");
        return stalled.status == 503;
      },
      20));
  CHECK_THAT(stalled.body, Catch::StartsWith("unhealthy: no probe cycle finished since start"));
  CHECK(metricValue(port, "trustctl_agent_healthy") == 0);
  // When the probe times out the cycle finishes: healthy again.
  CHECK(eventually([&] { return httpGet(port, "/healthz").status == 200; }, 20));
}

TEST_CASE("agent: out of descriptors it says so and diagnoses no target connection_refused",
          "[net][agent]") {
  TempDir dir;
  int port = freeLoopbackPort();
  std::string cfg =
      dir.write("trustctl.toml", agentConfig("127.0.0.1:" + std::to_string(port),
                                             "[connectors.api]\ntargets = [\"https://127.0.0.1:" +
                                                 std::to_string(closedLoopbackPort()) +
                                                 "/\"]\nprobe_interval_seconds = 1\n"));
  // 20 descriptors: the agent's own few leave less than a probe batch needs.
  ServerProcess agent({"/bin/sh", "-c", "ulimit -n 20 && exec \"$0\" \"$@\"", trustctlPath(),
                       "--store", dir.file("store"), "agent", "--config", cfg},
                      dir.file("agent.log"));
  REQUIRE(eventually(
      [&] { return fileContains(dir.file("agent.log"), "too many open files (limit 20)"); }));
  CHECK(eventually(
      [&] { return metricValue(port, "trustctl_agent_descriptor_exhaustion_total") >= 1; }));
  CHECK_THAT(httpGet(port, "/metrics").body, !Catch::Contains("connection_refused"));
}
