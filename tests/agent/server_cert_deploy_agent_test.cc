// The agent proves where server certificates are deployed in its cycle: a real agent, one
// server certificate served by real nginx and also named at a closed port; /metrics carries
// the deployed, reachable and expiry series (promtool-clean where installed), the status file
// and `trustctl status` the Deployed column, and deployments.json the record `list` reads.
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/agent/agent_fixture.h"
#include "tests/support/servers.h"

using namespace trustctl;
using namespace trustctl::testing;

TEST_CASE("agent: server certificate deployment metrics from a real nginx",
          "[server-cert][deploy][net][agent]") {
  TempDir dir;
  TestPki pki{wallClockNow()};
  CertOptions o;
  o.sans = {"DNS:www.agent.test"};
  auto chain = pki.makeChain("Agent", o);
  dir.write("fullchain.pem", toPem({chain.leaf.cert, chain.intermediate.cert}));
  dir.write("key.pem", keyPem(chain.leaf.key));
  dir.write("root.pem", toPem({chain.root.cert}));
  TlsServerOptions served;
  served.chain = {chain.leaf.cert, chain.intermediate.cert};
  served.key = chain.leaf.key;
  auto nginx = startNginx(served);
  int closed = closedLoopbackPort();
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--store", dir.file("store")});
    return runTrustctl(args);
  };
  REQUIRE(run({"import", dir.file("root.pem"), "--name", "agent-root"}).exit_code == 0);
  auto add = run({"server-cert", "add", "web", "--domain", "www.agent.test", "--cert",
                  dir.file("fullchain.pem"), "--key", dir.file("key.pem"), "--served-at",
                  "https://127.0.0.1:" + std::to_string(nginx->port), "--served-at",
                  "https://127.0.0.1:" + std::to_string(closed)});
  INFO(add.err);
  REQUIRE(add.exit_code == 0);
  CHECK_THAT(run({"server-cert", "list"}).out, Catch::Contains("not checked"));

  int http_port = freeLoopbackPort();
  std::string cfg =
      dir.write("trustctl.toml", "[agent]\nlisten = \"127.0.0.1:" + std::to_string(http_port) +
                                     "\"\nprobe_timeout_seconds = 2\n");
  ServerProcess agent({trustctlPath(), "--store", dir.file("store"), "agent", "--config", cfg},
                      dir.file("agent.log"));
  std::string ok_url = "https://127.0.0.1:" + std::to_string(nginx->port) + "/";
  std::string closed_url = "https://127.0.0.1:" + std::to_string(closed) + "/";
  std::string deployed =
      "trustctl_server_cert_deployed{server_cert=\"web\",domain=\"www.agent.test\",url=\"";
  INFO(truststore::readWholeFile(dir.file("agent.log")).value_or(""));
  REQUIRE(eventually([&] { return metricValue(http_port, deployed + ok_url + "\"}") == 1; }, 30));
  CHECK(metricValue(http_port, deployed + closed_url + "\"}") == 0);
  CHECK(
      metricValue(http_port, "trustctl_server_cert_listener_reachable{server_cert=\"web\",url=\"" +
                                 closed_url + "\"}") == 0);
  CHECK(
      metricValue(http_port, "trustctl_server_cert_listener_reachable{server_cert=\"web\",url=\"" +
                                 ok_url + "\"}") == 1);
  CHECK(metricValue(http_port,
                    "trustctl_server_cert_expiry_timestamp_seconds{server_cert=\"web\"}") ==
        static_cast<double>(chain.leaf.cert->info().not_after));
  CHECK(metricValue(http_port,
                    "trustctl_server_cert_last_check_timestamp_seconds{server_cert=\"web\"}") > 0);

  if (access("/usr/bin/promtool", X_OK) == 0) {
    RunOptions in;
    in.stdin_data = httpGet(http_port, "/metrics").body;
    auto lint = runProgram("/usr/bin/promtool", {"check", "metrics"}, in);
    INFO(lint.out << lint.err);
    CHECK(lint.exit_code == 0);
  }
  // The status file and `list` carry the agent's record.
  REQUIRE(eventually(
      [&] { return fileContains(dir.file("store/agent-status.json"), "\"server_certs\""); }));
  auto status = run({"status"});
  CHECK(status.exit_code == 1);  // one listener is unreachable
  CHECK_THAT(status.out, Catch::Contains("server certificates") && Catch::Contains(ok_url) &&
                             Catch::Contains("unreachable"));
  auto list = run({"server-cert", "list"});
  CHECK_THAT(list.out,
             Catch::Contains(ok_url + " yes") && Catch::Contains(closed_url + " unreachable"));
}
