#pragma once
// The files a server that signs or verifies tokens loads, written into every generation at a
// stable path <store>/current/signing/ (like server certificates' files): jwks.json (the
// published keys), active-chain.pem (leaf + issuing CA) and active-key.pem (PKCS#8, 0600).
// They show the signing set as the generation's state holds it; transitions are applied by
// whoever writes (signing_chain.h applySigningAdvance), not here.

#include <string>
#include <string_view>

#include "truststore/store.h"

namespace trustctl::truststore {

inline constexpr const char* kSigningDir = "signing";
inline constexpr const char* kSigningJwksFile = "jwks.json";
inline constexpr const char* kSigningChainFile = "active-chain.pem";
inline constexpr const char* kSigningKeyFile = "active-key.pem";

// True for a generation-relative ".../signing/active-key.pem" (mode 0600), at the top or in a
// scope's folder.
bool isSigningSecretFile(std::string_view relative_path);

// Writes <dir>/signing/ for `state`'s signing set (tx reads the certificates and keys); nothing
// when it is empty. `dir` is the generation's folder, or a scope's folder in it: the function
// knows nothing of scopes. Fails with Io, or StoreCorrupt when a key's entry is gone.
Result<void> writeSigningFiles(const Transaction& tx, const StoreState& state,
                               const std::string& dir);

}  // namespace trustctl::truststore
