#include "truststore/signing_chain.h"

#include "truststore/library.h"

namespace trustctl::truststore {

namespace {

// The entry name of the next key: "signing-N", skipping names a user took for other entries.
std::string nextEntryName(StoreState& state) {
  for (int tries = 0; tries < 1000; ++tries) {
    std::string name = "signing-" + std::to_string(state.signing.next_serial++);
    if (state.entries.count(name) == 0) {
      return name;
    }
  }
  return "signing-" + std::to_string(state.signing.next_serial++);  // importEntry then says why
}

// Issues a token-signing leaf and adds it as an entry; returns its record (state not set).
Result<SigningKey> issueSigningKey(Transaction& tx, const SigningIssuer& issuer, UnixTime now) {
  std::string name = nextEntryName(tx.state());
  LeafRequest request;
  request.profile = LeafProfile::TokenSigning;
  request.common_name = issuer.ca + " token signing " + name;
  request.key = issuer.key_type;
  request.now = now;
  auto leaf = issueLeaf(*issuer.issuing, *issuer.key, request);
  if (!leaf) {
    return tl::unexpected(leaf.error());
  }
  auto jwk = jwkOfCertificate(*leaf->cert);
  if (!jwk) {
    return tl::unexpected(jwk.error());
  }
  ImportRequest import;
  import.name = name;
  import.material.certificates = {leaf->cert, issuer.issuing};
  import.material.key = leaf->key;
  import.source = "trustctl signing (CA " + issuer.ca + ")";
  import.note = "token-signing key";
  import.require_identity = true;
  if (auto r = importEntry(tx, import); !r) {
    return tl::unexpected(r.error());
  }
  SigningKey key;
  key.entry = name;
  key.kid = jwkThumbprint(*jwk);
  key.algorithm = jwsAlgorithm(*jwk);
  key.created_at = now;
  key.activates_at = now;
  return key;
}

}  // namespace

Result<bool> ensureDefaultSigningChain(Transaction& tx, const SigningIssuer& issuer, UnixTime now) {
  if (!tx.state().signing.empty()) {
    return false;
  }
  auto key = issueSigningKey(tx, issuer, now);  // adds the entry last: nothing to undo
  if (!key) {
    return tl::unexpected(key.error());
  }
  key->state = SigningKeyState::Active;
  tx.state().signing.ca = issuer.ca;
  tx.state().signing.keys.push_back(*key);
  tx.audit("signing.init", key->entry, "", "default signing chain, kid " + key->kid);
  return true;
}

Result<SigningKey> rotateSigning(Transaction& tx, const SigningIssuer& issuer, UnixTime now,
                                 std::int64_t grace_seconds) {
  if (grace_seconds < 0) {
    return fail(ErrorCode::InvalidArgument, "--grace: must not be negative");
  }
  // Judged on what the state will be once due transitions are applied, before any change, so
  // a refusal leaves the transaction as it was.
  SigningState ahead = tx.state().signing;
  advanceSigning(ahead, now);
  if (ahead.active() == nullptr) {
    return fail(ErrorCode::InvalidArgument,
                "there is no signing chain to rotate; run 'trustctl signing init --ca CA'");
  }
  if (const SigningKey* next = ahead.next()) {
    return fail(ErrorCode::InvalidArgument,
                "a rotation is scheduled already: " + next->entry + " becomes active at " +
                    formatRfc3339(next->activates_at) + "; see 'trustctl signing status'");
  }
  if (auto r = applySigningAdvance(tx, now); !r) {
    return tl::unexpected(r.error());
  }
  auto key = issueSigningKey(tx, issuer, now);
  if (!key) {
    return tl::unexpected(key.error());
  }
  key->state = SigningKeyState::Next;
  key->activates_at = now + grace_seconds;
  for (auto& k : tx.state().signing.keys) {
    if (k.state == SigningKeyState::Active) {
      k.retire_at = key->activates_at + grace_seconds;
    }
  }
  tx.state().signing.ca = issuer.ca;
  tx.state().signing.keys.push_back(*key);
  tx.audit("signing.rotate", key->entry, "",
           "kid " + key->kid + " active from " + formatRfc3339(key->activates_at));
  return *key;
}

Result<SigningAdvance> applySigningAdvance(Transaction& tx, UnixTime now) {
  SigningAdvance advance = advanceSigning(tx.state().signing, now);
  for (const auto& name : advance.activated) {
    tx.audit("signing.activate", name, "", "now signs tokens");
  }
  for (const auto& name : advance.retired) {
    tx.audit("signing.retire", name, "", "no longer signs; still in the JWKS");
  }
  for (const auto& name : advance.dropped) {
    if (tx.state().entries.count(name) != 0) {
      if (auto r = removeEntry(tx, name, /*force=*/true); !r) {
        return tl::unexpected(r.error());
      }
    }
    tx.audit("signing.drop", name, "", "left the JWKS");
  }
  return advance;
}

Result<SigningMaterial> signingMaterial(const StoreState& state, const SigningKey& key,
                                        const CertificateSource& certificate,
                                        const KeySource& private_key) {
  const Entry* entry = state.findEntry(key.entry);
  if (entry == nullptr || entry->certificates.empty() || entry->key_id.empty()) {
    return fail(ErrorCode::StoreCorrupt, "signing key " + key.entry +
                                             ": its library entry is missing or has no key; "
                                             "run 'trustctl signing rotate'");
  }
  SigningMaterial out;
  for (const auto& sha : entry->certificates) {
    auto cert = certificate(sha);
    if (!cert) {
      return tl::unexpected(cert.error());
    }
    out.chain.push_back(*cert);
  }
  auto k = private_key(entry->key_id);
  if (!k) {
    return tl::unexpected(k.error());
  }
  out.key = *k;
  return out;
}

Result<std::string> signingJwks(const StoreState& state, const CertificateSource& certificate) {
  std::vector<JwksKey> keys;
  for (const SigningKey* k : state.signing.published()) {
    const Entry* entry = state.findEntry(k->entry);
    if (entry == nullptr || entry->certificates.empty()) {
      return fail(ErrorCode::StoreCorrupt,
                  "signing key " + k->entry + ": its library entry is missing");
    }
    JwksKey out{{}, k->kid, k->algorithm, {}};
    for (const auto& sha : entry->certificates) {
      auto cert = certificate(sha);
      if (!cert) {
        return tl::unexpected(cert.error());
      }
      out.x5c.push_back(*cert);
    }
    auto jwk = jwkOfCertificate(*out.x5c.front());
    if (!jwk) {
      return tl::unexpected(jwk.error());
    }
    out.jwk = *jwk;
    keys.push_back(std::move(out));
  }
  return jwksDocument(keys);
}

}  // namespace trustctl::truststore
