#pragma once
// The store's audit records. Each record is written inside its transaction: generation N
// carries the records of the change that made it (<store>/generations/N/audit.json, with the
// generation it was built on), so a change is never live without its record. <store>/audit.log
// (one JSON object per line) is derived from them: after each switch, and again on the next
// write when that failed or was killed, the records of the generations leading to `current`
// that the log does not hold yet are appended. Never any secret.

#include <cstdint>
#include <string>
#include <vector>

#include "truststore/error.h"
#include "truststore/time_util.h"

namespace trustctl::truststore {

struct AuditRecord {
  UnixTime time = 0;
  std::string user;
  std::string action;       // "import", "remove", "connector.trust", ...
  std::string subject;      // entry or connector name
  std::string fingerprint;  // sha256 hex of the main certificate, "" when none
  std::string detail;       // one line
  std::uint64_t generation = 0;
};

inline constexpr const char* kGenerationAuditFile = "audit.json";

// The audit.json of a generation: its records and the generation it was built on (0: none).
std::string serializeGenerationAudit(std::uint64_t generation, std::uint64_t parent,
                                     const std::vector<AuditRecord>& records);

// Appends to <store>/audit.log the records of every generation from `current` back along its
// parents that the log does not hold yet (a torn last line is completed, not duplicated).
// The caller holds the writer lock. Fails with Io (the records stay in the generations and
// are appended by the next write) or StoreUnsafe when audit.log is a link.
Result<void> replayAudit(const std::string& store_dir, std::uint64_t current);
// Every record, oldest first: audit.log plus the records of the generations leading to
// `current` not appended yet. A damaged line is skipped, not fatal.
Result<std::vector<AuditRecord>> readAudit(const std::string& store_dir, std::uint64_t current);
// The name of the user running this process (SUDO_USER noted as "root (sudo: alice)").
std::string currentUserName();

}  // namespace trustctl::truststore
