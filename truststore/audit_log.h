#pragma once
// The store's audit log: one JSON object per line in <store>/audit.log, appended under the
// writer lock after a change is switched in. Records who did what to which entry, with the
// certificate fingerprint; never any secret.

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

// Appends records with O_APPEND and fsync.
Result<void> appendAudit(const std::string& store_dir, const std::vector<AuditRecord>& records);
// Reads all records, oldest first; a damaged line is skipped, not fatal.
Result<std::vector<AuditRecord>> readAudit(const std::string& store_dir);
// The name of the user running this process (SUDO_USER noted as "root (sudo: alice)").
std::string currentUserName();

}  // namespace trustctl::truststore
