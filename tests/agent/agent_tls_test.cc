// The agent's own endpoint over HTTPS with a certificate from the built-in CA, through the
// real CLI and a real agent process: curl trusting only the CA's root reads /metrics, curl
// without it is refused, plain HTTP and silent clients get nothing (the silent ones are closed
// at the request-head deadline), TLS 1.1 is refused, a re-issued certificate reaches new
// connections without a restart, and Debian's Prometheus scrapes it with tls_config.
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <thread>
#include <vector>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/agent/agent_fixture.h"
#include "tests/support/bounded_run.h"
#include "tests/support/servers.h"
#include "truststore/ossl.h"
#include "truststore/store.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

using Clock = std::chrono::steady_clock;

// A store with a built-in CA and the server certificate "agent" it issued for 127.0.0.1.
struct TlsAgent {
  TempDir dir;
  std::string store = dir.file("store");
  std::string pass = dir.write("ca.pass", "a passphrase for the test CA only\n");
  std::string root_pem;
  std::string leaf_sha256;
  int port = freeLoopbackPort();
  std::unique_ptr<ServerProcess> agent;

  TlsAgent() {
    ::chmod(pass.c_str(), 0600);
    ok({"ca", "create", "corp", "--passphrase-file", pass});
    leaf_sha256 = issue();
    truststore::Store s(store);
    auto snapshot = s.load();
    REQUIRE(snapshot);
    root_pem = dir.write(
        "root.pem", s.loadCertificate(snapshot->state.entries.at("corp-root").certificates.front())
                        .value()
                        ->pem());
  }
  RunResult ok(std::vector<std::string> args) const {
    args.insert(args.begin(), {"--store", store});
    RunResult r = runTrustctl(args);
    INFO(r.err << r.out);
    REQUIRE(r.exit_code == 0);
    return r;
  }
  // Issues the server certificate "agent"; returns its leaf's SHA-256.
  std::string issue() const {
    auto out =
        ok({"--json", "ca", "issue", "corp", "--profile", "tls-server", "--domain", "localhost",
            "--ip", "127.0.0.1", "--name", "agent", "--server-cert", "--passphrase-file", pass})
            .out;
    return nlohmann::json::parse(out)["sha256"];
  }
  std::string config(const std::string& extra = "") const {
    return dir.write("trustctl.toml",
                     "[agent]\nlisten = \"127.0.0.1:" + std::to_string(port) + "\"\n" + extra);
  }
  void start(const std::string& extra = "tls_server_cert = \"agent\"\n") {
    agent = std::make_unique<ServerProcess>(
        std::vector<std::string>{trustctlPath(), "--store", store, "agent", "--config",
                                 config(extra)},
        dir.file("agent.log"));
    waitUntilListening(*agent, port, "trustctl agent");
  }
  RunResult curl(const std::vector<std::string>& args) const {
    std::vector<std::string> all = {"-sS", "--max-time", "10"};
    all.insert(all.end(), args.begin(), args.end());
    return runProgram("/usr/bin/curl", all);
  }
  std::string url(const std::string& path = "/metrics") const {
    return "https://127.0.0.1:" + std::to_string(port) + path;
  }
};

// What a TLS client connecting to 127.0.0.1:port is shown: the leaf's SHA-256, or "" when the
// handshake fails. No verification (the test compares fingerprints); every step bounded.
std::string presentedLeaf(int port, int max_version = 0) {
  int fd = connectLoopback(port);
  if (fd < 0) {
    return "";
  }
  timeval tv{3, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
  ossl::SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  if (max_version != 0) {
    SSL_CTX_set_security_level(ctx.get(), 0);  // let this client offer an old version at all
    SSL_CTX_set_min_proto_version(ctx.get(), 0);
    SSL_CTX_set_max_proto_version(ctx.get(), max_version);
  }
  ossl::SslPtr ssl(SSL_new(ctx.get()));
  SSL_set_fd(ssl.get(), fd);
  std::string sha;
  if (SSL_connect(ssl.get()) == 1) {
    ossl::X509Ptr leaf(SSL_get1_peer_certificate(ssl.get()));
    unsigned char* der = nullptr;
    int n = leaf ? i2d_X509(leaf.get(), &der) : 0;
    ossl::OpensslBytesPtr owner(der);
    sha = n > 0 ? ossl::sha256HexOf(der, static_cast<size_t>(n)) : "";
  }
  ossl::clearErrors();
  ssl.reset();
  close(fd);
  return sha;
}

}  // namespace

TEST_CASE("agent TLS: curl trusting only the built-in CA's root reads /metrics over HTTPS",
          "[agent][tls][net]") {
  TlsAgent f;
  f.start();
  auto good = f.curl({"--cacert", f.root_pem, "--capath", "/dev/null", f.url()});
  INFO(good.err << f.agent->logTail());
  CHECK(good.exit_code == 0);
  CHECK_THAT(good.out, Catch::Contains("trustctl_agent_"));
  CHECK(presentedLeaf(f.port) == f.leaf_sha256);
  auto health = f.curl({"--cacert", f.root_pem, "--capath", "/dev/null", f.url("/healthz")});
  CHECK(health.exit_code == 0);

  SECTION("without the root curl refuses the certificate") {
    auto r = f.curl({f.url()});
    CHECK(r.exit_code == 60);  // CURLE_PEER_FAILED_VERIFICATION
    CHECK_THAT(r.err, Catch::Contains("local issuer certificate"));
  }
  SECTION("plain HTTP on the TLS port is closed at once, without metrics") {
    auto started = Clock::now();
    HttpAnswer plain = httpGet(f.port, "/metrics", 4000);
    CHECK(plain.status == 0);
    CHECK(plain.body.find("trustctl_") == std::string::npos);
    CHECK(Clock::now() - started < std::chrono::milliseconds(2000));
    auto r = f.curl({"http://127.0.0.1:" + std::to_string(f.port) + "/metrics"});
    CHECK(r.exit_code != 0);
    CHECK(r.out.find("trustctl_") == std::string::npos);
  }
  SECTION("a client offering at most TLS 1.1 gets no session") {
    CHECK(presentedLeaf(f.port, TLS1_1_VERSION).empty());
    CHECK(presentedLeaf(f.port, TLS1_2_VERSION) == f.leaf_sha256);
  }
}

// Clients that connect and never start the handshake hold their descriptors only until the
// request-head deadline (5 s by default), like a slowloris on plain HTTP, and while they are
// held /healthz still answers.
TEST_CASE("agent TLS: clients that never handshake are closed at the deadline",
          "[agent][tls][net]") {
  TlsAgent f;
  f.start();
  std::vector<int> silent;
  for (int i = 0; i < 64; ++i) {
    int fd = connectLoopback(f.port);
    REQUIRE(fd >= 0);
    silent.push_back(fd);
  }
  auto started = Clock::now();
  auto healthz = f.curl({"--cacert", f.root_pem, "--capath", "/dev/null", f.url("/healthz")});
  CHECK(healthz.exit_code == 0);
  CHECK(Clock::now() - started < std::chrono::milliseconds(3000));
  size_t closed = 0;
  std::vector<bool> seen(silent.size(), false);
  while (closed < silent.size() && Clock::now() - started < std::chrono::seconds(12)) {
    for (size_t i = 0; i < silent.size(); ++i) {
      pollfd p{silent[i], POLLIN, 0};
      if (!seen[i] && poll(&p, 1, 0) > 0) {
        char c;
        seen[i] = read(silent[i], &c, 1) <= 0;  // EOF or reset: the agent gave up on it
        closed += seen[i] ? 1 : 0;
      }
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto waited = Clock::now() - started;
  for (int fd : silent) {
    close(fd);
  }
  CHECK(closed == silent.size());
  CHECK(waited >= std::chrono::milliseconds(4000));
  CHECK(waited < std::chrono::milliseconds(9000));
  auto r = f.curl({"--cacert", f.root_pem, "--capath", "/dev/null", f.url("/healthz")});
  CHECK(r.exit_code == 0);
}

TEST_CASE("agent TLS: a re-issued server certificate reaches new connections without a restart",
          "[agent][tls][net]") {
  TlsAgent f;
  f.start();
  REQUIRE(presentedLeaf(f.port) == f.leaf_sha256);
  int pid = f.agent->pid();
  // Re-issuing under the same name: removed, then issued again (two generations; the one in
  // between has no files for it, and the agent keeps serving the old leaf meanwhile).
  f.ok({"server-cert", "remove", "agent"});
  std::string renewed = f.issue();
  REQUIRE(renewed != f.leaf_sha256);
  std::string seen;
  bool switched = eventually(
      [&] {
        seen = presentedLeaf(f.port);
        return seen == renewed;
      },
      15);
  INFO(f.agent->logTail());
  CHECK(switched);
  CHECK(f.agent->pid() == pid);
  CHECK(f.agent->running());
  auto r = f.curl({"--cacert", f.root_pem, "--capath", "/dev/null", f.url()});
  CHECK(r.exit_code == 0);
  CHECK_THAT(f.agent->logTail(), Catch::Contains("new connections get sha256 " + renewed));
}

TEST_CASE("agent TLS: a missing or misnamed server certificate stops the start with one line",
          "[agent][tls]") {
  TlsAgent f;
  SECTION("--tls-server-cert names none of the store") {
    auto run = runTrustctlBounded(
        {"--store", f.store, "agent", "--config", f.config(), "--tls-server-cert", "nosuch"}, 20);
    CHECK_FALSE(run.killed_at_limit);
    CHECK(run.result.exit_code == 2);
    CHECK_THAT(run.result.err, Catch::Contains("'nosuch'"));
    CHECK_THAT(run.result.err, Catch::Contains("trustctl server-cert list"));
  }
  SECTION("[agent] tls_server_cert is not a valid name") {
    auto run = runTrustctlBounded(
        {"--store", f.store, "agent", "--config", f.config("tls_server_cert = \"Not A Name\"\n")},
        20);
    CHECK_FALSE(run.killed_at_limit);
    CHECK(run.result.exit_code == 2);
    CHECK_THAT(run.result.err, Catch::Contains("trustctl.toml:3:"));
    CHECK_THAT(run.result.err, Catch::Contains("tls_server_cert"));
  }
}

TEST_CASE("agent TLS: Prometheus scrapes the HTTPS endpoint with tls_config ca_file",
          "[agent][tls][net]") {
  if (access("/usr/bin/prometheus", X_OK) != 0) {
    WARN("prometheus not installed (Debian package prometheus): skipped");
    return;
  }
  TlsAgent f;
  f.start();
  int prom_port = freeLoopbackPort();
  f.dir.write("prometheus.yml",
              "global:\n  scrape_interval: 1s\n"
              "scrape_configs:\n  - job_name: trustctl\n    scheme: https\n"
              "    tls_config:\n      ca_file: " +
                  f.root_pem + "\n    static_configs:\n      - targets: ['127.0.0.1:" +
                  std::to_string(f.port) + "']\n");
  ServerProcess prometheus({"/usr/bin/prometheus", "--config.file=" + f.dir.file("prometheus.yml"),
                            "--storage.tsdb.path=" + f.dir.file("tsdb"),
                            "--web.listen-address=127.0.0.1:" + std::to_string(prom_port)},
                           f.dir.file("prometheus.log"));
  std::string targets;
  bool up = eventually(
      [&] {
        targets = httpGet(prom_port, "/api/v1/targets").body;
        auto json = nlohmann::json::parse(targets, nullptr, false);
        if (!json.is_object() || !json.contains("data")) {
          return false;
        }
        for (const auto& t : json["data"]["activeTargets"]) {
          if (t["health"] == "up" && t["scrapeUrl"] == f.url()) {
            return true;
          }
        }
        return false;
      },
      60);
  INFO(targets);
  INFO(prometheus.logTail());
  CHECK(up);
}
