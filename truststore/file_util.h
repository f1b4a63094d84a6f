#pragma once
// The few filesystem operations the store is built from, each with the durability the store
// needs: whole-file writes that land atomically (write aside, fsync, rename, fsync the folder)
// and reads that say which path failed. Every read is bounded: it refuses what is not a
// regular file (a FIFO would block, /dev/zero never ends) and reads at most its cap plus one
// byte, so no input can make trustctl wait forever or exhaust memory.

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "truststore/error.h"

namespace trustctl::truststore {

// Writes `data` to `path` atomically with mode `mode`; an existing file is replaced.
Result<void> writeFileAtomic(const std::string& path, std::string_view data, mode_t mode = 0644);
// Writes a new file (not atomically visible; used inside folders not yet published).
Result<void> writeFileDurable(const std::string& path, std::string_view data, mode_t mode = 0644);

// Read caps. Each reader states its own; these are the shared ones.
// Store-internal files: anchors.der of 10,000 anchors is ~15 MiB and the audit log grows by
// ~200 bytes a change, so 256 MiB is far above any real store and still bounded.
inline constexpr size_t kMaxStoreFileBytes = 256u * 1024u * 1024u;
// A password file holds one line; 4 KiB is far longer than any password a human or a vault
// generates.
inline constexpr size_t kMaxPasswordFileBytes = 4u * 1024u;
// A TOML config of a thousand connectors is ~1 MiB.
inline constexpr size_t kMaxConfigFileBytes = 4u * 1024u * 1024u;
// Recorded probe captures (--record/--replay): a capture with its chain is a few KiB; 64 MiB
// holds tens of thousands.
inline constexpr size_t kMaxReplayFileBytes = 64u * 1024u * 1024u;

// Reads a file the store itself wrote. The last component is never followed (O_NOFOLLOW: the
// store writes no links there) and must be a regular file of at most `max_bytes`.
// Fails with Io (open/read; missing files too), NotARegularFile (link, FIFO, device, socket),
// IsDirectory, FileTooLarge or PermissionDenied (naming owner, group and mode).
Result<std::string> readWholeFile(const std::string& path, size_t max_bytes = kMaxStoreFileBytes);
// Reads a file a user named on the command line or in a config: symbolic links are followed,
// but what they lead to must be a regular file (opened non-blocking, so a FIFO never blocks)
// of at most `max_bytes`. `what` names the expected content in messages ("a certificate
// file"). Fails with FileNotFound, IsDirectory, NotARegularFile, FileTooLarge,
// PermissionDenied or Io; every message names `path` and says what to do.
Result<std::string> readUserFile(const std::string& path, size_t max_bytes, std::string_view what);
// A PermissionDenied error for reading (or writing) `path` that names the true cause: the
// owner, group and mode of the file (for a write: its folder; either way a folder above that
// cannot be entered, when there is one) and the user the process runs as.
Error permissionDeniedError(const std::string& path, bool write);
Result<void> makeDirs(const std::string& path, mode_t mode = 0755);
Result<void> fsyncDir(const std::string& path);
// Removes a tree; missing paths are fine.
void removeTree(const std::string& path);
bool pathExists(const std::string& path);
// What a file that is not a regular one is, for a message: "a FIFO (named pipe)", "a device",
// "a socket", "a symbolic link" (for an lstat), else "not a regular file".
const char* fileTypeName(mode_t mode);

}  // namespace trustctl::truststore
