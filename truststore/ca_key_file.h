#pragma once
// The built-in CA's private keys at rest: encrypted PKCS#8 (PBES2, AES-256-CBC, scrypt
// N=2^14 r=8 p=1) in 0600 files under <store>/ca/<name>/, and the passphrase that opens them,
// read from a file the operator names or from the systemd credential
// $CREDENTIALS_DIRECTORY/trustctl-ca-passphrase. A CA key never reaches disk in plaintext and
// the passphrase never comes from argv. It does not create certificates (builtin_ca.h).

#include <map>
#include <string>
#include <string_view>

#include "truststore/error.h"
#include "truststore/private_key.h"

namespace trustctl::truststore {

// The systemd credential name (LoadCredential=trustctl-ca-passphrase:/etc/...).
inline constexpr std::string_view kCaPassphraseCredential = "trustctl-ca-passphrase";
// Shorter passphrases are refused when a CA is created: scrypt slows guessing, it cannot
// make a four-letter word strong.
inline constexpr size_t kMinCaPassphraseBytes = 12;

// Reads the passphrase: `file` when not empty, else the systemd credential. The file must be
// a regular file of at most kMaxPasswordFileBytes that neither group nor others can read
// (mode & 077 == 0); its first line is the passphrase. Fails with PasswordRequired (no file,
// no credential), InvalidArgument (readable by others, empty), or readUserFile's errors.
Result<std::string> readCaPassphrase(const std::string& file);

// PEM "ENCRYPTED PRIVATE KEY" of `key` under `passphrase`. Fails with Crypto.
Result<std::string> encryptCaKey(const PrivateKey& key, const std::string& passphrase);
// Opens what encryptCaKey wrote. Fails with WrongPassword (the passphrase does not open it),
// StoreCorrupt (not an encrypted PKCS#8 PEM); `label` names the file.
Result<PrivateKeyPtr> decryptCaKey(std::string_view pem, const std::string& passphrase,
                                   const std::string& label);

// <store>/ca/<name>, and the two key files in it.
std::string caDir(const std::string& store_dir, const std::string& ca_name);
std::string caRootKeyPath(const std::string& store_dir, const std::string& ca_name);
std::string caIssuingKeyPath(const std::string& store_dir, const std::string& ca_name);

// Writes both keys encrypted, each atomically with mode 0600, into caDir (created 0700).
// The caller holds the store lock. Fails with Crypto or Io.
Result<void> saveCaKeys(const std::string& store_dir, const std::string& ca_name,
                        const PrivateKey& root_key, const PrivateKey& issuing_key,
                        const std::string& passphrase);
// Loads and decrypts the issuing key (the only one issuing needs). Fails as decryptCaKey, or
// with Io when the file is missing.
Result<PrivateKeyPtr> loadCaIssuingKey(const std::string& store_dir, const std::string& ca_name,
                                       const std::string& passphrase);

// For backup and restore: a CA's key files as "<ca>/<file>" (relative to <store>/ca) with
// their encrypted PEM. A backup holds them as they are, still encrypted.
inline constexpr const char* kCaKeyFileNames[] = {"root-key.pem", "issuing-key.pem"};
Result<void> readCaKeyFiles(const std::string& store_dir, const std::string& ca_name,
                            std::map<std::string, std::string>& out);
// Writes one of them back (0600 in a 0700 folder), atomically. `relative` is "<ca>/<file>".
Result<void> writeCaKeyFile(const std::string& store_dir, const std::string& relative,
                            const std::string& pem);

}  // namespace trustctl::truststore
