#include "truststore/ossl.h"

#include <openssl/err.h>

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

void clearErrors() { ERR_clear_error(); }

}  // namespace trustctl::ossl
