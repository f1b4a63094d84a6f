#pragma once
// The signing set's changes in a Transaction: the default signing chain (its first, active
// key), a rotation (a `next` key published at once, switched in after a grace), and applying
// the transitions advanceSigning() finds due, removing the entries of dropped keys. Each key
// is a token-signing leaf issued by a built-in CA and kept as an Identity entry "signing-N"
// (leaf, issuing CA; key in keys/). Also the reads verifiers and signers need: the JWKS of
// the published keys and the active key's chain and private key. No clock: `now` is an input.

#include <string>
#include <vector>

#include "truststore/builtin_ca.h"
#include "truststore/connector_runtime.h"
#include "truststore/signing_jwk.h"
#include "truststore/signing_keys.h"
#include "truststore/store.h"

namespace trustctl::truststore {

// What issues signing keys: a built-in CA's issuing certificate and its opened key.
struct SigningIssuer {
  std::string ca;  // the CA's name, recorded in the signing set
  CertificatePtr issuing;
  PrivateKeyPtr key;
  CaKeyType key_type = CaKeyType::Ec;  // of the new signing keys: ES256 or RS256
};

// The store's default signing chain: when the signing set is empty, issues key "signing-N"
// from `issuer`, active from `now`, and records the CA. Returns true when it created one,
// false when a signing chain exists (nothing changes then). The scope code calls it when a
// scope is created. Fails with InvalidArgument (issuer expired), Crypto, DuplicateCertificate;
// the transaction is unchanged then.
Result<bool> ensureDefaultSigningChain(Transaction& tx, const SigningIssuer& issuer, UnixTime now);

// Applies the due transitions (advanceSigning at `now`) first, then issues the next key:
// state next, published at once, active from now + grace; the active key is scheduled to
// retire then and to leave the JWKS at now + 2 * grace. Returns the new key. Fails with
// InvalidArgument when there is no signing chain (run `signing init`), a rotation is
// scheduled already, or grace is negative; Crypto. The transaction is unchanged then.
Result<SigningKey> rotateSigning(Transaction& tx, const SigningIssuer& issuer, UnixTime now,
                                 std::int64_t grace_seconds);

// advanceSigning on tx's state at `now`, removing the library entries of dropped keys and
// writing one audit record per transition (so the change is published). Fails only when an
// entry cannot be removed.
Result<SigningAdvance> applySigningAdvance(Transaction& tx, UnixTime now);

// The JWKS of `state`'s published keys (next, active, retired), each with its x5c chain.
Result<std::string> signingJwks(const StoreState& state, const CertificateSource& certificate);
// The chain (leaf first, then the issuing CA) and private key of `key`'s entry.
struct SigningMaterial {
  std::vector<CertificatePtr> chain;
  PrivateKeyPtr key;
};
Result<SigningMaterial> signingMaterial(const StoreState& state, const SigningKey& key,
                                        const CertificateSource& certificate,
                                        const KeySource& private_key);

}  // namespace trustctl::truststore
