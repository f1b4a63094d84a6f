#pragma once
// The few filesystem operations the store is built from, each with the durability the store
// needs: whole-file writes that land atomically (write aside, fsync, rename, fsync the folder)
// and reads that say which path failed.

#include <sys/types.h>
#include <string>

#include "truststore/error.h"

namespace trustctl::truststore {

// Writes `data` to `path` atomically with mode `mode`; an existing file is replaced.
Result<void> writeFileAtomic(const std::string& path, std::string_view data, mode_t mode = 0644);
// Writes a new file (not atomically visible; used inside folders not yet published).
Result<void> writeFileDurable(const std::string& path, std::string_view data, mode_t mode = 0644);
Result<std::string> readWholeFile(const std::string& path);
Result<void> makeDirs(const std::string& path, mode_t mode = 0755);
Result<void> fsyncDir(const std::string& path);
// Removes a tree; missing paths are fine.
void removeTree(const std::string& path);
bool pathExists(const std::string& path);
// Hard-links every file of `from` into `to` (created), recursively.
Result<void> linkTree(const std::string& from, const std::string& to);

}  // namespace trustctl::truststore
