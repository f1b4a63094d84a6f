// The agent under systemd, without systemd: a unix datagram socket in the test stands in for
// $NOTIFY_SOCKET (READY after the first apply, RELOADING/READY around SIGHUP, WATCHDOG pings,
// STOPPING), and a file standing in for the journal stream gets lines with syslog priorities.
#include <signal.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <cstddef>
#include <cstring>

#include <catch2/catch.hpp>

#include "tests/agent/agent_fixture.h"
#include "tests/support/servers.h"
#include "truststore/store.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

// The receiving end of $NOTIFY_SOCKET.
class NotifySocket {
 public:
  explicit NotifySocket(const std::string& name) : name_(name) {
    fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un a{};
    a.sun_family = AF_UNIX;
    std::memcpy(a.sun_path, name.data(), name.size());
    if (name[0] == '@') {
      a.sun_path[0] = '\0';
    }
    socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + name.size() +
                                           (name[0] == '@' ? 0 : 1));
    ok_ = ::bind(fd_, reinterpret_cast<sockaddr*>(&a), len) == 0;
  }
  ~NotifySocket() { close(fd_); }
  bool ok() const { return ok_; }
  // The next datagram within `ms`, "" when none came.
  std::string next(int ms) {
    pollfd p{fd_, POLLIN, 0};
    if (poll(&p, 1, ms) <= 0) {
      return "";
    }
    char buf[4096];
    ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
  }
  // Receives until a datagram contains `what` (true) or `seconds` pass; all seen in `seen`.
  bool waitFor(const std::string& what, double seconds, std::vector<std::string>* seen) {
    auto end = std::chrono::steady_clock::now() +
               std::chrono::milliseconds(static_cast<long>(seconds * 1000));
    while (std::chrono::steady_clock::now() < end) {
      std::string m = next(100);
      if (!m.empty()) {
        seen->push_back(m);
        if (m.find(what) != std::string::npos) {
          return true;
        }
      }
    }
    return false;
  }

 private:
  std::string name_;
  int fd_ = -1;
  bool ok_ = false;
};

}  // namespace

TEST_CASE(
    "agent: systemd notify: READY after the first apply, RELOADING/READY on SIGHUP, "
    "WATCHDOG, STOPPING",
    "[net][agent]") {
  TempDir dir;
  std::string name;
  SECTION("a socket path") {
    name = dir.file("notify.sock");
  }
  SECTION("an abstract socket") {
    name = "@trustctl-test-" + std::to_string(getpid()) + "-" + std::to_string(freeLoopbackPort());
  }
  NotifySocket notify(name);
  REQUIRE(notify.ok());
  int port = freeLoopbackPort();
  std::string cfg =
      dir.write("trustctl.toml", "[agent]\nlisten = \"127.0.0.1:" + std::to_string(port) +
                                     "\"\n[connectors.api]\ntargets = []\n");
  ServerProcess agent({"/usr/bin/env", "NOTIFY_SOCKET=" + name, "WATCHDOG_USEC=600000",
                       trustctlPath(), "--store", dir.file("store"), "agent", "--config", cfg},
                      dir.file("agent.log"));
  std::vector<std::string> seen;
  REQUIRE(notify.waitFor("READY=1", 15, &seen));
  // At READY the first apply is in the store and the listener answers.
  auto loaded = truststore::Store(dir.file("store")).load();
  REQUIRE(loaded);
  CHECK(loaded->state.connectors.count("api") == 1);
  CHECK(httpGet(port, "/healthz").status == 200);
  CHECK_THAT(seen.back(), Catch::Contains("STATUS=running"));

  // Pings every WATCHDOG_USEC/2 (300 ms): several within 3 s.
  int pings = 0;
  for (int i = 0; i < 30 && pings < 3; ++i) {
    pings += notify.next(100).find("WATCHDOG=1") != std::string::npos ? 1 : 0;
  }
  CHECK(pings >= 3);

  kill(agent.pid(), SIGHUP);
  seen.clear();
  REQUIRE(notify.waitFor("RELOADING=1", 10, &seen));
  CHECK_THAT(seen.back(), Catch::Contains("MONOTONIC_USEC="));
  CHECK(notify.waitFor("READY=1", 10, &seen));

  kill(agent.pid(), SIGTERM);
  CHECK(notify.waitFor("STOPPING=1", 5, &seen));
  CHECK(eventually([&] { return !agent.running(); }, 4));
}

TEST_CASE("agent: on the journal stream each line carries its syslog priority, no timestamp",
          "[agent]") {
  TempDir dir;
  std::string cfg = dir.write("trustctl.toml", "[connectors.api]\ntrust = [\"ghost\"]\n");
  std::string log = dir.write("journal.log", "");
  struct stat st {};
  REQUIRE(stat(log.c_str(), &st) == 0);
  std::string stream = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
  // stderr is the file JOURNAL_STREAM names, as systemd's StandardError=journal arranges.
  auto r = runProgram("/bin/sh",
                      {"-c", "exec \"$0\" \"$@\" 2>>" + log, trustctlPath(), "--store",
                       dir.file("store"), "agent", "--config", cfg},
                      {{{"JOURNAL_STREAM", stream}}, "", -1});
  CHECK(r.exit_code == 2);  // the config is refused: the unit's RestartPreventExitStatus=2
  auto text = truststore::readWholeFile(log);
  REQUIRE(text);
  CHECK_THAT(*text, Catch::StartsWith("<3>"));
  CHECK_THAT(*text, Catch::Contains("\n<3>config " + cfg + " rejected; not starting\n"));
  CHECK_THAT(*text, !Catch::Contains(" error "));  // no level word, no own timestamp

  SECTION("a JOURNAL_STREAM that is not stderr is ignored (a child of a journald service)") {
    auto other = runTrustctl({"--store", dir.file("store"), "agent", "--config", cfg},
                             {{{"JOURNAL_STREAM", stream}}, "", -1});
    CHECK(other.exit_code == 2);
    CHECK_THAT(other.err, !Catch::StartsWith("<"));
    CHECK_THAT(other.err, Catch::Contains(" error config " + cfg + " rejected"));
  }
}

TEST_CASE("agent: control characters in what it logs are escaped, on a terminal and the journal",
          "[agent]") {
  TempDir dir;
  // A name the agent logs verbatim: its config file's path, here with ESC and a newline.
  std::string cfg =
      dir.write("evil\x1b[31m\nforged.toml", "[connectors.api]\ntrust = [\"ghost\"]\n");
  for (bool journal : {false, true}) {
    std::string log = dir.write(journal ? "journal.log" : "stderr.log", "");
    struct stat st {};
    REQUIRE(stat(log.c_str(), &st) == 0);
    RunOptions opts;
    if (journal) {
      opts.env["JOURNAL_STREAM"] = std::to_string(st.st_dev) + ":" + std::to_string(st.st_ino);
    }
    auto r = runProgram("/bin/sh",
                        {"-c", "exec \"$0\" \"$@\" 2>>" + log, trustctlPath(), "--store",
                         dir.file("store"), "agent", "--config", cfg},
                        opts);
    CHECK(r.exit_code == 2);
    auto text = truststore::readWholeFile(log);
    REQUIRE(text);
    INFO(*text);
    CHECK(text->find('\x1b') == std::string::npos);
    CHECK(text->find("forged.toml rejected") != std::string::npos);
    CHECK(text->find("\nforged.toml") == std::string::npos);
  }
}
