#include "truststore/compromised_roots.h"

namespace trustctl::truststore {

// Placeholder until the list lands.
const CompromisedKey* findCompromisedKey(std::string_view) {
  return nullptr;
}

}  // namespace trustctl::truststore
