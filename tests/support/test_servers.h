#pragma once
// Real and hostile TLS servers on 127.0.0.1 for integration tests of `trustctl probe`: openssl
// s_server, nginx and slapd run as child processes with a PKI made by TestPki, and in-process
// servers misbehave on purpose (silence, trickling bytes, plain HTTP, instant close). Every
// server stops in its destructor and every wait is bounded, so a broken server fails a test
// instead of hanging it.
//
// Child processes get SIGTERM when the thread that started them exits (PR_SET_PDEATHSIG), so a
// crashed test run leaves no server behind: start a server from the thread that outlives it.

#include <sys/types.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/test_pki.h"
#include "truststore/certificate.h"
#include "truststore/private_key.h"

// The inline namespace keeps these names apart, at link time, from the older harness in
// tests/support/servers.h that shares this library and namespace until the probe tests move
// over; sources still spell everything trustctl::testing::NAME.
namespace trustctl::testing::inline harness {

// A port on 127.0.0.1 that was free a moment ago (the kernel's choice for port 0). A server
// may still lose it to another process before binding; the start* functions retry that race.
int freeLoopbackPort();

// A port on 127.0.0.1 where nothing listens: connecting fails with ECONNREFUSED. The port
// stays reserved (bound, never listening) until the test process exits, so no server started
// later in the same run can be handed it.
int closedLoopbackPort();

// True when a TCP connection to 127.0.0.1:port succeeds within 200 ms.
bool loopbackPortAccepts(int port);
// True when some socket holds 127.0.0.1:port (so a server cannot bind it).
bool loopbackPortInUse(int port);

struct TlsServerOptions {
  // Sent as given: leaf first, then any intermediates (may be just the leaf).
  std::vector<truststore::CertificatePtr> chain;
  truststore::PrivateKeyPtr key;  // key of chain[0]
  // Non-empty: require a client certificate issued by one of these.
  std::vector<truststore::CertificatePtr> client_cas;
  // Serve only TLS 1.0 (with @SECLEVEL=0 so OpenSSL 3 agrees to), to provoke a mismatch.
  bool tls10_only = false;
};

// A running child process serving TLS on 127.0.0.1; stops on destruction (SIGTERM, up to 3 s,
// then SIGKILL of its whole process group).
class TestServer {
 public:
  virtual ~TestServer();
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;

  // The TLS port (slapd: the ldaps port, or the ldap port when no TLS is configured).
  int port() const { return primary_port_; }
  // Every port the child listens on, in the order the start function documents.
  const std::vector<int>& ports() const { return ports_; }
  // e.g. "https://127.0.0.1:PORT/" or "ldaps://127.0.0.1:PORT/".
  std::string url() const;
  pid_t pid() const { return pid_; }
  // The throwaway folder with the configuration, the PKI files and server.log.
  const TempDir& dir() const { return dir_; }
  // Everything the child wrote to stdout and stderr so far.
  std::string log() const;

 protected:
  TestServer() = default;

  // Builds the child's command line for one set of fresh ports.
  using CommandForPorts = std::function<std::vector<std::string>(const std::vector<int>& ports)>;
  // Starts the child with `port_count` fresh ports and waits until the first `ready_ports` of
  // them accept connections. A child that dies because a port was taken in the meantime is
  // restarted on new ports (3 attempts); any other failure throws std::runtime_error with the
  // tail of server.log.
  void launch(int port_count, int ready_ports, const CommandForPorts& command);
  void setPrimary(const std::string& scheme, int port) {
    scheme_ = scheme;
    primary_port_ = port;
  }
  // Writes a file only the owner can read (private keys), returns its path.
  std::string writePrivate(const std::string& name, const std::string& data) const;

 private:
  TempDir dir_;
  pid_t pid_ = -1;
  std::vector<int> ports_;
  std::string scheme_;
  int primary_port_ = -1;
};

// `openssl s_server -www` (answers HTTP 200 with its status page). ports(): {tls}.
std::unique_ptr<TestServer> startSServer(const TlsServerOptions& options);

// nginx with a throwaway configuration in its temp folder, answering `200 "ok\n"`. With
// client_cas it completes the handshake without a client certificate and answers HTTP 400 "No
// required SSL certificate was sent". TLS 1.2 and 1.3 unless tls10_only. ports(): {tls}.
std::unique_ptr<TestServer> startNginx(const TlsServerOptions& options, int worker_processes = 1);
// The same server listening on `port_count` ports at once (benchmarks); ports() has them all.
std::unique_ptr<TestServer> startNginxOnPorts(const TlsServerOptions& options, int port_count,
                                              int worker_processes = 1);

struct SlapdOptions {
  // Leaf first (+ intermediates); empty = no TLS configured at all (StartTLS unsupported).
  std::vector<truststore::CertificatePtr> chain;
  truststore::PrivateKeyPtr key;
  // Non-empty: olcTLSVerifyClient demand, with these as olcTLSCACertificateFile.
  std::vector<truststore::CertificatePtr> client_cas;
  // Optional GnuTLS priority string for olcTLSCipherSuite, e.g. "NORMAL:-VERS-TLS1.3".
  std::string cipher_suite;
};

// OpenLDAP slapd (GnuTLS) in the foreground with a cn=config built by slapadd and an empty
// back_mdb database "dc=example,dc=test" (root "cn=admin,dc=example,dc=test" / "secret").
// ports(): {ldap, ldaps}, or {ldap} without TLS.
class SlapdServer : public TestServer {
 public:
  explicit SlapdServer(const SlapdOptions& options);
  int ldapPort() const { return ports()[0]; }
  int ldapsPort() const { return ports().size() > 1 ? ports()[1] : -1; }
  std::string ldapUrl() const;   // ldap://127.0.0.1:P/
  std::string ldapsUrl() const;  // ldaps://127.0.0.1:Q/ ("" without TLS)
};

std::unique_ptr<SlapdServer> startSlapd(const SlapdOptions& options);

enum class RawBehaviour {
  Silent,       // accepts and never sends a byte (the client must time out)
  Trickle,      // sends one byte per second of a TLS-looking record, until stopped
  PlainHttp,    // reads up to 4 KiB, answers "HTTP/1.1 400 Bad Request" and closes
  CloseAtOnce,  // accepts and closes immediately
};

class LoopbackLoop;     // the poll() thread shared by the in-process servers
struct HttpRequestLog;  // what an HttpFileServer was asked for, filled by its loop thread

// A hostile in-process server: one thread polling a listening socket (50 ms ticks), stopped
// and joined in the destructor.
class RawServer {
 public:
  explicit RawServer(RawBehaviour behaviour);
  ~RawServer();
  RawServer(const RawServer&) = delete;
  RawServer& operator=(const RawServer&) = delete;
  int port() const;
  std::string url(const std::string& scheme) const;  // scheme://127.0.0.1:PORT/
  int acceptedConnections() const;

 private:
  std::unique_ptr<LoopbackLoop> loop_;
};

std::unique_ptr<RawServer> startRawServer(RawBehaviour behaviour);

// A tiny HTTP/1.x server for AIA caIssuers fetches: GET of a known path answers 200 with its
// body, anything else 404; every answer closes the connection.
class HttpFileServer {
 public:
  explicit HttpFileServer(std::map<std::string, std::string> path_to_body);
  ~HttpFileServer();
  HttpFileServer(const HttpFileServer&) = delete;
  HttpFileServer& operator=(const HttpFileServer&) = delete;
  int port() const;
  std::string url(const std::string& path) const;  // http://127.0.0.1:PORT + path
  // Request targets received so far, in order (so tests can prove a fetch did or did not happen).
  std::vector<std::string> requests() const;

 private:
  std::shared_ptr<HttpRequestLog> requests_;  // before loop_: the loop thread writes into it
  std::unique_ptr<LoopbackLoop> loop_;
};

// Output of a program run by runProgram.
struct ProgramResult {
  int exit_code = -1;  // -1 when killed by a signal (including the timeout)
  bool timed_out = false;
  std::string output;  // stdout and stderr, interleaved as written
};

// Runs a program without a shell (found on PATH, /usr/sbin or /sbin), stdin from /dev/null,
// `env` added to the environment, killed after `timeout_ms`. For driving real clients such as
// openssl s_client, curl and ldapsearch against the servers above.
ProgramResult runProgram(const std::vector<std::string>& argv,
                         const std::map<std::string, std::string>& env = {},
                         int timeout_ms = 10000);

}  // namespace trustctl::testing::inline harness
