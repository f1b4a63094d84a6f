#include "agent/signing_support.h"

#include "truststore/scope.h"

#include <cstdlib>

#include "truststore/ca_issuer.h"
#include "truststore/ca_key_file.h"
#include "truststore/scope.h"
#include "truststore/secret_wipe.h"

namespace trustctl::agent {

Result<UnixTime> signingNow() {
  const char* forced = std::getenv("TRUSTCTL_TEST_NOW");
  if (forced == nullptr || *forced == '\0') {
    return wallClockNow();
  }
  auto t = parseInstant(forced);
  if (!t) {
    return fail(ErrorCode::InvalidArgument,
                "TRUSTCTL_TEST_NOW: not '@<unix seconds>' or an RFC 3339 instant; unset it");
  }
  return *t;
}

std::optional<std::int64_t> parseGrace(const std::string& text) {
  if (text.empty() || text.size() > 12) {
    return std::nullopt;
  }
  std::int64_t unit = 1;
  std::string digits = text;
  switch (text.back()) {
    case 's':
      digits.pop_back();
      break;
    case 'm':
      unit = 60;
      digits.pop_back();
      break;
    case 'h':
      unit = 3600;
      digits.pop_back();
      break;
    case 'd':
      unit = 86400;
      digits.pop_back();
      break;
    default:
      break;
  }
  if (digits.empty() || digits.find_first_not_of("0123456789") != std::string::npos) {
    return std::nullopt;
  }
  std::int64_t value = std::stoll(digits) * unit;
  if (value > 3650LL * 86400) {
    return std::nullopt;
  }
  return value;
}

Result<truststore::SigningIssuer> openSigningIssuer(CliContext& ctx, const std::string& ca_name,
                                                    const std::string& passphrase_file,
                                                    truststore::CaKeyType key_type) {
  // The same steps as `ca issue` (agent/ca_issue_command.cc), kept apart so the two commands
  // can word their errors for their own options.
  truststore::Store store = ctx.store();
  auto snapshot = store.load();
  if (!snapshot) {
    return tl::unexpected(snapshot.error());
  }
  auto passphrase = truststore::readCaPassphrase(passphrase_file);
  if (!passphrase) {
    return tl::unexpected(passphrase.error());
  }
  auto ca = truststore::openCaIssuer(store, snapshot->state, ca_name, *passphrase);
  truststore::wipeSecret(*passphrase);
  if (!ca) {
    return tl::unexpected(ca.error());
  }
  return truststore::SigningIssuer{ca_name, ca->issuing, ca->key, key_type};
}

std::string writeDueSigningTransitions(truststore::Store& store,
                                       const truststore::StoreState& state, UnixTime now) {
  truststore::SigningState ahead = state.signing;
  if (!truststore::advanceSigning(ahead, now).changed()) {
    return "";  // the common case costs no lock
  }
  truststore::UpdateOptions options;
  options.now = now;
  truststore::SigningAdvance done;
  auto written = store.update(options, [&](truststore::Transaction& tx) -> Result<void> {
    auto r = truststore::applySigningAdvance(tx, now);
    if (!r) {
      return tl::unexpected(r.error());
    }
    done = *r;
    return {};
  });
  if (!written) {
    return "token signing: could not write the due rotation: " + written.error().message;
  }
  std::string line = "token signing:";
  for (const auto& e : done.activated) {
    line += " " + e + " now signs;";
  }
  for (const auto& e : done.dropped) {
    line += " " + e + " left the JWKS;";
  }
  return line;
}

std::vector<std::string> writeDueSigningTransitionsInEveryScope(const truststore::Store& store,
                                                                const truststore::StoreState& tree,
                                                                UnixTime now) {
  std::vector<std::string> notes;
  truststore::forEachScope(tree, [&](const std::string& path, const truststore::StoreState& scope) {
    truststore::Store scoped(store.dir(), path);
    std::string note = writeDueSigningTransitions(scoped, scope, now);
    if (!note.empty()) {
      notes.push_back(path.empty() ? note : "scope " + path + ": " + note);
    }
  });
  return notes;
}

}  // namespace trustctl::agent
