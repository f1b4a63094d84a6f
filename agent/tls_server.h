#pragma once
// TLS for the agent's own endpoint: a TlsServerContext is the server side built from one
// server certificate's files (fullchain.pem + privkey.pem, server_cert.h), TLS 1.2 and newer
// only; a TlsStream is one non-blocking server session on an accepted socket, driven by the
// listener's poll loop (it reports what it waits for, it never blocks or polls itself).
// OpenSSL stays in tls_server.cc: callers see these two types. No client certificates, no
// SNI switching (one certificate per endpoint), no renegotiation.

#include <memory>
#include <string>
#include <string_view>

#include "truststore/error.h"

namespace trustctl::agent {

// What a TLS step needs to go on, or how it ended.
enum class TlsIo {
  Done,       // the step is complete (handshake established, all written, read limit hit)
  WantRead,   // call again when the socket is readable
  WantWrite,  // call again when the socket is writable
  Closed,     // the peer closed (close_notify or EOF)
  Failed,     // a protocol error (e.g. plain HTTP on the TLS port), the connection is unusable
};

class TlsStream;

class TlsServerContext {
 public:
  // Loads `dir`/fullchain.pem (leaf first) and `dir`/privkey.pem. Fails with FileNotFound
  // naming the missing file, ServerKeyMismatch when the key is not the leaf's, Crypto when
  // OpenSSL refuses the material. Reads each file once; the key's bytes are wiped after use.
  static Result<std::shared_ptr<const TlsServerContext>> load(const std::string& dir);
  ~TlsServerContext();
  TlsServerContext(const TlsServerContext&) = delete;
  TlsServerContext& operator=(const TlsServerContext&) = delete;

  // A server session on the accepted non-blocking socket `fd`, which the caller keeps owning
  // and closes after the stream is gone. The session holds its own reference to the
  // context's credentials, so the context may be replaced while sessions run. Fails: Crypto.
  Result<std::unique_ptr<TlsStream>> newStream(int fd) const;
  // Lowercase hex SHA-256 of fullchain.pem's bytes (change detection) and of the leaf's DER.
  const std::string& fullchainSha256() const { return fullchain_sha256_; }
  const std::string& leafSha256() const { return leaf_sha256_; }

 private:
  struct Impl;
  TlsServerContext();
  std::unique_ptr<Impl> impl_;
  std::string fullchain_sha256_;
  std::string leaf_sha256_;
};

class TlsStream {
 public:
  ~TlsStream();
  TlsStream(const TlsStream&) = delete;
  TlsStream& operator=(const TlsStream&) = delete;

  // Drives the server handshake: Done once established, WantRead/WantWrite to go on, Closed
  // or Failed (failure() says why, for a log line).
  TlsIo handshake();
  // Appends the decrypted bytes available now to `into` until it holds `limit` bytes (Done)
  // or nothing more is there (WantRead, or WantWrite during a key update).
  TlsIo read(std::string& into, size_t limit);
  // Writes from data[sent...]; advances `sent`. Done when everything was written.
  TlsIo write(std::string_view data, size_t& sent);
  // Sends close_notify once, best effort, without waiting for the peer's.
  void shutdown();
  // The last failure as one line ("" when none).
  const std::string& failure() const { return failure_; }

 private:
  friend class TlsServerContext;
  struct Impl;
  explicit TlsStream(std::unique_ptr<Impl> impl);
  TlsIo classify(int rc);
  std::unique_ptr<Impl> impl_;
  std::string failure_;
};

}  // namespace trustctl::agent
