// Child-process plumbing of test_servers.h: start, readiness, stop, ports and runProgram. The
// servers themselves are in test_servers_openssl.cc, test_servers_slapd.cc and
// test_servers_raw.cc.
#include "tests/support/test_servers.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace trustctl::testing::inline harness {

namespace {

using Clock = std::chrono::steady_clock;

// Generous for a loaded CI machine; nginx and slapd are normally ready within 0.3 s.
constexpr auto kReadyTimeout = std::chrono::seconds(10);
constexpr auto kStopTimeout = std::chrono::seconds(3);
constexpr auto kPollInterval = std::chrono::milliseconds(20);
constexpr int kStartAttempts = 3;
constexpr size_t kLogTailBytes = 3000;

[[noreturn]] void fail(const std::string& what) {
  throw std::runtime_error("test servers: " + what);
}

std::string readFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string tail(const std::string& text) {
  return text.size() <= kLogTailBytes ? text : "..." + text.substr(text.size() - kLogTailBytes);
}

// Test processes often run with a reduced PATH; nginx, slapd and slapadd live in /usr/sbin.
std::string findProgram(const std::string& name) {
  if (name.find('/') != std::string::npos) {
    return name;
  }
  const char* env_path = std::getenv("PATH");
  std::string dirs = std::string(env_path != nullptr ? env_path : "") + ":/usr/sbin:/sbin";
  std::stringstream ss(dirs);
  for (std::string dir; std::getline(ss, dir, ':');) {
    std::string candidate = (dir.empty() ? "." : dir) + "/" + name;
    if (access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  fail("program not found: " + name + " (is its Debian package installed?)");
}

std::vector<std::string> environmentWith(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> env;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string entry = *e;
    if (extra.count(entry.substr(0, entry.find('='))) == 0) {
      env.push_back(entry);
    }
  }
  for (const auto& [key, value] : extra) {
    env.push_back(key + "=" + value);
  }
  return env;
}

std::vector<char*> cStrings(std::vector<std::string>& strings) {
  std::vector<char*> pointers;
  for (auto& s : strings) {
    pointers.push_back(s.data());
  }
  pointers.push_back(nullptr);
  return pointers;
}

// Forks and execs `argv` with stdout and stderr on `out_fd`. The child leads its own process
// group so that stopChild can reach helpers it forks (nginx workers). Everything is prepared
// before fork() because only async-signal-safe calls are allowed in the child of a
// multithreaded process.
pid_t spawnChild(std::vector<std::string> argv, const std::map<std::string, std::string>& env,
                 int out_fd) {
  std::string program = findProgram(argv.at(0));
  std::vector<std::string> env_strings = environmentWith(env);
  std::vector<char*> argp = cStrings(argv);
  std::vector<char*> envp = cStrings(env_strings);
  int null_fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (null_fd < 0) {
    fail("cannot open /dev/null");
  }
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid == 0) {
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) {
      _exit(127);  // the test process died before prctl; do not outlive it
    }
    // The test process may ignore SIGPIPE or block signals; servers expect the defaults.
    struct sigaction default_action {};
    default_action.sa_handler = SIG_DFL;
    sigaction(SIGPIPE, &default_action, nullptr);
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, nullptr);
    dup2(null_fd, 0);
    dup2(out_fd, 1);
    dup2(out_fd, 2);
    close_range(3, ~0U, 0);  // no listening socket of the test may leak into a server
    execve(program.c_str(), argp.data(), envp.data());
    static const char kMessage[] = "test servers: execve failed\n";
    (void)!write(2, kMessage, sizeof kMessage - 1);
    _exit(127);
  }
  close(null_fd);
  if (pid < 0) {
    fail("fork failed: " + std::string(std::strerror(errno)));
  }
  return pid;
}

// True once `pid` has exited, without reaping it: a zombie keeps its process group id from
// being reused, which makes the group-wide SIGKILL in stopChild safe.
bool hasExited(pid_t pid) {
  siginfo_t info{};
  return waitid(P_PID, static_cast<id_t>(pid), &info, WEXITED | WNOHANG | WNOWAIT) == 0 &&
         info.si_pid == pid;
}

bool exitsBy(pid_t pid, Clock::time_point deadline) {
  while (!hasExited(pid)) {
    if (Clock::now() >= deadline) {
      return false;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  return true;
}

int reap(pid_t pid) {
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// SIGTERM lets nginx and slapd shut down cleanly; the group SIGKILL afterwards removes what a
// dead or stuck leader left behind.
int stopChild(pid_t pid) {
  kill(pid, SIGTERM);
  exitsBy(pid, Clock::now() + kStopTimeout);
  kill(-pid, SIGKILL);
  return reap(pid);
}

std::string describeStatus(int status) {
  if (WIFEXITED(status)) {
    return "exited with status " + std::to_string(WEXITSTATUS(status));
  }
  if (WIFSIGNALED(status)) {
    return "was killed by signal " + std::to_string(WTERMSIG(status));
  }
  return "stopped";
}

std::vector<int> distinctFreePorts(int count) {
  std::vector<int> ports;
  for (int tries = 0; static_cast<int>(ports.size()) < count && tries < count + 20; ++tries) {
    int port = freeLoopbackPort();
    if (std::find(ports.begin(), ports.end(), port) == ports.end()) {
      ports.push_back(port);
    }
  }
  if (static_cast<int>(ports.size()) < count) {
    fail("could not find " + std::to_string(count) + " distinct free ports");
  }
  return ports;
}

enum class Readiness { Ready, Died, TimedOut };

Readiness waitUntilReady(pid_t pid, const std::vector<int>& ports, int ready_ports) {
  auto deadline = Clock::now() + kReadyTimeout;
  int ready = 0;
  while (Clock::now() < deadline) {
    if (hasExited(pid)) {
      return Readiness::Died;
    }
    while (ready < ready_ports && loopbackPortAccepts(ports[ready])) {
      ++ready;
    }
    if (ready == ready_ports) {
      return hasExited(pid) ? Readiness::Died : Readiness::Ready;
    }
    std::this_thread::sleep_for(kPollInterval);
  }
  return Readiness::TimedOut;
}

std::string joinPorts(const std::vector<int>& ports) {
  std::string out;
  for (int port : ports) {
    out += (out.empty() ? "" : ",") + std::to_string(port);
  }
  return out;
}

}  // namespace

TestServer::~TestServer() {
  if (pid_ > 0) {
    stopChild(pid_);
  }
}

std::string TestServer::url() const {
  return scheme_ + "://127.0.0.1:" + std::to_string(primary_port_) + "/";
}

std::string TestServer::log() const {
  return readFile(dir_.file("server.log"));
}

std::string TestServer::writePrivate(const std::string& name, const std::string& data) const {
  std::string path = dir_.file(name);
  int fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  bool ok = fd >= 0 && fchmod(fd, 0600) == 0;
  for (size_t off = 0; ok && off < data.size();) {
    ssize_t n = write(fd, data.data() + off, data.size() - off);
    ok = n > 0;
    off += ok ? static_cast<size_t>(n) : 0;
  }
  if (fd >= 0) {
    ok = close(fd) == 0 && ok;
  }
  if (!ok) {
    fail("cannot write " + path);
  }
  return path;
}

void TestServer::launch(int port_count, int ready_ports, const CommandForPorts& command) {
  std::string log_path = dir_.file("server.log");
  std::string failure;
  for (int attempt = 1; attempt <= kStartAttempts; ++attempt) {
    std::vector<int> ports = distinctFreePorts(port_count);
    std::vector<std::string> argv = command(ports);
    int log_fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
    if (log_fd < 0) {
      fail("cannot create " + log_path);
    }
    pid_t pid = spawnChild(argv, {}, log_fd);
    close(log_fd);
    Readiness readiness = waitUntilReady(pid, ports, ready_ports);
    if (readiness == Readiness::Ready) {
      pid_ = pid;
      ports_ = ports;
      return;
    }
    if (readiness == Readiness::TimedOut) {
      stopChild(pid);
      failure =
          argv[0] + " did not accept connections on port(s) " + joinPorts(ports) + " within 10 s";
      break;
    }
    int status = reap(pid);
    failure = argv[0] + " " + describeStatus(status) + " before accepting connections on port(s) " +
              joinPorts(ports);
    bool lost_port = readFile(log_path).find("in use") != std::string::npos;
    for (int port : ports) {
      lost_port = lost_port || loopbackPortInUse(port);
    }
    if (!lost_port) {
      break;
    }
    failure += " (another process took a port; attempt " + std::to_string(attempt) + " of " +
               std::to_string(kStartAttempts) + ")";
  }
  fail(failure + "\n--- tail of " + log_path + " ---\n" + tail(readFile(log_path)));
}

ProgramResult runProgram(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env, int timeout_ms) {
  int out_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    fail("pipe failed");
  }
  pid_t pid = spawnChild(argv, env, out_pipe[1]);
  close(out_pipe[1]);
  ProgramResult result;
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  for (bool open_pipe = true; open_pipe && Clock::now() < deadline;) {
    pollfd p{out_pipe[0], POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) {
      continue;
    }
    char buf[8192];
    ssize_t n = read(out_pipe[0], buf, sizeof buf);
    if (n > 0) {
      result.output.append(buf, static_cast<size_t>(n));
    } else if (n == 0 || errno != EINTR) {
      open_pipe = false;
    }
  }
  close(out_pipe[0]);
  if (!exitsBy(pid, deadline)) {
    result.timed_out = true;
    kill(-pid, SIGKILL);
  }
  int status = reap(pid);
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  }
  return result;
}

}  // namespace trustctl::testing::inline harness
