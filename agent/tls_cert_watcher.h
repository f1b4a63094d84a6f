#pragma once
// The agent's own server certificate followed across store generations: the TLS context its
// endpoint hands new connections, reloaded without a restart when a new generation carries
// different files for that certificate (a renewal, a re-issue, a re-upload). Connections
// already open keep the context they started with. It reads the files of one generation
// (generations/N/server-certs/NAME/), never the `current` link, so a key and a chain always
// come from the same generation. Not thread-safe: one thread (the listener's) calls current().

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "agent/tls_server.h"
#include "truststore/error.h"
#include "truststore/store.h"

namespace trustctl::agent {

class TlsCertWatcher {
 public:
  // `problem`: a reload failed (an error for the log), else a switch (information).
  using Logger = std::function<void(bool problem, const std::string& line)>;

  // `check_every` bounds how often current() looks at the store (one readlink per look).
  TlsCertWatcher(truststore::Store store, std::string name,
                 std::chrono::milliseconds check_every = std::chrono::milliseconds(1000));

  // Loads the certificate from the current generation. Fails with ServerCertNotFound (one
  // line naming it and 'trustctl server-cert list') when the store has none of that name, or
  // with what loading its files gave (FileNotFound, ServerKeyMismatch, Crypto).
  Result<void> start();
  // The context for a new connection. When the store's generation changed since the last
  // look (at most every `check_every`), loads that generation's files and switches when the
  // chain's bytes differ; a generation that lacks them or holds broken ones keeps the last
  // good context and is reported once through the logger. Call start() first.
  std::shared_ptr<const TlsServerContext> current();
  // Called on the thread that calls current(), one line per switch or failed reload.
  void setLogger(Logger logger) { logger_ = std::move(logger); }

  const std::string& name() const { return name_; }
  // The SHA-256 of the leaf being served.
  std::string leafSha256() const { return context_ ? context_->leafSha256() : ""; }

 private:
  std::string dirOf(std::uint64_t generation) const;

  truststore::Store store_;
  std::string name_;
  std::chrono::milliseconds check_every_;
  std::chrono::steady_clock::time_point next_check_{};
  std::uint64_t generation_ = 0;  // the last one looked at
  std::shared_ptr<const TlsServerContext> context_;
  Logger logger_;
};

}  // namespace trustctl::agent
