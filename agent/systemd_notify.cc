#include "agent/systemd_notify.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>

namespace trustctl::agent {

SystemdNotifier SystemdNotifier::fromEnvironment() {
  SystemdNotifier n;
  const char* socket_env = std::getenv("NOTIFY_SOCKET");
  const char* usec_env = std::getenv("WATCHDOG_USEC");
  const char* pid_env = std::getenv("WATCHDOG_PID");
  std::string path = socket_env ? socket_env : "";
  // The watchdog is ours only when systemd meant this process (WATCHDOG_PID unset or ours).
  bool watchdog_ours = usec_env && (!pid_env || std::atol(pid_env) == static_cast<long>(getpid()));
  if (watchdog_ours) {
    long long usec = std::atoll(usec_env);
    if (usec > 0) {
      n.watchdog_ = std::chrono::microseconds(usec);
    }
  }
  unsetenv("NOTIFY_SOCKET");
  unsetenv("WATCHDOG_USEC");
  unsetenv("WATCHDOG_PID");
  if (path.size() < 2 || (path[0] != '/' && path[0] != '@') ||
      path.size() >= sizeof(sockaddr_un::sun_path)) {
    return n;
  }
  if (path[0] == '@') {
    path[0] = '\0';
  }
  n.fd_ = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
  n.address_ = path;
  return n;
}

SystemdNotifier::~SystemdNotifier() {
  if (fd_ >= 0) {
    close(fd_);
  }
}

SystemdNotifier::SystemdNotifier(SystemdNotifier&& other) noexcept
    : fd_(other.fd_), address_(std::move(other.address_)), watchdog_(other.watchdog_) {
  other.fd_ = -1;
}

SystemdNotifier& SystemdNotifier::operator=(SystemdNotifier&& other) noexcept {
  if (this != &other) {
    if (fd_ >= 0) {
      close(fd_);
    }
    fd_ = other.fd_;
    address_ = std::move(other.address_);
    watchdog_ = other.watchdog_;
    other.fd_ = -1;
  }
  return *this;
}

void SystemdNotifier::notify(const std::string& state) const {
  if (fd_ < 0) {
    return;
  }
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  std::memcpy(addr.sun_path, address_.data(), address_.size());
  // An abstract address is exactly its bytes, no terminating NUL counted.
  socklen_t len = static_cast<socklen_t>(offsetof(sockaddr_un, sun_path) + address_.size() +
                                         (address_[0] == '\0' ? 0 : 1));
  [[maybe_unused]] ssize_t n = sendto(fd_, state.data(), state.size(), MSG_NOSIGNAL,
                                      reinterpret_cast<const sockaddr*>(&addr), len);
}

std::string reloadingState() {
  timespec ts{};
  clock_gettime(CLOCK_MONOTONIC, &ts);
  long long usec = static_cast<long long>(ts.tv_sec) * 1000000 + ts.tv_nsec / 1000;
  return "RELOADING=1\nMONOTONIC_USEC=" + std::to_string(usec);
}

}  // namespace trustctl::agent
