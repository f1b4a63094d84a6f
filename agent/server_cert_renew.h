#pragma once
// Renewing what the built-in CA issued, shared by `trustctl server-cert renew` and the agent's
// cycle: for each due server certificate, open its CA's issuing key (the passphrase read once),
// issue the successor with the same request, and replace it in its own store transaction, so
// one failure leaves that certificate as it was and the others renewed. Deploying is the new
// generation's files plus on_change (on_change_ledger.h), which the caller runs afterwards.

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "agent/cli_context.h"
#include "truststore/renewal.h"
#include "truststore/store.h"

namespace trustctl::agent {

struct RenewOutcome {
  std::string name;
  std::string issuer;
  bool renewed = false;
  std::string sha256;  // the new leaf
  UnixTime not_after = 0;
  Error error{ErrorCode::Internal, ""};  // when not renewed
};

// Renews each of `due`; `passphrase_file` as readCaPassphrase (empty = the systemd
// credential). Never fails as a whole: each outcome says what happened to one certificate.
// Secrets are wiped after use and never appear in an outcome.
std::vector<RenewOutcome> renewServerCerts(truststore::Store& store,
                                           const truststore::UpdateOptions& options,
                                           const std::vector<truststore::RenewalDue>& due,
                                           const std::string& passphrase_file, UnixTime now);

// The agent's cycle: renews what is due at `now`, logs one line per renewal and per failure
// (a failure repeated unchanged is logged once; it is retried every cycle). Returns the
// number renewed, so the caller reloads the store and runs on_change when it is not 0.
int renewDueServerCerts(truststore::Store& store, const std::string& passphrase_file, UnixTime now);

// Adds `renew` to the `server-cert` group (server_cert_renew_command.cc).
void addServerCertRenewCommand(CLI::App& group, CliContext& ctx);

}  // namespace trustctl::agent
