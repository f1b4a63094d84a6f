#pragma once
// Opening a built-in CA to sign with: its current issuing certificate and the decrypted
// issuing key, checked to belong together. What `ca issue`, renewal, token signing and the
// config's issued server certificates all do before they sign.

#include <string>

#include "truststore/certificate.h"
#include "truststore/error.h"
#include "truststore/private_key.h"
#include "truststore/store.h"

namespace trustctl::truststore {

struct CaIssuer {
  std::string ca;
  CertificatePtr issuing;
  PrivateKeyPtr key;
};

// CA `ca_name` of `state` (the scope `store` names), its key read with `passphrase`. Fails
// with EntryNotFound (no such CA, or its issuing entry is gone), WrongPassword, StoreCorrupt
// (the key is not the issuing certificate's) or Io.
Result<CaIssuer> openCaIssuer(const Store& store, const StoreState& state,
                              const std::string& ca_name, const std::string& passphrase);

}  // namespace trustctl::truststore
