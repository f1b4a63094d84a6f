#include "truststore/ca_key_file.h"

#include <sys/stat.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "truststore/file_util.h"
#include "truststore/ossl.h"
#include "truststore/secret_wipe.h"

namespace trustctl::truststore {

namespace {

// OpenSSL's own `pkcs8 -scrypt` parameters: 16 MiB and ~50 ms a guess, under the 32 MiB
// OpenSSL allows when it decrypts.
constexpr uint64_t kScryptN = 16384;
constexpr uint64_t kScryptR = 8;
constexpr uint64_t kScryptP = 1;
constexpr int kSaltBytes = 16;

// The first line, without its CR/LF; wipes `text`.
std::string firstLine(std::string& text) {
  std::string line = text.substr(0, text.find('\n'));
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  wipeSecret(text);
  return line;
}

Result<void> makePrivateDir(const std::string& path) {
  if (::mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) {
    return fail(ErrorCode::Io, path + ": cannot create the folder (" + std::strerror(errno) + ")");
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return fail(ErrorCode::StoreUnsafe, path + ": is not a folder; remove it and retry");
  }
  if (::chmod(path.c_str(), 0700) != 0) {
    return fail(ErrorCode::Io, path + ": cannot set mode 0700 (" + std::strerror(errno) + ")");
  }
  return {};
}

}  // namespace

Result<std::string> readCaPassphrase(const std::string& file) {
  std::string path = file;
  if (path.empty()) {
    const char* creds = std::getenv("CREDENTIALS_DIRECTORY");
    if (creds == nullptr || *creds == '\0') {
      return fail(ErrorCode::PasswordRequired,
                  "the CA key needs a passphrase; give --passphrase-file FILE (mode 0600) or run "
                  "under systemd with LoadCredential=" +
                      std::string(kCaPassphraseCredential) + ":FILE");
    }
    path = std::string(creds) + "/" + std::string(kCaPassphraseCredential);
  }
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) != 0) {
    return fail(ErrorCode::InvalidArgument,
                path + ": the passphrase file can be read by group or others; run 'chmod 600 " +
                    path + "'");
  }
  auto text = readUserFile(path, kMaxPasswordFileBytes, "a passphrase file");
  if (!text) {
    return tl::unexpected(text.error());
  }
  std::string passphrase = firstLine(*text);
  if (passphrase.empty()) {
    return fail(ErrorCode::InvalidArgument,
                path + ": the passphrase file's first line is empty; write the passphrase there");
  }
  return passphrase;
}

Result<std::string> encryptCaKey(const PrivateKey& key, const std::string& passphrase) {
  ossl::Pkcs8InfoPtr info(EVP_PKEY2PKCS8(key.evp()));
  ossl::X509AlgorPtr alg(PKCS5_pbe2_set_scrypt(EVP_aes_256_cbc(), nullptr, kSaltBytes, nullptr,
                                               kScryptN, kScryptR, kScryptP));
  if (!info || !alg) {
    return fail(ErrorCode::Crypto,
                "preparing the CA key encryption failed: " + ossl::drainErrors());
  }
  ossl::X509SigPtr sealed(PKCS8_set0_pbe(passphrase.data(), static_cast<int>(passphrase.size()),
                                         info.get(), alg.get()));
  if (!sealed) {
    return fail(ErrorCode::Crypto, "encrypting the CA key failed: " + ossl::drainErrors());
  }
  alg.release();  // owned by `sealed` now
  ossl::BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_PKCS8(bio.get(), sealed.get()) != 1) {
    return fail(ErrorCode::Crypto, "encoding the CA key failed: " + ossl::drainErrors());
  }
  char* data = nullptr;
  long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<size_t>(len));
}

Result<PrivateKeyPtr> decryptCaKey(std::string_view pem, const std::string& passphrase,
                                   const std::string& label) {
  ossl::BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  ossl::X509SigPtr sealed(bio ? PEM_read_bio_PKCS8(bio.get(), nullptr, nullptr, nullptr) : nullptr);
  if (!sealed) {
    ossl::clearErrors();
    return fail(ErrorCode::StoreCorrupt,
                label + ": is not an encrypted CA key; restore it from a backup");
  }
  ossl::Pkcs8InfoPtr info(
      PKCS8_decrypt(sealed.get(), passphrase.data(), static_cast<int>(passphrase.size())));
  if (!info) {
    ossl::clearErrors();
    return fail(ErrorCode::WrongPassword,
                label + ": the passphrase does not open the CA key; check the passphrase file");
  }
  ossl::EvpPkeyPtr key(EVP_PKCS82PKEY(info.get()));
  if (!key) {
    return fail(ErrorCode::StoreCorrupt,
                label + ": the decrypted CA key is not valid (" + ossl::drainErrors() + ")");
  }
  return PrivateKey::fromEvp(key.get());
}

std::string caDir(const std::string& store_dir, const std::string& ca_name) {
  return store_dir + "/ca/" + ca_name;
}

std::string caRootKeyPath(const std::string& store_dir, const std::string& ca_name) {
  return caDir(store_dir, ca_name) + "/root-key.pem";
}

std::string caIssuingKeyPath(const std::string& store_dir, const std::string& ca_name) {
  return caDir(store_dir, ca_name) + "/issuing-key.pem";
}

Result<void> saveCaKeys(const std::string& store_dir, const std::string& ca_name,
                        const PrivateKey& root_key, const PrivateKey& issuing_key,
                        const std::string& passphrase) {
  for (const std::string& dir : {store_dir + "/ca", caDir(store_dir, ca_name)}) {
    if (auto r = makePrivateDir(dir); !r) {
      return r;
    }
  }
  auto root = encryptCaKey(root_key, passphrase);
  auto issuing = root ? encryptCaKey(issuing_key, passphrase) : root;
  if (!issuing) {
    return tl::unexpected(issuing.error());
  }
  if (auto r = writeFileAtomic(caRootKeyPath(store_dir, ca_name), *root, 0600); !r) {
    return r;
  }
  return writeFileAtomic(caIssuingKeyPath(store_dir, ca_name), *issuing, 0600);
}

Result<PrivateKeyPtr> loadCaIssuingKey(const std::string& store_dir, const std::string& ca_name,
                                       const std::string& passphrase) {
  std::string path = caIssuingKeyPath(store_dir, ca_name);
  auto pem = readWholeFile(path, kMaxPasswordFileBytes * 4);
  if (!pem) {
    return tl::unexpected(pem.error());
  }
  return decryptCaKey(*pem, passphrase, path);
}

Result<void> readCaKeyFiles(const std::string& store_dir, const std::string& ca_name,
                            std::map<std::string, std::string>& out) {
  for (const char* file : kCaKeyFileNames) {
    auto pem = readWholeFile(caDir(store_dir, ca_name) + "/" + file, kMaxPasswordFileBytes * 4);
    if (!pem) {
      return tl::unexpected(pem.error());
    }
    out[ca_name + "/" + file] = std::move(*pem);
  }
  return {};
}

Result<void> writeCaKeyFile(const std::string& store_dir, const std::string& relative,
                            const std::string& pem) {
  std::string ca_name = relative.substr(0, relative.find('/'));
  for (const std::string& dir : {store_dir + "/ca", caDir(store_dir, ca_name)}) {
    if (auto r = makePrivateDir(dir); !r) {
      return r;
    }
  }
  return writeFileAtomic(store_dir + "/ca/" + relative, pem, 0600);
}

}  // namespace trustctl::truststore
