#pragma once
// Writes a file a user named as an output (export-identity -o, probe --record) without ever
// writing through what is not a regular file: the content goes to a new temporary file beside
// the target (O_EXCL, explicit mode), is fsynced and renamed over it. So a symbolic link is
// never followed, a device node (/dev/full), FIFO or folder is refused rather than replaced
// or written into, and a reader sees the old file or the new one, never half of it.
// Store-internal files use writeFileAtomic (file_util.h) instead.

#include <sys/types.h>

#include <string>
#include <string_view>

#include "truststore/error.h"

namespace trustctl::truststore {

// Writes `data` to `path` with mode `mode` (the umask does not change it), replacing an
// existing regular file. Fails with NotARegularFile (an existing link, device, FIFO, socket),
// IsDirectory, PermissionDenied (naming the folder's owner, group and mode) or Io; on failure
// `path` is untouched and no temporary file is left.
Result<void> writeOutputFile(const std::string& path, std::string_view data, mode_t mode);

}  // namespace trustctl::truststore
