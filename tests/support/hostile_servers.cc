#include "tests/support/hostile_servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <stdexcept>

#include <openssl/ssl.h>

namespace trustctl::testing {

namespace {

using Clock = std::chrono::steady_clock;

// Both directions time out after 100 ms so that every blocking call comes back to check the
// stop flag.
void setShortTimeouts(int fd) {
  timeval t{0, 100 * 1000};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &t, sizeof(t));
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &t, sizeof(t));
}

// One connection: plain or TLS reads and writes that retry on the short timeouts until stop.
class Channel {
 public:
  Channel(int fd, SSL* ssl, const std::atomic<bool>& stop) : fd_(fd), ssl_(ssl), stop_(stop) {}

  // Reads what the client sent first (at most 4 KiB, waiting at most 2 s).
  bool readRequest() {
    char buf[4096];
    auto until = Clock::now() + std::chrono::seconds(2);
    while (!stop_ && Clock::now() < until) {
      if (ssl_) {
        int n = SSL_read(ssl_, buf, sizeof(buf));
        if (n > 0) {
          return true;
        }
        int err = SSL_get_error(ssl_, n);
        if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
          return false;
        }
      } else {
        ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
        if (n > 0) {
          return true;
        }
        if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
          return false;
        }
      }
    }
    return false;
  }

  // Writes all of `data`; false when the client went away or the server stops.
  bool write(const void* data, size_t len) {
    const char* p = static_cast<const char*>(data);
    size_t off = 0;
    while (off < len && !stop_) {
      if (ssl_) {
        // On a retry OpenSSL wants the same buffer and length again: that is what it gets.
        int n = SSL_write(ssl_, p + off, static_cast<int>(len - off));
        if (n > 0) {
          off += static_cast<size_t>(n);
          continue;
        }
        int err = SSL_get_error(ssl_, n);
        if (err != SSL_ERROR_WANT_WRITE && err != SSL_ERROR_WANT_READ) {
          return false;
        }
      } else {
        ssize_t n = ::send(fd_, p + off, len - off, MSG_NOSIGNAL);
        if (n > 0) {
          off += static_cast<size_t>(n);
        } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)) {
          return false;
        }
      }
    }
    return off == len;
  }

 private:
  int fd_;
  SSL* ssl_;
  const std::atomic<bool>& stop_;
};

bool acceptTls(SSL* ssl, const std::atomic<bool>& stop) {
  auto until = Clock::now() + std::chrono::seconds(5);
  while (!stop && Clock::now() < until) {
    int rc = SSL_accept(ssl);
    if (rc == 1) {
      return true;
    }
    int err = SSL_get_error(ssl, rc);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
      return false;
    }
  }
  return false;
}

}  // namespace

HostileServer::HostileServer(Hostility hostility, CertificatePtr tls_leaf, PrivateKeyPtr key)
    : hostility_(hostility), leaf_(std::move(tls_leaf)), key_(std::move(key)) {
  // OpenSSL writes with plain send(): a client that hangs up must not kill the test process.
  signal(SIGPIPE, SIG_IGN);
  if (leaf_) {
    ctx_.reset(SSL_CTX_new(TLS_server_method()));
    if (!ctx_ || SSL_CTX_use_certificate(ctx_.get(), leaf_->x509()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx_.get(), key_->evp()) != 1) {
      throw std::runtime_error("hostile server: cannot load the certificate and key");
    }
    if (hostility_ == Hostility::HelloRequestFlood) {
      // HelloRequest exists up to TLS 1.2 only.
      SSL_CTX_set_max_proto_version(ctx_.get(), TLS1_2_VERSION);
    }
  }
  listen_fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof(a);
  if (bind(listen_fd_, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 ||
      listen(listen_fd_, 64) != 0 ||
      getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error("hostile server: cannot listen on 127.0.0.1");
  }
  port_ = ntohs(a.sin_port);
  acceptor_ = std::thread([this] { acceptLoop(); });
}

HostileServer::~HostileServer() {
  stop_ = true;
  acceptor_.join();
  for (auto& t : connections_) {
    t.join();
  }
  ::close(listen_fd_);
}

std::string HostileServer::url(const std::string& scheme, const std::string& path) const {
  return scheme + "://127.0.0.1:" + std::to_string(port_) + path;
}

void HostileServer::acceptLoop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) {
      continue;
    }
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      continue;
    }
    ++accepted_;
    std::lock_guard<std::mutex> lock(mutex_);
    connections_.emplace_back([this, fd] {
      serve(fd);
      ::close(fd);
    });
  }
}

void HostileServer::serve(int fd) {
  setShortTimeouts(fd);
  if (hostility_ == Hostility::Blackhole) {
    while (!stop_) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return;
  }
  ossl::SslPtr ssl;
  if (ctx_) {
    ssl.reset(SSL_new(ctx_.get()));
    if (!ssl || SSL_set_fd(ssl.get(), fd) != 1 || !acceptTls(ssl.get(), stop_)) {
      return;
    }
  }
  Channel channel(fd, ssl.get(), stop_);
  if (hostility_ == Hostility::HelloRequestFlood) {
    // The client's answers (a renegotiating ClientHello or a no_renegotiation alert) are never
    // read: HelloRequest follows HelloRequest as fast as the client takes them.
    while (!stop_ && ssl) {
      if (SSL_renegotiate(ssl.get()) != 1) {
        return;
      }
      int rc = SSL_do_handshake(ssl.get());
      if (rc == 1) {
        ++sent_;
        continue;
      }
      int err = SSL_get_error(ssl.get(), rc);
      if (err != SSL_ERROR_WANT_WRITE && err != SSL_ERROR_WANT_READ) {
        return;
      }
    }
    return;
  }
  // HugeLdapLength: a SEQUENCE announcing 2 GiB (0x84: four length bytes), a message id, then
  // zeros for as long as the client reads.
  if (!channel.readRequest()) {
    return;
  }
  const unsigned char header[] = {0x30, 0x84, 0x80, 0x00, 0x00, 0x00, 0x02, 0x01, 0x01};
  if (!channel.write(header, sizeof(header))) {
    return;
  }
  static const std::vector<char> zeros(64 * 1024, 0);
  for (long long total = 0; total < (2LL << 30) && !stop_; total += zeros.size()) {
    if (!channel.write(zeros.data(), zeros.size())) {
      return;
    }
    ++sent_;
  }
}

}  // namespace trustctl::testing
