#pragma once
// How library entries and their certificates are presented: the JSON objects of `list`,
// `show` and `connector show`, and the summary status of an entry. Pure functions of the state.

#include <nlohmann/json.hpp>

#include "truststore/certificate_status.h"
#include "truststore/store_state.h"

namespace trustctl::agent {

struct EntryStatus {
  truststore::CertificateHealth health = truststore::CertificateHealth::Ok;
  std::string reason;  // "ok" or the worst finding, naming the certificate when not the first
};

// The certificate that represents the entry in a table: the first one uploaded (an identity's
// own certificate).
const truststore::CertificateInfo* principalCertificate(const truststore::StoreState& state,
                                                        const truststore::Entry& entry);
// "root", "intermediate", "server", "identity" or "chain".
std::string entryKindLabel(const truststore::StoreState& state, const truststore::Entry& entry);
EntryStatus entryStatus(const truststore::StoreState& state, const truststore::Entry& entry,
                        UnixTime now, std::int64_t window);
bool isProblem(truststore::CertificateHealth health);

nlohmann::json certificateJson(const truststore::CertificateInfo& info, UnixTime now,
                               std::int64_t window, bool used_as_ca);
nlohmann::json entryJson(const truststore::StoreState& state, const truststore::Entry& entry,
                         UnixTime now, std::int64_t window);

}  // namespace trustctl::agent
