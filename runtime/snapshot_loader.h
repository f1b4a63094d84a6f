#pragma once
// Reads one generation of a connector's runtime files (written by truststore's
// connector_runtime) into a TrustSnapshot, checking them against the manifest. No network.

#include <cstdint>
#include <string>

#include "runtime/connector_trust.h"

namespace trustctl::runtime_internal {

using runtime::TrustSnapshot;
using runtime::TrustSnapshotPtr;

// Loads the connector's files of `generation`. Errors name the file and say what to do.
Result<TrustSnapshotPtr> loadSnapshot(const std::string& store_dir, std::uint64_t generation,
                                      const std::string& connector);

// The generation <store>/current points at: one readlink(2); 0 when there is none.
std::uint64_t readCurrentGeneration(const std::string& store_dir);

// True when the connector's manifest in `generation` is the same file (hard link) `snapshot`
// was read from: the connector's trust did not change.
bool sameManifest(const TrustSnapshot& snapshot, const std::string& store_dir,
                  std::uint64_t generation, const std::string& connector);

}  // namespace trustctl::runtime_internal
