#pragma once
// How server certificates are shown: the status table of the vendor pages (Domain, Name,
// Source, Subject CN, Issued On, Expires On, Status, Deployed) and its JSON rows, shared by
// `server-cert list`, `show` and `check`. Reads nothing from disk.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "agent/cli_context.h"
#include "agent/server_cert_deploy.h"
#include "truststore/store_state.h"

namespace trustctl::agent {

// "User Provided", "Built-in CA" or "ACME" for ServerCert::source.
std::string sourceLabel(const std::string& source);

// One server certificate as JSON: names, domains, served_at, and its leaf's CN, dates,
// SHA-256 and status at `now` (`window` = the expiring threshold in seconds).
nlohmann::json serverCertJson(const truststore::StoreState& state, const truststore::ServerCert& s,
                              UnixTime now, std::int64_t window);

// The server certificate table (Domain, Name, Source, Subject CN, Issued On, Expires On,
// Status, Deployed) of the named ones (all when `names` is empty), or --json; the Deployed
// column from `records`.
void printServerCertTable(CliContext& ctx, const truststore::StoreState& state,
                          const DeploymentRecords& records, const std::vector<std::string>& names);

}  // namespace trustctl::agent
