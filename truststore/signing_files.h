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

// True for the generation-relative path "signing/active-key.pem" (mode 0600).
bool isSigningSecretFile(std::string_view relative_path);

// Writes <work_dir>/signing/ for tx's signing set; nothing when it is empty. Fails with Io,
// or StoreCorrupt when a key's entry is gone.
Result<void> writeSigningFiles(const Transaction& tx, const std::string& work_dir);

}  // namespace trustctl::truststore
