#include "tests/support/cli_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <stdexcept>
#include <thread>

extern char** environ;

namespace trustctl::testing {

std::string trustctlPath() {
  return TRUSTCTL_BIN;
}

RunResult runTrustctl(const std::vector<std::string>& args, const RunOptions& options) {
  return runProgram(trustctlPath(), args, options);
}

RunResult runProgram(const std::string& program, const std::vector<std::string>& args,
                     const RunOptions& options) {
  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0 ||
      pipe2(err_pipe, O_CLOEXEC) != 0) {
    throw std::runtime_error("pipe failed");
  }
  std::vector<std::string> env_strings;
  for (char** e = environ; *e != nullptr; ++e) {
    std::string kv = *e;
    std::string key = kv.substr(0, kv.find('='));
    if (options.env.count(key) == 0) {
      env_strings.push_back(kv);
    }
  }
  for (const auto& [k, v] : options.env) {
    env_strings.push_back(k + "=" + v);
  }
  std::vector<char*> envp;
  for (auto& s : env_strings) {
    envp.push_back(s.data());
  }
  envp.push_back(nullptr);
  std::vector<std::string> argv_strings{program};
  argv_strings.insert(argv_strings.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : argv_strings) {
    argv.push_back(s.data());
  }
  argv.push_back(nullptr);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    execve(argv[0], argv.data(), envp.data());
    _exit(127);
  }
  close(in_pipe[0]);
  close(out_pipe[1]);
  close(err_pipe[1]);
  std::thread killer;
  if (options.kill_after_us >= 0) {
    killer = std::thread([pid, us = options.kill_after_us] {
      std::this_thread::sleep_for(std::chrono::microseconds(us));
      kill(pid, SIGKILL);
    });
  }
  std::thread writer([fd = in_pipe[1], data = options.stdin_data] {
    signal(SIGPIPE, SIG_IGN);
    size_t off = 0;
    while (off < data.size()) {
      ssize_t n = write(fd, data.data() + off, data.size() - off);
      if (n <= 0) {
        break;
      }
      off += static_cast<size_t>(n);
    }
    close(fd);
  });
  RunResult result;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (open_fds > 0 && std::chrono::steady_clock::now() < deadline) {
    if (poll(fds, 2, 1000) <= 0) {
      continue;
    }
    for (auto& p : fds) {
      if (p.fd >= 0 && (p.revents & (POLLIN | POLLHUP)) != 0) {
        char buf[8192];
        ssize_t n = read(p.fd, buf, sizeof buf);
        if (n <= 0) {
          close(p.fd);
          p.fd = -1;
          --open_fds;
        } else {
          (p.fd == out_pipe[0] ? result.out : result.err).append(buf, static_cast<size_t>(n));
        }
      }
    }
  }
  for (auto& p : fds) {
    if (p.fd >= 0) {
      close(p.fd);
      kill(pid, SIGKILL);
    }
  }
  int status = 0;
  waitpid(pid, &status, 0);
  writer.join();
  if (killer.joinable()) {
    killer.join();
  }
  if (WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  } else if (WIFSIGNALED(status)) {
    result.signal = WTERMSIG(status);
  }
  return result;
}

std::string treeFingerprint(const std::string& dir) {
  namespace fs = std::filesystem;
  std::vector<std::string> lines;
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, ec);
       it != fs::recursive_directory_iterator(); it.increment(ec)) {
    const fs::path& p = it->path();
    std::string rel = fs::relative(p, dir).string();
    if (it->is_symlink()) {
      lines.push_back(rel + " -> " + fs::read_symlink(p).string());
      it.disable_recursion_pending();
    } else if (it->is_regular_file()) {
      std::ifstream in(p, std::ios::binary);
      std::stringstream ss;
      ss << in.rdbuf();
      lines.push_back(rel + " " + std::to_string(std::hash<std::string>{}(ss.str())));
    } else {
      lines.push_back(rel + "/");
    }
  }
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) {
    out += l + "\n";
  }
  return out;
}

int lineCount(const std::string& text) {
  int n = 0;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    n += line.empty() ? 0 : 1;
  }
  return n;
}

}  // namespace trustctl::testing
