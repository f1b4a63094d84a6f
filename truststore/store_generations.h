#pragma once
// The generations of a store as folders: which exist, what `current` names, which are
// complete, switching `current`, and collecting what no kept generation needs. It reads
// state.json only to learn what a generation references; it never builds one (store.cc).

#include <cstdint>
#include <string>
#include <vector>

#include "truststore/error.h"

namespace trustctl::truststore {

// The last generations below `current` kept, so readers of an older one have time to finish.
inline constexpr std::uint64_t kKeptGenerations = 3;

struct CurrentLink {
  enum class Kind { Missing, Invalid, Unreadable, Generation };  // Unreadable: EACCES/EPERM
  Kind kind = Kind::Missing;
  std::uint64_t generation = 0;  // Kind::Generation
  std::string problem;           // Kind::Invalid: what is wrong with it, for a message
};

// Reads <store>/current. Only a symbolic link to "generations/<N>" (N > 0, decimal) names a
// generation: a link anywhere else, or a folder copied in its place, is Invalid.
CurrentLink readCurrentLink(const std::string& store_dir);
// The numbered folders of <store>/generations, ascending (temporary ".tmp-*" ones excluded).
std::vector<std::uint64_t> listGenerations(const std::string& store_dir);
// A generation `current` may name: its state.json parses and every connector's runtime files
// exist.
bool isCompleteGeneration(const std::string& generation_dir);
// Points <store>/current at generations/<N> atomically (a link written aside, renamed over,
// the folder fsynced). Fails with Io; `current` is then unchanged.
Result<void> switchCurrent(const std::string& store_dir, std::uint64_t generation);

// Removes, under the writer lock, after `current` switched: temporary folders and files of
// dead writers, generations more than kKeptGenerations below `current` (only when
// `audit_logged`: their records are in audit.log), generations above `current` whose state
// cannot be read, then every object and key that no remaining generation references. When a
// remaining generation's state cannot be read nothing is collected from objects/ and keys/.
// Best effort: a failure leaves garbage for the next write, never a damaged store.
void collectGarbage(const std::string& store_dir, std::uint64_t current, bool audit_logged);

}  // namespace trustctl::truststore
