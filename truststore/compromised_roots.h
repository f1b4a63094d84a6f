#pragma once
// Roots whose private keys are public (shipped inside software, then extracted): a certificate
// with one of these keys proves nothing, so trustctl never recommends or installs it and a
// chain ending at one points at TLS interception. Matched by SPKI SHA-256, so every re-issue
// of the same key is caught.

#include <string>
#include <string_view>

namespace trustctl::truststore {

struct CompromisedKey {
  std::string_view spki_sha256;  // hex, lowercase
  std::string_view name;         // "eDellRoot", "Superfish, Inc.", ...
  std::string_view why;          // one sentence: who shipped it and how the key became public
};

// The entry for `spki_sha256_hex` (lowercase hex), or null when the key is not on the list.
const CompromisedKey* findCompromisedKey(std::string_view spki_sha256_hex);

}  // namespace trustctl::truststore
