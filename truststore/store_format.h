#pragma once
// The store's layout version, in <store>/format ("2\n"). Version 1 is the first layout, which
// had no format file: modes followed the umask and the audit log was appended after the
// switch. A newer trustctl migrates an older store once, under the writer lock; an older
// trustctl refuses a newer store rather than misread it.

#include <string>

#include "truststore/error.h"

namespace trustctl::truststore {

// 2: explicit modes (store_files.h), each generation carries its audit records (audit.json).
inline constexpr int kStoreFormat = 2;

// The format of the store at `dir`: 0 for a store not written yet, 1 for a first-layout store
// (data but no format file), else the number in <store>/format. Fails with StoreCorrupt on an
// unreadable format file and StoreTooNew (one line: upgrade trustctl) on a newer format.
Result<int> readStoreFormat(const std::string& dir);
// Brings the store to kStoreFormat; the caller holds the writer lock. Version 1: every mode is
// set as store_files.h promises, then the format file is written atomically, last, so a crash
// leaves version 1 and the next writer migrates again (each step is idempotent).
Result<void> migrateStore(const std::string& dir);

}  // namespace trustctl::truststore
