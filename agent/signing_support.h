#pragma once
// What the `trustctl signing` commands share: the instant they judge the rotation at, the
// grace option's parser, and opening a built-in CA as a signing issuer.

#include <optional>
#include <string>

#include "agent/cli_context.h"
#include "truststore/signing_chain.h"

namespace trustctl::agent {

// The wall clock, or, for tests only, $TRUSTCTL_TEST_NOW ("@<unix seconds>" or RFC 3339):
// the rotation is driven by time and a test must not sleep through a grace period. Only the
// signing commands read it. Fails with InvalidArgument on an unparsable value.
Result<UnixTime> signingNow();

// "90s", "15m", "24h", "7d" or plain seconds; nullopt otherwise (or beyond 10 years).
std::optional<std::int64_t> parseGrace(const std::string& text);

// Opens CA `ca_name` of the store (its issuing certificate, and its key with the passphrase
// from `passphrase_file` or the systemd credential). Fails with EntryNotFound (no such CA),
// WrongPassword, StoreCorrupt (key and certificate disagree), Io.
Result<truststore::SigningIssuer> openSigningIssuer(CliContext& ctx, const std::string& ca_name,
                                                    const std::string& passphrase_file,
                                                    truststore::CaKeyType key_type);

}  // namespace trustctl::agent

namespace trustctl::agent {

// The agent's part of the rotation: when advanceSigning finds transitions due in `state` at
// `now`, writes them (a new generation with the files under current/signing/). Returns a line
// for the log ("" when nothing was due); a failed write is a line too, retried next cycle.
std::string writeDueSigningTransitions(truststore::Store& store,
                                       const truststore::StoreState& state, UnixTime now);
// The same for the root and every scope of `tree` (Store::loadTree; the agent's cycle).
std::vector<std::string> writeDueSigningTransitionsInEveryScope(const truststore::Store& store,
                                                                const truststore::StoreState& tree,
                                                                UnixTime now);

// The read-only commands (agent/signing_view_commands.cc). Each judges the signing set as
// advanceSigning() leaves it at signingNow(), without writing the store.
void runSigningJwks(CliContext& ctx, const std::string& out_file);
void runSigningPem(CliContext& ctx);
void runSigningStatus(CliContext& ctx);
void runSigningSign(CliContext& ctx, const std::string& payload_file);

}  // namespace trustctl::agent
