#include "agent/tls_cert_watcher.h"

#include <sys/stat.h>

#include "truststore/server_cert.h"

namespace trustctl::agent {

TlsCertWatcher::TlsCertWatcher(truststore::Store store, std::string name,
                               std::chrono::milliseconds check_every)
    : store_(std::move(store)), name_(std::move(name)), check_every_(check_every) {}

std::string TlsCertWatcher::dirOf(std::uint64_t generation) const {
  return store_.serverCertDir(generation, name_);
}

Result<void> TlsCertWatcher::start() {
  std::uint64_t generation = store_.currentGeneration();
  std::string dir = dirOf(generation);
  struct stat st {};
  if (generation == 0 || ::stat(dir.c_str(), &st) != 0) {
    return fail(ErrorCode::ServerCertNotFound,
                "tls server certificate '" + name_ + "': the store " + store_.dir() +
                    " has no server certificate of that name; see 'trustctl server-cert list' "
                    "(issue one with 'trustctl ca issue CA --domain HOST --name " +
                    name_ + " --server-cert')");
  }
  auto loaded = TlsServerContext::load(dir);
  if (!loaded) {
    Error e = loaded.error();
    e.message = "tls server certificate '" + name_ + "': " + e.message;
    return tl::unexpected(e);
  }
  context_ = std::move(*loaded);
  generation_ = generation;
  next_check_ = std::chrono::steady_clock::now() + check_every_;
  return {};
}

std::shared_ptr<const TlsServerContext> TlsCertWatcher::current() {
  auto now = std::chrono::steady_clock::now();
  if (now < next_check_) {
    return context_;
  }
  next_check_ = now + check_every_;
  std::uint64_t generation = store_.currentGeneration();
  if (generation == generation_ || generation == 0) {
    return context_;
  }
  generation_ = generation;  // a broken generation is reported once, not at every look
  auto loaded = TlsServerContext::load(dirOf(generation));
  if (!loaded) {
    if (logger_) {
      logger_(true, "tls server certificate '" + name_ + "' in generation " +
                        std::to_string(generation) + ": " + loaded.error().message +
                        "; still serving sha256 " + leafSha256());
    }
    return context_;
  }
  if ((*loaded)->fullchainSha256() != context_->fullchainSha256()) {
    if (logger_) {
      logger_(false, "tls server certificate '" + name_ + "' changed: new connections get sha256 " +
                         (*loaded)->leafSha256() + " (was " + leafSha256() + ")");
    }
    context_ = std::move(*loaded);
  }
  return context_;
}

}  // namespace trustctl::agent
