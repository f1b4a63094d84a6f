#pragma once
// The agent's HTTP endpoint (/metrics, /status, /healthz): one thread running a poll loop over
// non-blocking sockets, so a slow or silent client costs a descriptor, never a thread. Every
// connection has one deadline for its whole request head and one for writing the answer; the
// number of connections is capped (the oldest unfinished request is dropped to admit a new
// one). HTTP/1.x GET and HEAD only, one request per connection (Connection: close). Running
// out of descriptors is reported as what it is. With useTls() every connection is TLS 1.2+:
// the handshake runs in the same loop and inside the same request-head deadline, and a client
// speaking plain HTTP to it is closed, never answered. Not a general web server: no bodies.

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "agent/listen_address.h"
#include "truststore/error.h"

namespace trustctl::agent {

class TlsServerContext;

struct HttpResponse {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::string body;
};

struct HttpListenerOptions {
  // A client has this long to send its whole request head: a trickle of bytes does not
  // extend it (slowloris).
  std::chrono::milliseconds header_deadline{5000};
  // Writing the answer, for a client that does not read.
  std::chrono::milliseconds write_deadline{10000};
  size_t max_connections = 256;  // well under the default 1024 descriptors
  size_t max_header_bytes = 8192;
};

struct HttpListenerStats {
  long accepted = 0;
  long header_timeouts = 0;   // closed because the request head was not complete in time
  long dropped_at_limit = 0;  // closed to make room under max_connections
  long descriptor_exhaustion = 0;
  long open = 0;
  long tls_handshake_failures = 0;  // closed: not TLS (e.g. plain HTTP), or no shared version
};

class HttpListener {
 public:
  using Handler = std::function<HttpResponse()>;
  // Called (on the listener's thread) with one line for the log: descriptor exhaustion,
  // at most once every 10 s.
  using Logger = std::function<void(const std::string&)>;
  // The TLS context for the next accepted connection (never null once useTls() is called);
  // asked once per accept, on the listener's thread, so it can follow a rotated certificate.
  using TlsSource = std::function<std::shared_ptr<const TlsServerContext>()>;

  explicit HttpListener(HttpListenerOptions options = {});
  ~HttpListener();
  HttpListener(const HttpListener&) = delete;
  HttpListener& operator=(const HttpListener&) = delete;

  // Resolves and binds `address`. Fails with ListenFailed naming the address and the system's
  // reason (in use, not an address of this host, permission).
  Result<void> bind(const ListenAddress& address);
  // Handlers run on the listener's thread and must be quick. Register before run().
  void handle(const std::string& path, Handler handler);
  void setLogger(Logger logger) { logger_ = std::move(logger); }
  // Serves HTTPS only from now on. Call before run().
  void useTls(TlsSource source) { tls_ = std::move(source); }
  bool usesTls() const { return static_cast<bool>(tls_); }
  // Serves until stop(); call bind() first.
  void run();
  // Thread-safe; run() returns soon after.
  void stop();
  HttpListenerStats stats() const;

 private:
  struct Connection;
  void acceptAll(std::map<int, Connection>& connections);
  void onHandshake(Connection& c);
  void onReadable(Connection& c);
  bool pull(Connection& c);
  void onWritable(Connection& c);
  void respond(Connection& c, const HttpResponse& response, bool head);

  HttpListenerOptions options_;
  std::map<std::string, Handler> handlers_;
  Logger logger_;
  TlsSource tls_;
  int listen_fd_ = -1;
  int wake_[2] = {-1, -1};
  std::atomic<bool> stop_{false};
  std::chrono::steady_clock::time_point accept_paused_until_{};
  std::chrono::steady_clock::time_point last_exhaustion_log_{};
  std::atomic<long> accepted_{0}, header_timeouts_{0}, dropped_{0}, exhaustion_{0}, open_{0},
      tls_failures_{0};
};

}  // namespace trustctl::agent
