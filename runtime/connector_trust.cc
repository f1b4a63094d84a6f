#include "runtime/connector_trust.h"

#include <chrono>

#include "runtime/snapshot_loader.h"
#include "runtime/trust_snapshot_impl.h"
#include "truststore/chain_verifier.h"
#include "truststore/time_util.h"

namespace trustctl::runtime {

using runtime_internal::loadSnapshot;
using runtime_internal::readCurrentGeneration;
using runtime_internal::sameManifest;

namespace {

// A generation that failed to load is tried again after this long, in case the failure was
// passing (a full disk, too many open files); a new generation is tried at once.
constexpr std::int64_t kRetryFailedLoadMs = 5000;

std::int64_t steadyMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

// A writer may collect the generation `current` pointed at between our readlink and our
// reads; the newest generation is then read instead.
Result<TrustSnapshotPtr> loadNewest(const std::string& store_dir, std::uint64_t generation,
                                    const std::string& connector) {
  Result<TrustSnapshotPtr> loaded = loadSnapshot(store_dir, generation, connector);
  for (int attempt = 0; attempt < 3 && !loaded; ++attempt) {
    std::uint64_t now_current = readCurrentGeneration(store_dir);
    if (now_current == generation) {
      break;
    }
    generation = now_current;
    loaded = loadSnapshot(store_dir, generation, connector);
  }
  return loaded;
}

}  // namespace

TrustSnapshot::TrustSnapshot(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TrustSnapshot::~TrustSnapshot() = default;
std::uint64_t TrustSnapshot::generation() const {
  return impl_->generation;
}
size_t TrustSnapshot::anchorCount() const {
  return impl_->anchors->size();
}
bool TrustSnapshot::hasIdentity() const {
  return !impl_->identity_chain.empty();
}
X509_STORE* TrustSnapshot::x509Store() const {
  return impl_->store.get();
}
X509* TrustSnapshot::identityCertificate() const {
  return hasIdentity() ? impl_->identity_chain.front()->x509() : nullptr;
}
std::vector<X509*> TrustSnapshot::identityChain() const {
  std::vector<X509*> out;
  for (size_t i = 1; i < impl_->identity_chain.size(); ++i) {
    out.push_back(impl_->identity_chain[i]->x509());
  }
  return out;
}
EVP_PKEY* TrustSnapshot::identityKey() const {
  return impl_->identity_key ? impl_->identity_key->evp() : nullptr;
}

Result<std::unique_ptr<ConnectorTrust>> ConnectorTrust::open(const std::string& store_dir,
                                                             const std::string& connector,
                                                             TrustOptions options) {
  auto first = loadNewest(store_dir, readCurrentGeneration(store_dir), connector);
  if (!first) {
    return tl::unexpected(first.error());
  }
  return std::unique_ptr<ConnectorTrust>(
      new ConnectorTrust(store_dir, connector, std::move(options), *first));
}

ConnectorTrust::ConnectorTrust(std::string store_dir, std::string connector, TrustOptions options,
                               TrustSnapshotPtr first)
    : store_dir_(std::move(store_dir)),
      connector_(std::move(connector)),
      options_(std::move(options)),
      snapshot_(std::move(first)) {
  checked_generation_ = snapshot_->generation();
}

ConnectorTrust::~ConnectorTrust() = default;

TrustSnapshotPtr ConnectorTrust::loaded() const {
  std::lock_guard<std::mutex> lock(snapshot_mutex_);
  return snapshot_;
}

std::optional<Error> ConnectorTrust::lastReloadError() const {
  std::lock_guard<std::mutex> lock(snapshot_mutex_);
  return reload_error_;
}

TrustSnapshotPtr ConnectorTrust::current() {
  std::uint64_t generation = readCurrentGeneration(store_dir_);
  {
    std::lock_guard<std::mutex> lock(snapshot_mutex_);
    if (upToDateLocked(generation)) {
      return snapshot_;
    }
  }
  reloadIfChanged(generation);
  return loaded();
}

bool ConnectorTrust::upToDateLocked(std::uint64_t generation) const {
  bool retry_due = reload_error_ && steadyMs() >= retry_failed_at_;
  return generation == checked_generation_ && !retry_due;
}

void ConnectorTrust::reloadIfChanged(std::uint64_t generation) {
  // A connection that starts after a change waits for the load in progress, so it is sure to
  // get the new trust; connections already running hold their snapshot and never wait.
  std::lock_guard<std::mutex> reloading(reload_mutex_);
  TrustSnapshotPtr previous;
  {
    std::lock_guard<std::mutex> lock(snapshot_mutex_);
    if (upToDateLocked(generation)) {
      return;  // another thread did it while we waited
    }
    previous = snapshot_;
  }
  if (generation != 0 && sameManifest(*previous, store_dir_, generation, connector_)) {
    std::lock_guard<std::mutex> lock(snapshot_mutex_);
    checked_generation_ = generation;  // another connector changed; ours is the same files
    reload_error_.reset();
    return;
  }
  auto next = loadNewest(store_dir_, generation, connector_);
  if (!next) {
    bool is_new_failure = false;
    {
      std::lock_guard<std::mutex> lock(snapshot_mutex_);
      is_new_failure = !reload_error_ || reload_error_->message != next.error().message;
      checked_generation_ = generation;
      reload_error_ = next.error();
      retry_failed_at_ = steadyMs() + kRetryFailedLoadMs;
    }
    if (is_new_failure && options_.on_reload_error) {
      options_.on_reload_error(next.error());
    }
    return;
  }
  std::uint64_t loaded_generation = (*next)->generation();
  {
    std::lock_guard<std::mutex> lock(snapshot_mutex_);
    snapshot_ = *next;
    checked_generation_ = loaded_generation;
    reload_error_.reset();
  }
  if (options_.on_reload) {
    options_.on_reload(loaded_generation);
  }
}

std::string describeError(const Error& error) {
  return errorCodeName(error.code) + ": " + error.message;
}

Verdict ConnectorTrust::verify(const std::vector<std::string>& chain_der, const std::string& host) {
  return verify(*current(), chain_der, host);
}

Verdict ConnectorTrust::verify(const TrustSnapshot& snapshot,
                               const std::vector<std::string>& chain_der,
                               const std::string& host) const {
  Verdict verdict;
  verdict.generation = snapshot.generation();
  if (chain_der.empty()) {
    verdict.x509_error = X509_V_ERR_UNSPECIFIED;
    verdict.reason = "the server presented no certificate";
    return verdict;
  }
  std::vector<truststore::CertificatePtr> presented;
  for (size_t i = 0; i < chain_der.size(); ++i) {
    auto cert = truststore::Certificate::parseDer(chain_der[i]);
    if (!cert) {
      verdict.x509_error = X509_V_ERR_UNSPECIFIED;
      verdict.reason =
          "certificate " + std::to_string(i) + " the server presented is not valid DER";
      return verdict;
    }
    presented.push_back(*cert);
  }
  truststore::VerifyOptions options;
  options.now = wallClockNow();
  options.host = host;
  truststore::VerifyOutcome outcome =
      truststore::verifyChain(presented, *snapshot.impl().anchors, options);
  verdict.ok = outcome.ok;
  verdict.x509_error = outcome.error;
  if (!outcome.ok) {
    std::string about;
    if (truststore::CertificatePtr at = outcome.failedCertificate()) {
      about = " (" + at->info().subject + ")";
    }
    verdict.reason = "connector '" + connector_ +
                     "' does not accept the server's chain: " + outcome.error_text + about;
  }
  return verdict;
}

Result<void> useIdentity(SSL_CTX* ctx, const TrustSnapshot& snapshot) {
  if (!snapshot.hasIdentity()) {
    return {};
  }
  SSL_CTX_clear_chain_certs(ctx);
  bool ok = SSL_CTX_use_certificate(ctx, snapshot.identityCertificate()) == 1 &&
            SSL_CTX_use_PrivateKey(ctx, snapshot.identityKey()) == 1;
  for (X509* c : snapshot.identityChain()) {
    ok = ok && SSL_CTX_add1_chain_cert(ctx, c) == 1;
  }
  if (!ok) {
    return fail(ErrorCode::Crypto,
                "OpenSSL refused the connector's identity: " + ossl::drainErrors());
  }
  return {};
}

Result<void> useIdentity(SSL* ssl, const TrustSnapshot& snapshot) {
  if (!snapshot.hasIdentity()) {
    return {};
  }
  SSL_clear_chain_certs(ssl);
  bool ok = SSL_use_certificate(ssl, snapshot.identityCertificate()) == 1 &&
            SSL_use_PrivateKey(ssl, snapshot.identityKey()) == 1;
  for (X509* c : snapshot.identityChain()) {
    ok = ok && SSL_add1_chain_cert(ssl, c) == 1;
  }
  if (!ok) {
    return fail(ErrorCode::Crypto,
                "OpenSSL refused the connector's identity: " + ossl::drainErrors());
  }
  return {};
}

Result<void> ConnectorTrust::configureSsl(SSL* ssl, const std::string& host) {
  TrustSnapshotPtr snapshot = current();
  if (SSL_set1_verify_cert_store(ssl, snapshot->x509Store()) != 1) {
    return fail(ErrorCode::Crypto, "could not set the trust store: " + ossl::drainErrors());
  }
  SSL_set_verify(ssl, SSL_VERIFY_PEER, nullptr);
  if (!host.empty()) {
    // SNI carries DNS names only, never an IP literal (RFC 6066, section 3).
    bool ok = truststore::expectHost(SSL_get0_param(ssl), host) &&
              (truststore::isIpLiteral(host) || SSL_set_tlsext_host_name(ssl, host.c_str()) == 1);
    if (!ok) {
      return fail(ErrorCode::InvalidArgument, "'" + host + "' is not a valid host name");
    }
  }
  return useIdentity(ssl, *snapshot);
}

Result<void> ConnectorTrust::configureSslCtx(SSL_CTX* ctx) {
  TrustSnapshotPtr snapshot = current();
  SSL_CTX_set1_cert_store(ctx, snapshot->x509Store());
  SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, nullptr);
  return useIdentity(ctx, *snapshot);
}

}  // namespace trustctl::runtime
