#include "truststore/ca_issuer.h"

#include "truststore/ca_key_file.h"
#include "truststore/scope.h"

namespace trustctl::truststore {

Result<CaIssuer> openCaIssuer(const Store& store, const StoreState& state,
                              const std::string& ca_name, const std::string& passphrase) {
  auto it = state.cas.find(ca_name);
  if (it == state.cas.end()) {
    return fail(ErrorCode::EntryNotFound, "no built-in CA is named '" + ca_name +
                                              "'; see 'trustctl ca list' or 'trustctl ca create'");
  }
  const Entry* entry = state.findEntry(it->second.issuing_entry);
  if (entry == nullptr || entry->certificates.empty()) {
    return tl::unexpected(entryNotFoundError(it->second.issuing_entry));
  }
  auto issuing = store.loadCertificate(entry->certificates.front());
  if (!issuing) {
    return tl::unexpected(issuing.error());
  }
  std::string folder = caKeyFolderName(store.scope(), ca_name);
  auto key = loadCaIssuingKey(store.dir(), folder, passphrase);
  if (!key) {
    return tl::unexpected(key.error());
  }
  if (!(*key)->matches(**issuing)) {
    return fail(ErrorCode::StoreCorrupt, caIssuingKeyPath(store.dir(), folder) +
                                             ": does not belong to entry '" + entry->name +
                                             "'; restore the CA's files");
  }
  return CaIssuer{ca_name, *issuing, *key};
}

}  // namespace trustctl::truststore
