#pragma once
// Opens a PKCS#12 (PFX) file: checks the MAC against the password (empty first, then the
// provider's), loads OpenSSL's legacy provider when the bags use RC2-40 or 3DES as Windows
// exports them, and returns its certificates and private key. Classifies nothing.

#include <string>
#include <vector>

#include "truststore/certificate.h"
#include "truststore/certificate_importer.h"
#include "truststore/private_key.h"

typedef struct PKCS12_st PKCS12;

namespace trustctl::truststore {

struct Pkcs12Contents {
  std::vector<CertificatePtr> certificates;  // the key's certificate first when there is one
  PrivateKeyPtr key;                         // null when the file holds no key
};

// Refuses a file asking for more key-derivation work than pkcs12_cost.h allows, before doing
// any. Fails with Pkcs12IterationsTooHigh, PasswordRequired, WrongPassword, LegacyProviderMissing
// or UnrecognizedFormat; messages name `label`.
Result<Pkcs12Contents> readPkcs12(PKCS12* p12, const std::string& label,
                                  const PasswordProvider& password);

}  // namespace trustctl::truststore
