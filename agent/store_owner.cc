#include "agent/store_owner.h"

#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <iostream>

namespace trustctl::agent {

namespace {

constexpr const char* kSystemStore = "/var/lib/trustctl";

[[noreturn]] void cannotSwitch(const std::string& store_dir, const std::string& user,
                               const char* step) {
  std::cerr << "trustctl: " << store_dir << ": belongs to " << user
            << ", but switching to that user failed (" << step << ": " << std::strerror(errno)
            << "); run trustctl as " << user << " (runuser -u " << user << " -- trustctl ...)\n";
  std::exit(3);
}

}  // namespace

void actAsStoreOwner(const std::string& store_dir) {
  if (::geteuid() != 0) {
    return;
  }
  struct stat st {};
  if (::lstat(store_dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode) || st.st_uid == 0) {
    return;
  }
  const passwd* pw = ::getpwuid(st.st_uid);
  std::string user = pw != nullptr ? pw->pw_name : "uid " + std::to_string(st.st_uid);
  gid_t gid = pw != nullptr ? pw->pw_gid : st.st_gid;
  // Supplementary groups first, while still allowed to set them; then gid, then uid last.
  int groups_ok = pw != nullptr ? ::initgroups(pw->pw_name, gid) : ::setgroups(0, nullptr);
  if (groups_ok != 0) {
    cannotSwitch(store_dir, user, "setgroups");
  }
  if (::setgid(gid) != 0) {
    cannotSwitch(store_dir, user, "setgid");
  }
  if (::setuid(st.st_uid) != 0) {
    cannotSwitch(store_dir, user, "setuid");
  }
  if (::setuid(0) == 0) {  // a switch that can be undone is no switch
    errno = EPERM;
    cannotSwitch(store_dir, user, "setuid");
  }
  if (pw != nullptr) {
    ::setenv("HOME", pw->pw_dir, 1);
  }
}

std::string ownedSystemStore() {
  struct stat st {};
  if (::lstat(kSystemStore, &st) == 0 && S_ISDIR(st.st_mode) && st.st_uid == ::geteuid()) {
    return kSystemStore;
  }
  return "";
}

}  // namespace trustctl::agent
