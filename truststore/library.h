#pragma once
// The operations on the certificate library and connectors, each a change to a Transaction:
// import, replace, rename, edit, remove; create and delete connectors; attach and detach
// trust; set the identity; list targets. They validate everything before they change
// anything, so a failing operation leaves the transaction (and so the store) as it was.

#include <optional>
#include <string>
#include <vector>

#include "truststore/certificate_importer.h"
#include "truststore/store.h"

namespace trustctl::truststore {

struct ImportRequest {
  std::string name;
  ImportedMaterial material;
  std::string source;  // the file it came from, for `show`
  std::string note;
  std::string environment;
  bool require_identity = false;  // fail with NoPrivateKey when the material has no key
};

// Adds a new entry. Fails with InvalidName, DuplicateName, DuplicateCertificate (same content
// under another name), NoPrivateKey.
Result<void> importEntry(Transaction& tx, const ImportRequest& request);
// Replaces an entry's content, keeping its name, note, tag and the connectors using it.
// Fails with EntryNotFound, NotAnIdentity (a connector uses it as identity and the new content
// has no key), DuplicateCertificate.
Result<void> replaceEntry(Transaction& tx, const ImportRequest& request);
Result<void> renameEntry(Transaction& tx, const std::string& from, const std::string& to);
Result<void> editEntry(Transaction& tx, const std::string& name,
                       const std::optional<std::string>& note,
                       const std::optional<std::string>& environment);
// Fails with EntryInUse (listing the connectors) unless `force`, which detaches it first.
Result<void> removeEntry(Transaction& tx, const std::string& name, bool force);

Result<void> createConnector(Transaction& tx, const std::string& name,
                             const std::string& environment, const std::string& note);
Result<void> deleteConnector(Transaction& tx, const std::string& name);
Result<void> editConnector(Transaction& tx, const std::string& name,
                           const std::optional<std::string>& note,
                           const std::optional<std::string>& environment);
// What the connector's probes do about revocation (off, soft, hard).
Result<void> setRevocationMode(Transaction& tx, const std::string& name, RevocationMode mode);
// How the connector verifies servers (runtime_models.def); the probe judges with its model.
Result<void> setRuntime(Transaction& tx, const std::string& name, ConnectorRuntime runtime);
// "" (the environment's https_proxy), "none" (direct) or an http:// or https:// URL without
// credentials. InvalidArgument, without echoing the URL, when it holds user:password@.
Result<void> checkProxySetting(const std::string& proxy);
// Sets the connector's proxy (checked as above) and the file its credentials are read from
// ("" = none); only the path is stored, never the file's content.
Result<void> setProxy(Transaction& tx, const std::string& name, const std::string& proxy,
                      const std::string& credentials_file);
// Attaches entries as trust anchors; already attached entries are left as they are.
Result<void> attachTrust(Transaction& tx, const std::string& connector,
                         const std::vector<std::string>& entries);
Result<void> detachTrust(Transaction& tx, const std::string& connector,
                         const std::vector<std::string>& entries);
// Sets (or, with "", clears) the connector's client identity.
Result<void> setIdentity(Transaction& tx, const std::string& connector, const std::string& entry);
// Adds or removes target URLs (validated by the caller).
Result<void> setTargets(Transaction& tx, const std::string& connector,
                        const std::vector<std::string>& add,
                        const std::vector<std::string>& remove);

}  // namespace trustctl::truststore
