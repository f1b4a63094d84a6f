#include "truststore/secret_wipe.h"

#include <openssl/crypto.h>

namespace trustctl::truststore {

void wipeSecret(std::string& secret) {
  OPENSSL_cleanse(secret.data(), secret.size());
  secret.clear();
}

}  // namespace trustctl::truststore
