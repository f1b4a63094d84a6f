#include "truststore/temporary_identity_files.h"

#include <stdlib.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "truststore/file_util.h"

namespace trustctl::truststore {

Result<std::unique_ptr<TemporaryIdentityFiles>> TemporaryIdentityFiles::write(
    const std::vector<CertificatePtr>& chain, const PrivateKey& key) {
  const char* tmp = ::getenv("TMPDIR");
  std::string pattern = std::string(tmp && *tmp ? tmp : "/tmp") + "/trustctl-identity-XXXXXX";
  if (!::mkdtemp(pattern.data())) {
    return fail(ErrorCode::Io, "could not create a private temporary folder in " + pattern +
                                   "; check that TMPDIR is writable");
  }
  // Owned from here, so the folder goes away on every return below.
  std::unique_ptr<TemporaryIdentityFiles> files(new TemporaryIdentityFiles(pattern));
  std::string chain_pem;
  for (const auto& c : chain) {
    chain_pem += c->pem();
  }
  std::string key_pem = key.pkcs8Pem();
  auto wrote_cert = writeFileAtomic(files->certPath(), chain_pem, 0644);
  auto wrote_key = writeFileAtomic(files->keyPath(), key_pem, 0600);
  OPENSSL_cleanse(key_pem.data(), key_pem.size());
  if (!wrote_cert || !wrote_key) {
    return fail(ErrorCode::Io, "could not write the identity for libldap under " + pattern);
  }
  return files;
}

TemporaryIdentityFiles::~TemporaryIdentityFiles() {
  ::unlink(certPath().c_str());
  ::unlink(keyPath().c_str());
  ::rmdir(dir_.c_str());
}

}  // namespace trustctl::truststore
