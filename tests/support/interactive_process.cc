#include "tests/support/interactive_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

#include "truststore/file_util.h"

namespace trustctl::testing {

InteractiveProcess::InteractiveProcess(const std::vector<std::string>& argv,
                                       const std::string& stderr_path)
    : stderr_path_(stderr_path) {
  int in_pipe[2];
  int out_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0 || pipe2(out_pipe, O_CLOEXEC) != 0) {
    return;
  }
  pid_ = fork();
  if (pid_ == 0) {
    int err = ::open(stderr_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    dup2(in_pipe[0], 0);
    dup2(out_pipe[1], 1);
    dup2(err, 2);
    std::vector<char*> args;
    for (const auto& a : argv) {
      args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(127);
  }
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  to_child_ = in_pipe[1];
  from_child_ = out_pipe[0];
}

InteractiveProcess::~InteractiveProcess() {
  if (to_child_ >= 0) {
    ::close(to_child_);  // end of input: the process ends by itself
  }
  if (pid_ > 0) {
    for (int i = 0; i < 100; ++i) {  // at most ~5 s, then SIGKILL
      if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
        pid_ = -1;
        break;
      }
      usleep(50000);
    }
    if (pid_ > 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
  }
  if (from_child_ >= 0) {
    ::close(from_child_);
  }
}

std::string InteractiveProcess::ask(const std::string& line, int timeout_ms) {
  std::string out = line + "\n";
  if (to_child_ < 0 ||
      ::write(to_child_, out.data(), out.size()) != static_cast<ssize_t>(out.size())) {
    return "";
  }
  return readLine(timeout_ms);
}

std::string InteractiveProcess::readLine(int timeout_ms) {
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  while (true) {
    size_t nl = pending_.find('\n');
    if (nl != std::string::npos) {
      std::string line = pending_.substr(0, nl);
      pending_.erase(0, nl + 1);
      return line;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    deadline - std::chrono::steady_clock::now())
                    .count();
    if (left <= 0) {
      return "";
    }
    pollfd p{from_child_, POLLIN, 0};
    if (poll(&p, 1, static_cast<int>(left)) <= 0) {
      return "";
    }
    char buf[4096];
    ssize_t n = ::read(from_child_, buf, sizeof buf);
    if (n <= 0) {
      return "";
    }
    pending_.append(buf, static_cast<size_t>(n));
  }
}

std::string InteractiveProcess::errors() const {
  return truststore::readWholeFile(stderr_path_).value_or("");
}

}  // namespace trustctl::testing
