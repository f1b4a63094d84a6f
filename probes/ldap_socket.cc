#include "probes/ldap_socket.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>

namespace trustctl::probes {

SocketWatchdog::SocketWatchdog(int fd, LdapClock::time_point deadline)
    : thread_([this, fd, deadline] {
        std::unique_lock<std::mutex> lock(mutex_);
        if (!cv_.wait_until(lock, deadline, [this] { return done_; })) {
          fired_ = true;
          ::shutdown(fd, SHUT_RDWR);
        }
      }) {}

SocketWatchdog::~SocketWatchdog() {
  stop();
}

void SocketWatchdog::stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    done_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) {
    thread_.join();
  }
}

bool SocketWatchdog::fired() {
  std::lock_guard<std::mutex> lock(mutex_);
  return fired_;
}

int connectLdapSocket(const Target& target, LdapClock::time_point deadline, Capture& c) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* found = nullptr;
  int gai = getaddrinfo(target.host.c_str(), std::to_string(target.port).c_str(), &hints, &found);
  if (gai != 0) {
    c.failure = CaptureFailure::DnsFailure;
    c.detail = std::string("could not resolve ") + target.host + ": " + gai_strerror(gai);
    return -1;
  }
  std::unique_ptr<addrinfo, decltype(&freeaddrinfo)> owner(found, freeaddrinfo);
  std::string last_error = "no address";
  for (addrinfo* a = found; a; a = a->ai_next) {
    int fd = socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) {
      continue;
    }
    int rc = ::connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      auto left =
          std::chrono::duration_cast<std::chrono::milliseconds>(deadline - LdapClock::now());
      rc = poll(&p, 1, static_cast<int>(std::max<long long>(0, left.count())));
      if (rc == 0) {
        ::close(fd);
        c.failure = CaptureFailure::Timeout;
        c.detail = "TCP connect to " + target.urlHost() + ":" + std::to_string(target.port) +
                   " did not complete within the timeout";
        return -1;
      }
      int err = 0;
      socklen_t len = sizeof(err);
      getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
      rc = err == 0 ? 0 : -1;
      errno = err;
    }
    if (rc == 0) {
      fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
      // libldap sets TCP_NODELAY on the sockets it opens itself; this one it is handed. Without
      // it a request written in two pieces (TLS records, or an LDAP message after StartTLS)
      // waits for the server's delayed ACK, about 40 ms per exchange.
      int one = 1;
      setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
      return fd;
    }
    last_error = std::strerror(errno);
    ::close(fd);
  }
  c.failure = CaptureFailure::ConnectionRefused;
  c.detail =
      "connect to " + target.urlHost() + ":" + std::to_string(target.port) + ": " + last_error;
  return -1;
}

}  // namespace trustctl::probes
