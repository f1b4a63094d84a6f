#include "agent/on_change.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>

namespace trustctl::agent {

OnChangeResult runOnChange(const std::string& command, const std::string& connector,
                           const std::string& connector_dir, int timeout_seconds) {
  return runOnChangeWith(
      command, {{"TRUSTCTL_CONNECTOR", connector}, {"TRUSTCTL_CONNECTOR_DIR", connector_dir}},
      timeout_seconds);
}

OnChangeResult runOnChangeWith(const std::string& command,
                               const std::vector<std::pair<std::string, std::string>>& env,
                               int timeout_seconds) {
  OnChangeResult result;
  int out[2];
  if (pipe2(out, O_CLOEXEC) != 0) {
    result.output = "could not create a pipe";
    return result;
  }
  pid_t pid = fork();
  if (pid < 0) {
    close(out[0]);
    close(out[1]);
    result.output = "could not start /bin/sh";
    return result;
  }
  if (pid == 0) {
    setpgid(0, 0);  // its own group, so a timeout kills what it started too
    dup2(out[1], 1);
    dup2(out[1], 2);
    int null_in = open("/dev/null", O_RDONLY);
    dup2(null_in, 0);
    for (const auto& [name, value] : env) {
      setenv(name.c_str(), value.c_str(), 1);
    }
    execl("/bin/sh", "sh", "-c", command.c_str(), static_cast<char*>(nullptr));
    _exit(127);
  }
  close(out[1]);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(timeout_seconds);
  bool open_pipe = true;
  int status = 0;
  bool exited = false;
  while (!exited) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      kill(-pid, SIGKILL);
      waitpid(pid, &status, 0);
      break;
    }
    if (open_pipe) {
      pollfd p{out[0], POLLIN, 0};
      if (poll(&p, 1, static_cast<int>(std::min<long long>(left.count(), 50))) > 0) {
        char buf[4096];
        ssize_t n = read(out[0], buf, sizeof(buf));
        if (n > 0 && result.output.size() < 65536) {
          result.output.append(buf, static_cast<size_t>(n));
        } else if (n <= 0) {
          open_pipe = false;
        }
      }
    } else {
      usleep(20000);
    }
    exited = waitpid(pid, &status, WNOHANG) == pid;
  }
  close(out[0]);
  if (!result.timed_out && WIFEXITED(status)) {
    result.exit_code = WEXITSTATUS(status);
  }
  return result;
}

}  // namespace trustctl::agent
