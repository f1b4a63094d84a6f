#pragma once
// A client identity written to files for a library that loads keys from files only (libldap):
// a fresh 0700 folder under $TMPDIR (or /tmp) holding the chain as PEM (0644) and the key as
// PKCS#8 PEM (0600). The folder and both files are removed with the object.

#include <memory>
#include <string>
#include <vector>

#include "truststore/certificate.h"
#include "truststore/error.h"
#include "truststore/private_key.h"

namespace trustctl::truststore {

class TemporaryIdentityFiles {
 public:
  // `chain` is leaf first. The key's PEM text is wiped from memory once written.
  static Result<std::unique_ptr<TemporaryIdentityFiles>> write(
      const std::vector<CertificatePtr>& chain, const PrivateKey& key);
  ~TemporaryIdentityFiles();
  TemporaryIdentityFiles(const TemporaryIdentityFiles&) = delete;
  TemporaryIdentityFiles& operator=(const TemporaryIdentityFiles&) = delete;

  std::string certPath() const { return dir_ + "/identity.pem"; }
  std::string keyPath() const { return dir_ + "/identity.key"; }

 private:
  explicit TemporaryIdentityFiles(std::string dir) : dir_(std::move(dir)) {}
  std::string dir_;
};

}  // namespace trustctl::truststore
