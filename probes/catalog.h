#pragma once
// Certificates that are known but not trusted: the system CA bundle, --catalog files, the
// library's entries, other connectors' trust, and issuers fetched from AIA URLs. Diagnosis uses
// them only to name the certificate to recommend; trust comes from the connector alone.
// Sources added as paths or loaders are read only when the shell calls load(), so a probe
// that succeeds never pays for reading the system bundle, and lookups (done by the pure
// diagnosis) never touch a file.

#include <deque>
#include <functional>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "truststore/certificate.h"
#include "truststore/error.h"

namespace trustctl::probes {

struct KnownCertificate {
  truststore::CertificatePtr cert;
  std::string source;  // "catalog", "library", "connector:NAME", "aia", "presented"
  std::string entry;   // the library entry holding it, "" when none
};

class Catalog {
 public:
  // The first source to add a certificate names it (add the library before files).
  void add(const truststore::CertificatePtr& cert, const std::string& source,
           const std::string& entry = "");
  // A PEM/DER/PKCS#7 file, or every such file directly in a directory. Read by load();
  // unreadable files in a directory are skipped, an unreadable named file is reported by
  // checkPath().
  void addPathLazily(const std::string& path, const std::string& source);
  // A loader run by load() (e.g. the library's entries, read from the store only when
  // a diagnosis needs them).
  void addLoaderLazily(std::function<std::vector<KnownCertificate>()> loader);
  // Fails with a one-line error when `path` is neither a readable certificate file nor a
  // directory (for --catalog, checked before probing).
  static Result<void> checkPath(const std::string& path);

  // Reads every source added lazily (files, loaders). The only call here that does I/O.
  void load() const;
  // True when nothing is left to load.
  bool loaded() const;
  // Known certificates whose key signed `child`, best source first.
  std::vector<KnownCertificate> issuersOf(const truststore::Certificate& child) const;
  // Loaded certificates whose subject equals `subject` (RFC 2253 text).
  std::vector<KnownCertificate> withSubject(const std::string& subject) const;
  size_t size() const;

 private:
  void loadPending() const;
  void addLocked(const truststore::CertificatePtr& cert, const std::string& source,
                 const std::string& entry) const;
  mutable std::mutex mutex_;
  mutable std::vector<std::pair<std::string, std::string>> pending_;  // path, source
  mutable std::vector<std::function<std::vector<KnownCertificate>()>> loaders_;
  mutable std::deque<KnownCertificate> items_;
  mutable std::unordered_multimap<std::string, size_t> by_subject_;
  mutable std::unordered_map<std::string, size_t> by_sha256_;
};

// Debian's system bundle (/etc/ssl/certs/ca-certificates.crt), or "" when absent.
std::string systemCaBundlePath();

}  // namespace trustctl::probes
