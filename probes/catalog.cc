#include "probes/catalog.h"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>

#include "truststore/certificate_importer.h"

namespace trustctl::probes {

namespace {

std::vector<truststore::CertificatePtr> readCertificates(const std::string& path) {
  auto certs = truststore::readCertificatesFromFile(path);
  return certs ? *certs : std::vector<truststore::CertificatePtr>{};
}

}  // namespace

std::string systemCaBundlePath() {
  const char* path = "/etc/ssl/certs/ca-certificates.crt";
  struct stat st {};
  return stat(path, &st) == 0 ? path : "";
}

void Catalog::add(const truststore::CertificatePtr& cert, const std::string& source,
                  const std::string& entry) {
  std::lock_guard<std::mutex> lock(mutex_);
  addLocked(cert, source, entry);
}

void Catalog::addLocked(const truststore::CertificatePtr& cert, const std::string& source,
                        const std::string& entry) const {
  if (!cert || by_sha256_.count(cert->sha256())) {
    return;
  }
  items_.push_back({cert, source, entry});
  by_subject_.emplace(cert->info().subject, items_.size() - 1);
  by_sha256_.emplace(cert->sha256(), items_.size() - 1);
}

void Catalog::addPathLazily(const std::string& path, const std::string& source) {
  std::lock_guard<std::mutex> lock(mutex_);
  pending_.emplace_back(path, source);
}

void Catalog::addLoaderLazily(std::function<std::vector<KnownCertificate>()> loader) {
  std::lock_guard<std::mutex> lock(mutex_);
  loaders_.push_back(std::move(loader));
}

Result<void> Catalog::checkPath(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    return {};
  }
  auto certs = truststore::readCertificatesFromFile(path);
  if (!certs) {
    return tl::unexpected(certs.error());
  }
  return {};
}

void Catalog::loadPending() const {
  // Called with mutex_ held. Loaders first: they hold the library, the preferred source.
  auto loaders = std::move(loaders_);
  loaders_.clear();
  for (const auto& loader : loaders) {
    for (const auto& known : loader()) {
      addLocked(known.cert, known.source, known.entry);
    }
  }
  auto pending = std::move(pending_);
  pending_.clear();
  for (const auto& [path, source] : pending) {
    std::error_code ec;
    std::vector<std::string> files;
    if (std::filesystem::is_directory(path, ec)) {
      for (const auto& e : std::filesystem::directory_iterator(path, ec)) {
        if (e.is_regular_file(ec)) {
          files.push_back(e.path().string());
        }
      }
      std::sort(files.begin(), files.end());
    } else {
      files.push_back(path);
    }
    for (const auto& file : files) {
      for (const auto& cert : readCertificates(file)) {
        addLocked(cert, source, "");
      }
    }
  }
}

void Catalog::load() const {
  std::lock_guard<std::mutex> lock(mutex_);
  loadPending();
}

bool Catalog::loaded() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return loaders_.empty() && pending_.empty();
}

std::vector<KnownCertificate> Catalog::withSubject(const std::string& subject) const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::vector<KnownCertificate> out;
  auto [begin, end] = by_subject_.equal_range(subject);
  std::vector<size_t> slots;
  for (auto it = begin; it != end; ++it) {
    slots.push_back(it->second);
  }
  std::sort(slots.begin(), slots.end());  // insertion order = source preference
  for (size_t slot : slots) {
    out.push_back(items_[slot]);
  }
  return out;
}

std::vector<KnownCertificate> Catalog::issuersOf(const truststore::Certificate& child) const {
  std::vector<KnownCertificate> out;
  for (auto& known : withSubject(child.info().issuer)) {
    if (known.cert->sha256() != child.sha256() && known.cert->isIssuerOf(child)) {
      out.push_back(std::move(known));
    }
  }
  return out;
}

size_t Catalog::size() const {
  std::lock_guard<std::mutex> lock(mutex_);
  loadPending();
  return items_.size();
}

}  // namespace trustctl::probes
