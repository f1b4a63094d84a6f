#include "agent/http_listener.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "agent/tls_server.h"

namespace trustctl::agent {

using Clock = std::chrono::steady_clock;

struct HttpListener::Connection {
  int fd = -1;
  Clock::time_point accepted_at;
  Clock::time_point deadline;
  std::string in;
  std::string out;
  size_t sent = 0;
  bool writing = false;
  bool done = false;
  std::unique_ptr<TlsStream> tls;  // null on a plain HTTP listener
  bool handshaking = false;
  short events = POLLIN;  // what the next step waits for (TLS may want the other direction)
};

namespace {

const char* reasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 400:
      return "Bad Request";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 431:
      return "Request Header Fields Too Large";
    case 503:
      return "Service Unavailable";
    default:
      return "Error";
  }
}

long descriptorLimit() {
  rlimit r{};
  return getrlimit(RLIMIT_NOFILE, &r) == 0 ? static_cast<long>(r.rlim_cur) : -1;
}

}  // namespace

HttpListener::HttpListener(HttpListenerOptions options) : options_(options) {
  if (pipe2(wake_, O_NONBLOCK | O_CLOEXEC) != 0) {
    wake_[0] = wake_[1] = -1;
  }
}

HttpListener::~HttpListener() {
  for (int fd : {listen_fd_, wake_[0], wake_[1]}) {
    if (fd >= 0) {
      close(fd);
    }
  }
}

Result<void> HttpListener::bind(const ListenAddress& address) {
  addrinfo hints{};
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
  addrinfo* found = nullptr;
  std::string port = std::to_string(address.port);
  int rc = getaddrinfo(address.host.c_str(), port.c_str(), &hints, &found);
  if (rc != 0) {
    return tl::unexpected(Error{ErrorCode::ListenFailed,
                                "[agent] listen = \"" + address.display() + "\": cannot resolve '" +
                                    address.host + "' (" + gai_strerror(rc) +
                                    "); use an address of this host, e.g. 127.0.0.1:9464"});
  }
  std::string reason = "no address";
  for (addrinfo* ai = found; ai && listen_fd_ < 0; ai = ai->ai_next) {
    int fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0) {
      reason = std::strerror(errno);
      continue;
    }
    int one = 1, zero = 0;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (ai->ai_family == AF_INET6 && address.all_interfaces) {
      setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &zero, sizeof(zero));  // [::] means IPv4 too
    }
    if (::bind(fd, ai->ai_addr, ai->ai_addrlen) != 0 || listen(fd, 128) != 0) {
      reason = std::strerror(errno);
      close(fd);
      continue;
    }
    listen_fd_ = fd;
  }
  freeaddrinfo(found);
  if (listen_fd_ < 0) {
    return tl::unexpected(Error{ErrorCode::ListenFailed,
                                "[agent] listen = \"" + address.display() + "\": cannot listen (" +
                                    reason +
                                    "); free the port or choose another [agent] listen address"});
  }
  return {};
}

void HttpListener::handle(const std::string& path, Handler handler) {
  handlers_[path] = std::move(handler);
}

void HttpListener::stop() {
  stop_ = true;
  if (wake_[1] >= 0) {
    char c = 1;
    [[maybe_unused]] ssize_t n = write(wake_[1], &c, 1);
  }
}

HttpListenerStats HttpListener::stats() const {
  return {accepted_.load(), header_timeouts_.load(), dropped_.load(), exhaustion_.load(),
          open_.load(),     tls_failures_.load()};
}

void HttpListener::acceptAll(std::map<int, Connection>& connections) {
  auto dropOldestUnfinished = [&] {
    auto oldest = connections.end();
    for (auto it = connections.begin(); it != connections.end(); ++it) {
      if (!it->second.writing &&
          (oldest == connections.end() || it->second.accepted_at < oldest->second.accepted_at)) {
        oldest = it;
      }
    }
    if (oldest == connections.end()) {
      return false;
    }
    close(oldest->first);
    connections.erase(oldest);
    ++dropped_;
    return true;
  };
  for (;;) {
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    if (fd < 0) {
      if (errno == EINTR || errno == ECONNABORTED) {
        continue;
      }
      if (errno == EMFILE || errno == ENFILE) {
        ++exhaustion_;
        auto now = Clock::now();
        // The pending connection keeps the socket readable: pause accepting instead of
        // spinning, and free a descriptor held by a client that has not sent its request.
        accept_paused_until_ = now + std::chrono::milliseconds(200);
        dropOldestUnfinished();
        if (logger_ && now - last_exhaustion_log_ > std::chrono::seconds(10)) {
          last_exhaustion_log_ = now;
          logger_("HTTP listener: too many open files (limit " + std::to_string(descriptorLimit()) +
                  "): a client was not accepted; raise LimitNOFILE or find what holds "
                  "descriptors");
        }
      }
      return;  // EAGAIN: all accepted
    }
    if (connections.size() >= options_.max_connections && !dropOldestUnfinished()) {
      close(fd);
      ++dropped_;
      continue;
    }
    ++accepted_;
    Connection c;
    c.fd = fd;
    c.accepted_at = Clock::now();
    // One deadline for the handshake and the request head together: a client that stalls
    // in either is a slowloris alike.
    c.deadline = c.accepted_at + options_.header_deadline;
    if (tls_) {
      auto stream = tls_()->newStream(fd);
      if (!stream) {
        close(fd);
        ++tls_failures_;
        continue;
      }
      c.tls = std::move(*stream);
      c.handshaking = true;
    }
    connections.emplace(fd, std::move(c));
  }
}

void HttpListener::respond(Connection& c, const HttpResponse& r, bool head) {
  c.out = "HTTP/1.1 " + std::to_string(r.status) + " " + reasonPhrase(r.status) +
          "\r\nContent-Type: " + r.content_type +
          "\r\nContent-Length: " + std::to_string(r.body.size()) +
          "\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n";
  if (!head) {
    c.out += r.body;
  }
  c.writing = true;
  c.events = POLLOUT;
  c.deadline = Clock::now() + options_.write_deadline;
  onWritable(c);
}

void HttpListener::onHandshake(Connection& c) {
  TlsIo r = c.tls->handshake();
  if (r == TlsIo::WantRead || r == TlsIo::WantWrite) {
    c.events = r == TlsIo::WantRead ? POLLIN : POLLOUT;
    return;
  }
  if (r != TlsIo::Done) {
    ++tls_failures_;  // no plaintext fallback: whatever it was, it gets no answer
    c.done = true;
    return;
  }
  c.handshaking = false;
  // The request may have come with the client's Finished and sit in the session's buffer,
  // where poll() cannot see it.
  onReadable(c);
}

// Appends what the client sent so far to c.in; false when it closed or broke the connection.
bool HttpListener::pull(Connection& c) {
  if (c.tls) {
    TlsIo r = c.tls->read(c.in, options_.max_header_bytes + 1);
    c.events = r == TlsIo::WantWrite ? POLLOUT : POLLIN;
    return r == TlsIo::Done || r == TlsIo::WantRead || r == TlsIo::WantWrite;
  }
  char buf[4096];
  for (;;) {
    ssize_t n = read(c.fd, buf, sizeof(buf));
    if (n > 0) {
      c.in.append(buf, static_cast<size_t>(n));
      if (c.in.size() > options_.max_header_bytes) {
        break;
      }
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      break;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    return false;
  }
  return true;
}

void HttpListener::onReadable(Connection& c) {
  if (!pull(c)) {
    c.done = true;  // closed by the client, or an error
    return;
  }
  size_t end = c.in.find("\r\n\r\n");
  if (end == std::string::npos) {
    end = c.in.find("\n\n");
  }
  if (end == std::string::npos) {
    if (c.in.size() > options_.max_header_bytes) {
      respond(c, {431, "text/plain; charset=utf-8", "request head too large\n"}, false);
    }
    return;
  }
  std::string line = c.in.substr(0, c.in.find_first_of("\r\n"));
  size_t sp1 = line.find(' ');
  size_t sp2 = sp1 == std::string::npos ? sp1 : line.find(' ', sp1 + 1);
  if (sp2 == std::string::npos || line.compare(sp2 + 1, 5, "HTTP/") != 0) {
    respond(c, {400, "text/plain; charset=utf-8", "bad request line\n"}, false);
    return;
  }
  std::string method = line.substr(0, sp1);
  std::string target = line.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string path = target.substr(0, target.find('?'));
  bool head = method == "HEAD";
  if (method != "GET" && !head) {
    respond(c, {405, "text/plain; charset=utf-8", "only GET and HEAD\n"}, false);
    return;
  }
  auto it = handlers_.find(path);
  if (it == handlers_.end()) {
    respond(c, {404, "text/plain; charset=utf-8", "not found: /metrics, /status, /healthz\n"},
            head);
    return;
  }
  respond(c, it->second(), head);
}

void HttpListener::onWritable(Connection& c) {
  if (c.tls) {
    TlsIo r = c.tls->write(c.out, c.sent);
    if (r == TlsIo::WantRead || r == TlsIo::WantWrite) {
      c.events = r == TlsIo::WantRead ? POLLIN : POLLOUT;
      return;
    }
    if (r == TlsIo::Done) {
      c.tls->shutdown();
    }
    c.done = true;
    return;
  }
  while (c.sent < c.out.size()) {
    ssize_t n = send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent, MSG_NOSIGNAL);
    if (n > 0) {
      c.sent += static_cast<size_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      return;
    }
    break;
  }
  c.done = true;
}

void HttpListener::run() {
  std::map<int, Connection> connections;
  std::vector<pollfd> fds;
  while (!stop_) {
    auto now = Clock::now();
    fds.clear();
    fds.push_back({wake_[0], POLLIN, 0});
    bool accepting = listen_fd_ >= 0 && now >= accept_paused_until_;
    if (accepting) {
      fds.push_back({listen_fd_, POLLIN, 0});
    }
    auto wake_at = now + std::chrono::seconds(1);
    if (!accepting) {
      wake_at = std::min(wake_at, accept_paused_until_);
    }
    for (const auto& [fd, c] : connections) {
      fds.push_back({fd, c.events, 0});
      wake_at = std::min(wake_at, c.deadline);
    }
    auto wait = std::chrono::duration_cast<std::chrono::milliseconds>(wake_at - now).count();
    int ready = poll(fds.data(), fds.size(), static_cast<int>(std::max<long long>(wait, 0) + 1));
    if (ready < 0 && errno != EINTR) {
      break;
    }
    if (fds[0].revents) {
      char drain[64];
      while (read(wake_[0], drain, sizeof(drain)) > 0) {
      }
    }
    for (size_t i = accepting ? 2 : 1; i < fds.size(); ++i) {
      if (!fds[i].revents) {
        continue;
      }
      Connection& c = connections.at(fds[i].fd);
      if (c.handshaking) {
        onHandshake(c);
      } else if (c.writing) {
        onWritable(c);
      } else {
        onReadable(c);
      }
    }
    now = Clock::now();
    for (auto it = connections.begin(); it != connections.end();) {
      Connection& c = it->second;
      if (!c.done && now >= c.deadline) {
        header_timeouts_ += c.writing ? 0 : 1;
        c.done = true;
      }
      if (c.done) {
        close(c.fd);
        it = connections.erase(it);
      } else {
        ++it;
      }
    }
    if (accepting && (fds[1].revents & POLLIN)) {
      acceptAll(connections);
    }
    open_ = static_cast<long>(connections.size());
  }
  for (auto& [fd, c] : connections) {
    close(fd);
  }
  open_ = 0;
}

}  // namespace trustctl::agent
