#pragma once
// How the store creates, opens and checks its own files, whatever the umask and whoever else
// can reach the folder: every folder 02750 (setgid, so files take the store folder's group,
// which connector processes join), every file 0640 (keys too: the group may read them, nobody
// else can enter the store), no symbolic link followed where a writer opens a file, and a
// store folder another user could change is refused before anything is written.
// It does not decide what goes where (store.cc) nor read file contents (file_util.h).

#include <sys/types.h>

#include <string>

#include "truststore/error.h"

namespace trustctl::truststore {

inline constexpr mode_t kStoreDirMode = 02750;
inline constexpr mode_t kStoreFileMode = 0640;
inline constexpr mode_t kStoreKeyMode = 0640;

// Creates the folder `path` (its parent must exist) with kStoreDirMode, or sets that mode on
// an existing one. A symbolic link or a non-folder at `path` fails with StoreUnsafe.
Result<void> makeStoreDir(const std::string& path);
// Creates the store folder and missing parents (parents 0755, the store kStoreDirMode); an
// existing store folder keeps the mode its operator gave it.
Result<void> makeStoreRoot(const std::string& dir);
// Refuses (StoreUnsafe, one line naming the path and the fix) a store a writer must not touch:
// the store folder, objects/, keys/ or generations/ owned by another user than the one running
// or writable by group or others, a folder there replaced by a link, or .lock, audit.log or
// format that is not a plain file with one link. A store not created yet passes.
Result<void> checkStoreSafety(const std::string& dir);
// Opens (creating with kStoreFileMode) a file the store owns at `path` with `flags`
// (O_WRONLY|O_APPEND, O_RDWR...), never through a symbolic link, refusing anything but a
// regular file with one link (StoreUnsafe). Returns the descriptor; the caller closes it.
Result<int> openStoreFile(const std::string& path, int flags);
// Hard-links every file of `from` into `to` (created kStoreDirMode), recursively.
Result<void> linkStoreTree(const std::string& from, const std::string& to);
// Gives every folder below `dir` kStoreDirMode and every regular file kStoreFileMode; links
// and `dir` itself (its operator's choice) are left alone. Best effort: used when migrating an
// older store, whose modes followed the umask.
void applyStoreModes(const std::string& dir);

}  // namespace trustctl::truststore
