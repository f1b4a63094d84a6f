#pragma once
// The TCP side of an LDAP probe, which libldap is handed ready-made (ldap_init_fd): a connect
// bounded by the probe's deadline, with the socket options libldap would set on its own
// sockets, and a watchdog that shuts the socket down at the deadline so that a blocked read
// inside libldap or GnuTLS returns whatever the server does.

#include <chrono>
#include <condition_variable>
#include <mutex>
#include <thread>

#include "probes/capture.h"

namespace trustctl::probes {

using LdapClock = std::chrono::steady_clock;

// Connects to the target within `deadline`; returns a blocking fd with TCP_NODELAY set, or -1
// with the capture's failure and detail set (DnsFailure, ConnectionRefused, Timeout). The
// caller owns the fd.
int connectLdapSocket(const Target& target, LdapClock::time_point deadline, Capture& c);

// Shuts `fd` down at `deadline` unless stopped first. stop() (also in the destructor) joins.
class SocketWatchdog {
 public:
  SocketWatchdog(int fd, LdapClock::time_point deadline);
  ~SocketWatchdog();
  SocketWatchdog(const SocketWatchdog&) = delete;
  SocketWatchdog& operator=(const SocketWatchdog&) = delete;
  void stop();
  bool fired();

 private:
  std::mutex mutex_;
  std::condition_variable cv_;
  bool done_ = false;
  bool fired_ = false;
  std::thread thread_;
};

}  // namespace trustctl::probes
