#pragma once
// Reads a separate private-key file (PEM, encrypted PEM or DER) for `import --key`, and pairs
// it with imported certificates. Kept apart from the certificate importer because a key file
// on its own is never a library entry.

#include <string>

#include "truststore/certificate_importer.h"

namespace trustctl::truststore {

// Fails with EmptyInput, UnrecognizedFormat, WrongPassword or PasswordRequired naming `label`.
Result<PrivateKeyPtr> parseKeyFile(std::string_view bytes, const std::string& label,
                                   const PasswordProvider& password);
// Adds `key` to `material`, moving its certificate first. Fails with MultipleKeys when the
// material has a key already, KeyMismatch when no certificate matches.
Result<void> attachKey(ImportedMaterial& material, const PrivateKeyPtr& key,
                       const std::string& label);

}  // namespace trustctl::truststore
