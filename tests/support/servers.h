#pragma once
// Real servers for the probe tests, on 127.0.0.1 only, from PKIs generated at test time:
// `openssl s_server`, nginx and slapd as plain child processes with throwaway configs, plus
// in-process hostile listeners (silent, trickling, plain HTTP, closing) and a tiny HTTP file
// server for AIA fetches. Every start waits a bounded time; every server stops on destruction.

#include <atomic>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/test_pki.h"

namespace trustctl::testing {

class ServerProcess;
// True when something accepts TCP connections on 127.0.0.1:`port`.
bool portAccepts(int port);
// Waits (at most ~10 s) until `port` accepts, or throws with the process's log when it exits
// or never does: a server that does not start fails its test at once, with the reason.
void waitUntilListening(const ServerProcess& p, int port, const std::string& what);

// A port that was free a moment ago.
int freeLoopbackPort();

class ServerProcess {
 public:
  ServerProcess(const std::vector<std::string>& argv, const std::string& log_path);
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;
  bool running() const;
  int pid() const { return pid_; }
  std::string logTail() const;

 private:
  int pid_ = -1;
  mutable bool reaped_ = false;  // running() saw it end and collected it
  std::string log_path_;
};

struct TlsServerOptions {
  std::vector<CertificatePtr> chain;  // sent as given, leaf first
  PrivateKeyPtr key;
  std::vector<CertificatePtr> client_cas;  // non-empty: require a client certificate
  std::vector<std::string> extra_args;     // s_server only, e.g. {"-tls1", "-cipher", "..."}
  int port = 0;                            // s_server: this port instead of a free one
};

class TestServer {
 public:
  TestServer() = default;
  int port = 0;   // TLS port (slapd: ldaps, -1 when TLS is off)
  int port2 = 0;  // slapd: the ldap:// port
  std::string url(const std::string& scheme, int which_port = 0) const;

  std::unique_ptr<TempDir> dir;
  std::unique_ptr<ServerProcess> process;
};

std::unique_ptr<TestServer> startSServer(const TlsServerOptions& options);
std::unique_ptr<TestServer> startNginx(const TlsServerOptions& options, int workers = 1);
// Empty chain: no TLS configured at all (StartTLS unsupported), ldap:// only.
std::unique_ptr<TestServer> startSlapd(const TlsServerOptions& options);

enum class RawBehaviour { Silent, Trickle, PlainHttp, CloseAtOnce };

// An in-process listener that misbehaves as told, one thread, stopped on destruction.
class RawServer {
 public:
  explicit RawServer(RawBehaviour behaviour);
  ~RawServer();
  int port() const { return port_; }

 private:
  void serve();
  RawBehaviour behaviour_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// Serves fixed bodies by path over plain HTTP/1.0 (AIA caIssuers URLs).
class HttpFileServer {
 public:
  explicit HttpFileServer(std::map<std::string, std::string> files);
  ~HttpFileServer();
  std::string url(const std::string& path) const;

 private:
  void serve();
  std::map<std::string, std::string> files_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

// A port nothing listens on.
int closedLoopbackPort();

}  // namespace trustctl::testing
