#include "tests/support/bounded_run.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "tests/support/test_pki.h"

extern char** environ;

namespace trustctl::testing {

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

// The test's environment with `extra` added or overriding.
std::vector<std::string> environmentWith(const std::map<std::string, std::string>& extra) {
  std::vector<std::string> out;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    if (extra.count(kv.substr(0, kv.find('='))) == 0) {
      out.push_back(kv);
    }
  }
  for (const auto& [k, v] : extra) {
    out.push_back(k + "=" + v);
  }
  return out;
}

std::vector<char*> pointers(std::vector<std::string>& strings) {
  std::vector<char*> out;
  for (auto& s : strings) {
    out.push_back(s.data());
  }
  out.push_back(nullptr);
  return out;
}

}  // namespace

BoundedRun runTrustctlBounded(const std::vector<std::string>& args, int limit_seconds) {
  return runProgramBounded(trustctlPath(), args, RunOptions{}, limit_seconds);
}

BoundedRun runProgramBounded(const std::string& program, const std::vector<std::string>& args,
                             const RunOptions& options, int limit_seconds) {
  TempDir dir;
  std::string in_path = dir.write("stdin", options.stdin_data);
  std::string out_path = dir.file("stdout");
  std::string err_path = dir.file("stderr");
  std::vector<std::string> argv_strings{program};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv = pointers(argv_strings);
  std::vector<std::string> env_strings = environmentWith(options.env);
  std::vector<char*> envp = pointers(env_strings);
  pid_t pid = fork();
  if (pid < 0) {
    throw std::runtime_error("fork failed");
  }
  if (pid == 0) {
    int in = ::open(in_path.c_str(), O_RDONLY);
    int out = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int err = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    dup2(in, 0);
    dup2(out, 1);
    dup2(err, 2);
    // Its own process group, so that the kill at the limit also ends what it started (a JVM's
    // or go's helpers).
    setpgid(0, 0);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  BoundedRun run;
  int status = 0;
  rusage usage{};
  auto limit = std::chrono::steady_clock::now() + std::chrono::seconds(limit_seconds);
  while (wait4(pid, &status, WNOHANG, &usage) == 0) {
    if (std::chrono::steady_clock::now() >= limit) {
      kill(-pid, SIGKILL);
      kill(pid, SIGKILL);
      run.killed_at_limit = true;
      wait4(pid, &status, 0, &usage);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  run.max_rss_kib = usage.ru_maxrss;
  if (WIFEXITED(status)) {
    run.result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    run.result.signal = WTERMSIG(status);
  }
  run.result.out = slurp(out_path);
  run.result.err = slurp(err_path);
  return run;
}

}  // namespace trustctl::testing
