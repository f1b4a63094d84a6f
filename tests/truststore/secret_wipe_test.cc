// Secrets held in memory must not reach a core file or another process of the same user:
// protectProcessSecrets() makes the process non-dumpable with a core limit of 0, and trustctl
// calls it before it reads a password or a private key. Checked twice: the function itself
// in a forked child, and the real binary while it waits for a key on standard input, through
// what the kernel shows (a non-dumpable process's /proc/PID/status is owned by root).
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <string>
#include <thread>

#include <catch2/catch.hpp>

#include "tests/support/cli_runner.h"
#include "tests/support/test_pki.h"
#include "truststore/secret_wipe.h"

using namespace trustctl::testing;

namespace {

constexpr uid_t kNobody = 65534;

uid_t realUidOf(pid_t pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("Uid:", 0) == 0) {
      return static_cast<uid_t>(std::stoul(line.substr(4)));
    }
  }
  return static_cast<uid_t>(-1);
}

std::string exeOf(pid_t pid) {
  char buf[4096];
  ssize_t n = ::readlink(("/proc/" + std::to_string(pid) + "/exe").c_str(), buf, sizeof buf);
  return n > 0 ? std::string(buf, static_cast<size_t>(n)) : "";
}

uid_t procOwnerOf(pid_t pid) {
  struct stat st {};
  return ::stat(("/proc/" + std::to_string(pid) + "/status").c_str(), &st) == 0
             ? st.st_uid
             : static_cast<uid_t>(-1);
}

}  // namespace

TEST_CASE("SecretWipe: protectProcessSecrets makes the process non-dumpable, core limit 0",
          "[truststore]") {
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    bool ok = trustctl::truststore::protectProcessSecrets();
    rlimit core{};
    ::getrlimit(RLIMIT_CORE, &core);
    bool protected_now =
        ::prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) == 0 && core.rlim_cur == 0 && core.rlim_max == 0;
    ::_exit(ok && protected_now ? 0 : 1);
  }
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  CHECK(WIFEXITED(status));
  CHECK(WEXITSTATUS(status) == 0);
}

TEST_CASE("SecretWipe: trustctl import is non-dumpable before it reads the key material",
          "[agent]") {
  // As root the child drops to nobody, so that "owned by root" can only mean non-dumpable.
  bool drop = ::geteuid() == 0;
  uid_t expected_uid = drop ? kNobody : ::getuid();
  TempDir dir;
  int in_pipe[2];
  REQUIRE(::pipe(in_pipe) == 0);
  char real[PATH_MAX];
  REQUIRE(::realpath(trustctlPath().c_str(), real) != nullptr);
  std::string binary = real;
  std::string store = dir.file("store");
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::dup2(in_pipe[0], STDIN_FILENO);
    ::close(in_pipe[0]);
    ::close(in_pipe[1]);
    int null_fd = ::open("/dev/null", O_WRONLY);
    ::dup2(null_fd, STDOUT_FILENO);
    ::dup2(null_fd, STDERR_FILENO);
    if (drop &&
        (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0)) {
      ::_exit(126);
    }
    ::execl(binary.c_str(), binary.c_str(), "--store", store.c_str(), "import", "-", "--name",
            "waiting", static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(in_pipe[0]);
  // Bounded: trustctl blocks reading standard input (the test holds the pipe open), so it is
  // either protected by now or never will be.
  bool started = false;
  bool non_dumpable = false;
  for (int i = 0; i < 500 && !non_dumpable; ++i) {
    started = started || (realUidOf(pid) == expected_uid && exeOf(pid) == binary);
    non_dumpable = started && procOwnerOf(pid) == 0 && expected_uid != 0;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  ::kill(pid, SIGKILL);
  ::close(in_pipe[1]);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CHECK(started);
  CHECK(non_dumpable);
}
