#pragma once
// The store's token-signing keys (issue 15) as plain values: each key is a library Identity
// entry (a token-signing leaf from the built-in CA, its chain and key) with a place in the
// rotation: `next` (published, not used yet), `active` (signs), `retired` (still published
// so tokens it signed verify, until retire_at). advanceSigning() is the one place the
// rotation moves; it is pure, so any command, the agent or a test with its own `now` can
// apply it. Issuing keys and editing the library are in signing_chain.h; JWKs in signing_jwk.h.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "truststore/time_util.h"

namespace trustctl::truststore {

enum class SigningKeyState { Next, Active, Retired };
std::string_view signingKeyStateName(SigningKeyState s);  // "next", "active", "retired"

// Default time a new key is published before it signs, and an old one after it stopped.
inline constexpr std::int64_t kDefaultSigningGraceSeconds = 24 * 3600;

struct SigningKey {
  std::string entry;      // the Identity entry holding leaf, chain and key
  std::string kid;        // RFC 7638 thumbprint of the public key
  std::string algorithm;  // JWS "alg": "ES256" or "RS256"
  SigningKeyState state = SigningKeyState::Next;
  UnixTime created_at = 0;
  UnixTime activates_at = 0;  // next: when it starts signing; else when it did
  UnixTime retire_at = 0;     // 0 = not scheduled; retired: when it leaves the JWKS
};

struct SigningState {
  std::string ca;  // the built-in CA that issues the keys
  std::vector<SigningKey> keys;
  std::uint64_t next_serial = 1;  // names the next key's entry ("signing-N"), never reused

  bool empty() const { return keys.empty(); }
  const SigningKey* active() const;
  const SigningKey* next() const;
  // Keys a verifier must know: next, active and retired ones (dropped ones are gone).
  std::vector<const SigningKey*> published() const;
};

struct SigningAdvance {
  std::vector<std::string> activated;  // entries that became active
  std::vector<std::string> retired;    // entries that stopped signing
  std::vector<std::string> dropped;    // entries that left the set (caller removes the entry)
  bool changed() const { return !activated.empty() || !retired.empty() || !dropped.empty(); }
};

// Applies every transition due at `now`, in time order: a `next` key whose activates_at has
// come becomes active and the active key becomes retired (its retire_at was set by the
// rotation); a retired key whose retire_at has come is removed from `state`. Pure; the same
// state and `now` give the same result, and applying it twice changes nothing more.
SigningAdvance advanceSigning(SigningState& state, UnixTime now);

// The transition still ahead, for `signing status`: "" when none.
struct SigningEvent {
  UnixTime at = 0;
  std::string what;  // "signing-3 becomes active", "signing-2 leaves the JWKS"
};
std::vector<SigningEvent> upcomingSigningEvents(const SigningState& state);

}  // namespace trustctl::truststore
