#pragma once
// trustctl's runtime library: what a connector process links to load the trust and client
// identity trustctl keeps for it, and to pick up changes without a restart.
//
//   auto trust = trustctl::runtime::ConnectorTrust::open("/var/lib/trustctl", "erp-api");
//   if (!trust) { log(trust.error().message); return; }
//   trustctl::runtime::configureCurl(easy, **trust);   // or configureSsl / configureLdap
//
// Every new connection asks current(), which costs one readlink(2) of <store>/current and,
// only when the store moved to a new generation, one stat(2) of the connector's manifest. When
// the connector's files changed, the new trust is loaded aside and swapped in atomically:
// connections in flight keep the snapshot they started with, a half-loaded trust is never
// visible, and a load that fails keeps the last good trust and reports why.
//
// Trust is explicit and partial-chain: a trusted root, intermediate or server certificate is
// each enough, as `trustctl connector trust` promises.

#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "truststore/error.h"

namespace trustctl::runtime {

// One immutable generation of a connector's trust and identity. Shared by every connection
// that started while it was current; freed when the last of them ends.
class TrustSnapshot {
 public:
  struct Impl;
  explicit TrustSnapshot(std::unique_ptr<Impl> impl);
  ~TrustSnapshot();
  TrustSnapshot(const TrustSnapshot&) = delete;
  TrustSnapshot& operator=(const TrustSnapshot&) = delete;

  // The store generation the files were read from.
  std::uint64_t generation() const;
  size_t anchorCount() const;
  bool hasIdentity() const;
  // Partial-chain store over the anchors; borrowed, valid while the snapshot lives. Take a
  // reference (X509_STORE_up_ref, SSL_CTX_set1_cert_store) to keep it longer.
  X509_STORE* x509Store() const;
  // The identity's certificate chain (leaf first) and key, or null without an identity.
  X509* identityCertificate() const;
  std::vector<X509*> identityChain() const;  // certificates after the leaf
  EVP_PKEY* identityKey() const;

  const Impl& impl() const { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};
using TrustSnapshotPtr = std::shared_ptr<const TrustSnapshot>;

// The verdict on a presented chain, for logs and for callers that verify themselves.
struct Verdict {
  bool ok = false;
  int x509_error = 0;            // X509_V_ERR_*, 0 when ok
  std::string reason;            // "" when ok, else one sentence
  std::uint64_t generation = 0;  // the trust generation that judged it
};

struct TrustOptions {
  // Called after a reload failed; the last good trust stays in use. Not called again for the
  // same failing generation.
  std::function<void(const Error&)> on_reload_error;
  // Called after a new generation of the connector's trust is in use.
  std::function<void(std::uint64_t generation)> on_reload;
};

class ConnectorTrust {
 public:
  // Loads the connector's current trust from a trustctl store directory. Fails with
  // ConnectorNotFound, StoreCorrupt or Io, each naming the path; nothing is retried later.
  static Result<std::unique_ptr<ConnectorTrust>> open(const std::string& store_dir,
                                                      const std::string& connector,
                                                      TrustOptions options = {});
  ~ConnectorTrust();
  ConnectorTrust(const ConnectorTrust&) = delete;
  ConnectorTrust& operator=(const ConnectorTrust&) = delete;

  const std::string& storeDir() const { return store_dir_; }
  const std::string& connector() const { return connector_; }

  // The trust a new connection must use: checks the store for a change (cheap) and reloads
  // when the connector's files changed. Thread-safe: one caller loads, callers that arrive
  // during that load wait for it (so a connection after a change gets the new trust), and
  // connections already holding a snapshot never wait.
  TrustSnapshotPtr current();
  // The snapshot in use, without checking the store.
  TrustSnapshotPtr loaded() const;
  // Why the newest generation could not be loaded, while an older one stays in use.
  std::optional<Error> lastReloadError() const;

  // Verifies a presented chain (DER, leaf first) for `host` (DNS name or IP literal; "" skips
  // the name check) at the current time, against the current trust.
  Verdict verify(const std::vector<std::string>& chain_der, const std::string& host);
  Verdict verify(const TrustSnapshot& snapshot, const std::vector<std::string>& chain_der,
                 const std::string& host) const;

  // Configures one connection: the current trust, peer verification on, the host name to
  // check, and the identity when the connector has one. Call once per new SSL.
  Result<void> configureSsl(SSL* ssl, const std::string& host);
  // Configures a context with the current trust and identity. A context keeps the snapshot it
  // got: call again (or use configureSsl per connection) to follow reloads.
  Result<void> configureSslCtx(SSL_CTX* ctx);

 private:
  ConnectorTrust(std::string store_dir, std::string connector, TrustOptions options,
                 TrustSnapshotPtr first);
  void reloadIfChanged(std::uint64_t generation);
  // True when `generation` was checked already and no failed load is due for a retry. Called
  // with snapshot_mutex_ held.
  bool upToDateLocked(std::uint64_t generation) const;

  const std::string store_dir_;
  const std::string connector_;
  const TrustOptions options_;
  mutable std::mutex snapshot_mutex_;  // guards the three fields below; held for a copy only
  TrustSnapshotPtr snapshot_;
  std::uint64_t checked_generation_ = 0;
  std::optional<Error> reload_error_;
  std::int64_t retry_failed_at_ = 0;  // steady-clock ms after which a failed load is retried
  std::mutex reload_mutex_;           // one load at a time; never held while a snapshot is in use
};

// One line for logs: the error's stable code name, then its sentence.
std::string describeError(const Error& error);

// Applies `snapshot`'s identity (certificate, chain, key) to a context or connection.
Result<void> useIdentity(SSL_CTX* ctx, const TrustSnapshot& snapshot);
Result<void> useIdentity(SSL* ssl, const TrustSnapshot& snapshot);

}  // namespace trustctl::runtime
