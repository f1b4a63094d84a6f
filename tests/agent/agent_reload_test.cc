// The agent and the rest of trustctl sharing one store: a reload that cannot finish does not
// stop probing (and is exported), and a `trustctl apply` run by hand while the agent runs
// fires on_change once, not once per process.
#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>

#include <catch2/catch.hpp>

#include "tests/agent/agent_fixture.h"
#include "tests/support/servers.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

std::string config(const TempDir& dir, int http_port, int target_port, const std::string& trust) {
  return "[agent]\nlisten = \"127.0.0.1:" + std::to_string(http_port) +
         "\"\n[entries.old-root]\nfile = \"old-root.pem\"\n"
         "[entries.new-root]\nfile = \"new-root.pem\"\n"
         "[connectors.api]\ntargets = [\"https://127.0.0.1:" +
         std::to_string(target_port) + "/\"]\ntrust = [" + trust +
         "]\nprobe_interval_seconds = 1\non_change = \"echo $TRUSTCTL_CONNECTOR >> " +
         dir.file("reloads.log") + "\"\n";
}

struct Fixture {
  TempDir dir;
  TestPki pki{wallClockNow()};
  TestPki::Chain old_chain = pki.makeChain("Old");
  TestPki::Chain new_chain = pki.makeChain("New");
  std::unique_ptr<TestServer> server;
  int http_port = freeLoopbackPort();
  std::string cfg;

  Fixture() {
    dir.write("old-root.pem", toPem({old_chain.root.cert}));
    dir.write("new-root.pem", toPem({new_chain.root.cert}));
    TlsServerOptions o;
    o.chain = {old_chain.leaf.cert, old_chain.intermediate.cert};
    o.key = old_chain.leaf.key;
    server = startSServer(o);
    cfg = dir.write("trustctl.toml", config(dir, http_port, server->port, "\"old-root\""));
  }
  std::string upOk() const {
    return "trustctl_target_up{connector=\"api\",target=\"https://127.0.0.1:" +
           std::to_string(server->port) + "/\"} 1";
  }
};

}  // namespace

TEST_CASE("agent: a manual trustctl apply while the agent runs fires on_change exactly once",
          "[net][agent]") {
  Fixture f;
  ServerProcess agent({trustctlPath(), "--store", f.dir.file("store"), "agent", "--config", f.cfg},
                      f.dir.file("agent.log"));
  REQUIRE(eventually(
      [&] { return httpGet(f.http_port, "/metrics").body.find(f.upOk()) != std::string::npos; }));
  REQUIRE(fileLines(f.dir.file("reloads.log")) == 1);  // the agent's first apply

  // The operator adds the new root and applies the file by hand; the agent notices too.
  f.dir.write("trustctl.toml",
              config(f.dir, f.http_port, f.server->port, "\"old-root\", \"new-root\""));
  auto applied = runTrustctl({"--store", f.dir.file("store"), "apply", f.cfg});
  CHECK(applied.exit_code == 0);
  CHECK(eventually([&] { return fileLines(f.dir.file("reloads.log")) >= 2; }));
  // Several agent cycles (at least every 5 s, here every second) pass: no second run.
  std::this_thread::sleep_for(std::chrono::milliseconds(6000));
  CHECK(fileLines(f.dir.file("reloads.log")) == 2);
  // And an apply with nothing new fires nothing.
  auto again = runTrustctl({"--store", f.dir.file("store"), "apply", f.cfg});
  CHECK(again.exit_code == 0);
  CHECK_THAT(again.out, !Catch::Contains("on_change"));
  CHECK(fileLines(f.dir.file("reloads.log")) == 2);
}

TEST_CASE("agent: a reload stuck on the store lock does not stop probe cycles; it is exported",
          "[net][agent]") {
  Fixture f;
  ServerProcess agent({trustctlPath(), "--store", f.dir.file("store"), "--lock-timeout", "5",
                       "agent", "--config", f.cfg},
                      f.dir.file("agent.log"));
  REQUIRE(eventually(
      [&] { return httpGet(f.http_port, "/metrics").body.find(f.upOk()) != std::string::npos; }));
  CHECK(metricValue(f.http_port, "trustctl_config_last_reload_success") == 1);

  // Another writer holds the store lock: the reload waits for it, up to --lock-timeout.
  int lock = open(f.dir.file("store/.lock").c_str(), O_RDWR | O_CLOEXEC);
  REQUIRE(lock >= 0);
  REQUIRE(flock(lock, LOCK_EX) == 0);
  f.dir.write("trustctl.toml",
              config(f.dir, f.http_port, f.server->port, "\"old-root\", \"new-root\""));
  kill(agent.pid(), SIGHUP);
  REQUIRE(eventually([&] { return fileContains(f.dir.file("agent.log"), "SIGHUP: reloading"); }));
  double before = metricValue(f.http_port, "trustctl_agent_probe_cycles_total");
  std::this_thread::sleep_for(std::chrono::milliseconds(3000));
  double during = metricValue(f.http_port, "trustctl_agent_probe_cycles_total");
  CHECK(during - before >= 2);  // probing went on with the old config meanwhile
  CHECK(httpGet(f.http_port, "/healthz").status == 200);

  CHECK(eventually(
      [&] { return metricValue(f.http_port, "trustctl_config_last_reload_success") == 0; }, 10));
  CHECK(metricValue(f.http_port, "trustctl_agent_config_reloads_total{result=\"rejected\"}") == 1);
  CHECK(fileContains(f.dir.file("agent.log"), "keeping the running state"));
  flock(lock, LOCK_UN);
  close(lock);
  CHECK(agent.running());
  CHECK(httpGet(f.http_port, "/metrics").body.find(f.upOk()) != std::string::npos);
}
