#include "truststore/key_importer.h"

#include <algorithm>

#include <openssl/pem.h>

#include "truststore/ossl.h"

namespace trustctl::truststore {

namespace {

struct PasswordState {
  const PasswordProvider* provider;
  bool asked;
  bool missing;
};

int passwordCallback(char* buf, int size, int, void* user) {
  auto* state = static_cast<PasswordState*>(user);
  state->asked = true;
  auto pw = (*state->provider)();
  if (!pw) {
    state->missing = true;
    return -1;
  }
  if (pw->size() > static_cast<size_t>(size)) {
    OPENSSL_cleanse(pw->data(), pw->size());
    return -1;
  }
  std::copy(pw->begin(), pw->end(), buf);
  int n = static_cast<int>(pw->size());
  OPENSSL_cleanse(pw->data(), pw->size());
  return n;
}

}  // namespace

Result<PrivateKeyPtr> parseKeyFile(std::string_view bytes, const std::string& label,
                                   const PasswordProvider& password) {
  if (bytes.find_first_not_of(" \t\r\n") == std::string_view::npos) {
    return fail(ErrorCode::EmptyInput, label + ": the key file is empty");
  }
  PasswordState state{&password, false, false};
  ossl::EvpPkeyPtr key;
  if (bytes.find("-----BEGIN ") != std::string_view::npos) {
    ossl::BioPtr bio(BIO_new_mem_buf(bytes.data(), static_cast<int>(bytes.size())));
    key.reset(PEM_read_bio_PrivateKey(bio.get(), nullptr, passwordCallback, &state));
  } else {
    const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
    key.reset(d2i_AutoPrivateKey(nullptr, &p, static_cast<long>(bytes.size())));
  }
  ossl::clearErrors();
  if (!key) {
    if (state.missing) {
      return fail(ErrorCode::PasswordRequired,
                  label +
                      ": the private key is encrypted; give its password with "
                      "--password-file or --password-env");
    }
    if (state.asked) {
      return fail(ErrorCode::WrongPassword,
                  label + ": the private key could not be decrypted with the given password");
    }
    return fail(ErrorCode::UnrecognizedFormat,
                label + ": not a private key (expected PEM or DER PKCS#8, RSA or EC key)");
  }
  return PrivateKey::fromEvp(key.get());
}

Result<void> attachKey(ImportedMaterial& material, const PrivateKeyPtr& key,
                       const std::string& label) {
  if (material.key) {
    return fail(ErrorCode::MultipleKeys,
                label + ": the certificate file already holds a private key; drop --key");
  }
  auto it = std::find_if(material.certificates.begin(), material.certificates.end(),
                         [&](const CertificatePtr& c) { return key->matches(*c); });
  if (it == material.certificates.end()) {
    return fail(ErrorCode::KeyMismatch,
                label +
                    ": this private key does not belong to the certificate; pair the key "
                    "with the certificate issued for it");
  }
  std::rotate(material.certificates.begin(), it, it + 1);
  material.key = key;
  return {};
}

}  // namespace trustctl::truststore
