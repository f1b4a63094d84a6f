#include "truststore/ossl.h"

#include <mutex>

#include <openssl/err.h>
#include <openssl/sha.h>

namespace trustctl::ossl {

std::string drainErrors() {
  std::string out;
  unsigned long code = 0;
  while ((code = ERR_get_error()) != 0) {
    char buf[256];
    ERR_error_string_n(code, buf, sizeof buf);
    if (!out.empty()) {
      out += "; ";
    }
    const char* reason = ERR_reason_error_string(code);
    out += reason != nullptr ? reason : buf;
  }
  return out;
}

void clearErrors() {
  ERR_clear_error();
}

bool loadLegacyProvider() {
  using ProviderPtr = std::unique_ptr<OSSL_PROVIDER, Deleter<OSSL_PROVIDER_unload>>;
  // Process lifetime; the static owner unloads it at exit so leak checkers stay quiet.
  static ProviderPtr legacy;
  static std::once_flag once;
  std::call_once(once, [] {
    legacy.reset(OSSL_PROVIDER_try_load(nullptr, "legacy", 1));
    ERR_clear_error();
  });
  return legacy != nullptr;
}

std::string hexOf(const unsigned char* data, size_t size) {
  static const char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (size_t i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xf];
  }
  return out;
}

std::string sha256HexOf(const unsigned char* data, size_t size) {
  unsigned char md[SHA256_DIGEST_LENGTH];
  SHA256(data, size, md);
  return hexOf(md, sizeof md);
}

}  // namespace trustctl::ossl
