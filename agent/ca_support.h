#pragma once
// What `ca create` and `scope create --ca` share: adding a built-in CA inside a transaction.

#include <string>

#include "truststore/builtin_ca.h"
#include "truststore/store.h"

namespace trustctl::agent {

// Imports the CA's two certificates as entries ca.root_entry and ca.issuing_entry of the
// transaction's scope, writes its keys encrypted with `passphrase` (ca_key_file.h) and records
// `ca` (created_at set). DuplicateName when the scope has a CA of that name.
Result<void> addBuiltinCa(truststore::Transaction& tx, const std::string& store_dir,
                          const truststore::CaMaterial& material, truststore::CaRecord& ca,
                          const std::string& passphrase);

}  // namespace trustctl::agent
