#pragma once
// Renewal of what the built-in CA issued (issue 15): which server certificates are due (two
// thirds of their lifetime gone), the request that re-issues one exactly as first asked, and
// the transaction step that replaces it keeping its record. Pure apart from the transaction:
// `now` is an input; loading the CA's key, the passphrase and deploying the files (the next
// generation) and on_change are the caller's.

#include <string>
#include <vector>

#include "truststore/builtin_ca.h"
#include "truststore/store.h"

namespace trustctl::truststore {

struct RenewalDue {
  std::string name;     // the server certificate
  std::string issuer;   // its built-in CA
  UnixTime due_at = 0;  // notBefore + 2/3 (notAfter - notBefore)
  UnixTime not_after = 0;
};

// When a leaf valid [not_before, not_after] is due for renewal.
UnixTime renewalTime(const CertificateInfo& leaf);

// The server certificates among `names` (empty = all) that the built-in CA issued (source
// "ca" with an issuer recorded) and whose renewalTime is at or before `now`, by name. A name
// that is no server certificate, or one uploaded by a user, is not due; the caller that
// renews by name reports those (renewable says why not).
std::vector<RenewalDue> renewalDue(const StoreState& state, const std::vector<std::string>& names,
                                   UnixTime now);
// ServerCertNotFound, or InvalidArgument when `name` was not issued by the built-in CA (a
// user upload is renewed by uploading its successor).
Result<void> renewable(const StoreState& state, const std::string& name);

// The request that re-issues `server` as it was first asked for: its domains, profile,
// validity and key algorithm, at `now`.
LeafRequest renewalRequest(const ServerCert& server, UnixTime now);

// Replaces server certificate `name` by `leaf` (signed by `issuing`), keeping its record
// (domains, issuer, profile, validity, created_at) and writing a "server-cert.renew" audit
// record. `expected_sha` is the leaf it replaces: fails when another process renewed or
// replaced it since the caller looked (PlanChanged), so nothing is renewed twice. The transaction
// is unchanged on failure; the caller drops it.
Result<void> applyRenewal(Transaction& tx, const std::string& name, const IssuedLeaf& leaf,
                          const CertificatePtr& issuing, const std::string& expected_sha);

}  // namespace trustctl::truststore
