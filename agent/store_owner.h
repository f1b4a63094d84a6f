#pragma once
// Root administering a store that belongs to a service user (the package's `trustctl`, whose
// agent keeps writing it) acts as that user, the way `runuser -u trustctl` would: the files it
// writes stay the agent's, and root never follows a link that the service user could plant in
// its own folder. Not a sandbox: a store owned by root, or a process not running as root, is
// left as it is.

#include <string>

namespace trustctl::agent {

// When running as root and `store_dir` is an existing folder owned by another user, switches
// the whole process (groups, gid, uid) to that user. Exits with 3 and one line on stderr when
// the switch fails, since going on as root is exactly what the store refuses.
void actAsStoreOwner(const std::string& store_dir);

// The packaged store, /var/lib/trustctl, when it is a folder owned by the user running (the
// service user administering its own store); "" otherwise.
std::string ownedSystemStore();

}  // namespace trustctl::agent
