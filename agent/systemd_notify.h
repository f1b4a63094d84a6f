#pragma once
// The daemon's side of systemd's notify protocol (sd_notify(3)), without libsystemd: one
// datagram per state change ("READY=1", "RELOADING=1", "WATCHDOG=1", "STATUS=...",
// "STOPPING=1") to the socket named by $NOTIFY_SOCKET (a path, or '@' for the abstract
// namespace). Outside systemd ($NOTIFY_SOCKET unset) every call is a no-op. It does not decide
// when to notify: the daemon does.

#include <chrono>
#include <optional>
#include <string>

namespace trustctl::agent {

class SystemdNotifier {
 public:
  // Reads $NOTIFY_SOCKET, $WATCHDOG_USEC and $WATCHDOG_PID, then unsets them so on_change
  // commands cannot speak for the agent.
  static SystemdNotifier fromEnvironment();
  SystemdNotifier() = default;
  ~SystemdNotifier();
  SystemdNotifier(SystemdNotifier&& other) noexcept;
  SystemdNotifier& operator=(SystemdNotifier&& other) noexcept;
  SystemdNotifier(const SystemdNotifier&) = delete;

  bool enabled() const { return fd_ >= 0; }
  // Sends `state` (newline-separated KEY=VALUE lines); failures are ignored, as sd_notify's
  // callers do: systemd not listening must not stop the agent.
  void notify(const std::string& state) const;
  // systemd's watchdog period when it asked for pings (WatchdogSec=); ping at half of it.
  std::optional<std::chrono::microseconds> watchdog() const { return watchdog_; }

 private:
  int fd_ = -1;
  std::string address_;  // sun_path bytes; a leading '\0' for the abstract namespace
  std::optional<std::chrono::microseconds> watchdog_;
};

// "RELOADING=1\nMONOTONIC_USEC=<now>": systemd wants the CLOCK_MONOTONIC time with RELOADING.
std::string reloadingState();

}  // namespace trustctl::agent
