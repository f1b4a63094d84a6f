#pragma once
// The [server_certs.NAME] part of a config plan: the upload checks of `server-cert add` run on
// each user-provided one (checkServerCertSpecs, against the library and `now`), then the plan
// says which are added, replaced (another certificate or key, other domains, another CA
// request) or, with prune, removed; applying issues the CA's ones and edits the records in
// the apply's one transaction. A renewal is the agent's business, not a change of the file.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/apply_plan.h"
#include "truststore/path_builder.h"

namespace trustctl::config {

// Runs the upload checks on every user-provided spec, filling spec.checked. Fails with
// ConfigInvalid, one line per failing spec ("file:line:column: [server_certs.NAME]: why").
Result<void> checkServerCertSpecs(ConfigFile& config,
                                  const std::vector<truststore::PathCandidate>& known,
                                  UnixTime now);

// The changes, by name. ConfigInvalid when an issuer names no built-in CA of `state`.
Result<std::vector<ServerCertChange>> planServerCerts(const ConfigFile& config,
                                                      const truststore::StoreState& state,
                                                      bool prune);

// Executes `changes` in `tx`: user-provided ones from spec.checked, CA-issued ones signed now
// with the CA's issuing key (passphrase from spec.passphrase_file or the systemd credential).
// On error the caller drops the transaction.
Result<void> applyServerCertChanges(truststore::Transaction& tx, const std::string& store_dir,
                                    const ConfigFile& config,
                                    const std::vector<ServerCertChange>& changes, UnixTime now);

std::string renderServerCertChange(const ServerCertChange& change);
nlohmann::json serverCertChangesJson(const std::vector<ServerCertChange>& changes);

}  // namespace trustctl::config
