// Fuzzes the importer with arbitrary bytes: whatever a customer sends must give certificates or
// one clean error, never a crash, leak or hang. The first byte picks whether a password is
// offered, so the PKCS#12 and encrypted-key paths are reached too.
#include <cstddef>
#include <cstdint>
#include <string>

#include "truststore/certificate_importer.h"
#include "truststore/key_importer.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) {
    return 0;
  }
  bool offer_password = (data[0] & 1) != 0;
  std::string_view bytes(reinterpret_cast<const char*>(data) + 1, size - 1);
  auto password = [offer_password]() -> std::optional<std::string> {
    if (offer_password) {
      return std::string("fuzz");
    }
    return std::nullopt;
  };
  auto material = trustctl::truststore::parseImport(bytes, "fuzz", password);
  if (material && material->certificates.empty()) {
    __builtin_trap();  // success must always carry a certificate
  }
  (void)trustctl::truststore::parseKeyFile(bytes, "fuzz", password);
  return 0;
}
