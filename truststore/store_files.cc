#include "truststore/store_files.h"

#include <dirent.h>
#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace trustctl::truststore {

namespace {

std::string userName(uid_t uid) {
  const passwd* pw = ::getpwuid(uid);
  std::string id = "uid " + std::to_string(uid);
  return pw != nullptr ? std::string(pw->pw_name) + " (" + id + ")" : id;
}

std::string octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

Error unsafe(const std::string& path, const std::string& what) {
  return Error{ErrorCode::StoreUnsafe, path + ": " + what};
}

// The owner and write bits of a folder a writer trusts: only the user running may change it.
Result<void> checkFolder(const std::string& path, const struct stat& st) {
  if (!S_ISDIR(st.st_mode)) {
    return tl::unexpected(
        unsafe(path,
               "is a symbolic link or not a folder; another user may have planted it: remove it "
               "and run 'trustctl store check --repair', or restore a backup"));
  }
  if (st.st_uid != ::geteuid()) {
    return tl::unexpected(unsafe(path, "is owned by " + userName(st.st_uid) +
                                           ", but trustctl runs as " + userName(::geteuid()) +
                                           "; run trustctl as the store's owner or chown the "
                                           "store to this user"));
  }
  if ((st.st_mode & 022) != 0) {
    return tl::unexpected(unsafe(path, "can be written by its group or by other users (mode " +
                                           octal(st.st_mode) + "); run 'chmod 2750 " + path +
                                           "' so no other user can plant files in the store"));
  }
  return {};
}

Result<void> checkPlainFile(const std::string& path, const struct stat& st) {
  if (!S_ISREG(st.st_mode) || st.st_nlink != 1) {
    return tl::unexpected(
        unsafe(path, std::string(S_ISLNK(st.st_mode)   ? "is a symbolic link"
                                 : S_ISREG(st.st_mode) ? "has other hard links"
                                                       : "is not a regular file") +
                         "; the store writes none there, another user may have planted it: "
                         "remove it"));
  }
  return {};
}

}  // namespace

Result<void> makeStoreDir(const std::string& path) {
  if (::mkdir(path.c_str(), kStoreDirMode) != 0 && errno != EEXIST) {
    return fail(ErrorCode::Io, path + ": cannot create folder: " + std::strerror(errno));
  }
  struct stat st {};
  if (::lstat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
    return tl::unexpected(unsafe(path, "is not a folder; remove it"));
  }
  // mkdir applies the umask and ignores setgid: set the mode the store promises explicitly.
  if (::chmod(path.c_str(), kStoreDirMode) != 0) {
    return fail(ErrorCode::Io, path + ": cannot set mode 2750: " + std::strerror(errno));
  }
  return {};
}

Result<void> makeStoreRoot(const std::string& dir) {
  struct stat st {};
  if (::stat(dir.c_str(), &st) == 0) {
    return {};
  }
  for (size_t slash = dir.find('/', 1); slash != std::string::npos;
       slash = dir.find('/', slash + 1)) {
    std::string parent = dir.substr(0, slash);
    if (::mkdir(parent.c_str(), 0755) == 0) {
      ::chmod(parent.c_str(), 0755);
    } else if (errno != EEXIST) {
      return fail(ErrorCode::Io, parent + ": cannot create folder: " + std::strerror(errno));
    }
  }
  return makeStoreDir(dir);
}

Result<void> checkStoreSafety(const std::string& dir) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return {};
    }
    return fail(ErrorCode::Io, dir + ": cannot open the store folder: " + std::strerror(errno));
  }
  struct stat st {};
  Result<void> result;
  if (::fstat(fd, &st) != 0) {
    result = fail(ErrorCode::Io, dir + ": cannot stat the store folder: " + std::strerror(errno));
  } else {
    result = checkFolder(dir, st);
  }
  for (const char* sub : {"objects", "keys", "generations"}) {
    if (result && ::fstatat(fd, sub, &st, AT_SYMLINK_NOFOLLOW) == 0) {
      result = checkFolder(dir + "/" + sub, st);
    }
  }
  for (const char* file : {".lock", "audit.log", "format"}) {
    if (result && ::fstatat(fd, file, &st, AT_SYMLINK_NOFOLLOW) == 0) {
      result = checkPlainFile(dir + "/" + file, st);
    }
  }
  ::close(fd);
  return result;
}

Result<int> openStoreFile(const std::string& path, int flags) {
  int fd = ::open(path.c_str(), flags | O_CREAT | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK,
                  kStoreFileMode);
  if (fd < 0) {
    if (errno == ELOOP) {
      return tl::unexpected(unsafe(path,
                                   "is a symbolic link; the store writes none there, "
                                   "another user may have planted it: remove it"));
    }
    return fail(ErrorCode::Io, path + ": cannot open: " + std::strerror(errno));
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return fail(ErrorCode::Io, path + ": cannot stat: " + std::strerror(errno));
  }
  if (auto r = checkPlainFile(path, st); !r) {
    ::close(fd);
    return tl::unexpected(r.error());
  }
  if ((st.st_mode & 07777) != kStoreFileMode) {
    ::fchmod(fd, kStoreFileMode);
  }
  // O_NONBLOCK only kept open() from hanging on a planted FIFO; regular files ignore it.
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) & ~O_NONBLOCK);
  return fd;
}

Result<void> linkStoreTree(const std::string& from, const std::string& to) {
  if (auto r = makeStoreDir(to); !r) {
    return r;
  }
  DIR* dir = ::opendir(from.c_str());
  if (dir == nullptr) {
    return fail(ErrorCode::Io, from + ": cannot open folder: " + std::strerror(errno));
  }
  Result<void> result;
  while (dirent* e = ::readdir(dir)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") {
      continue;
    }
    std::string src = from + "/" + name;
    std::string dst = to + "/" + name;
    struct stat st {};
    if (::lstat(src.c_str(), &st) != 0) {
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      result = linkStoreTree(src, dst);
    } else if (S_ISREG(st.st_mode) && ::link(src.c_str(), dst.c_str()) != 0) {
      result = fail(ErrorCode::Io, dst + ": cannot link: " + std::strerror(errno));
    }
    if (!result) {
      break;
    }
  }
  ::closedir(dir);
  return result;
}

void applyStoreModes(const std::string& dir) {
  DIR* d = ::opendir(dir.c_str());
  if (d == nullptr) {
    return;
  }
  while (dirent* e = ::readdir(d)) {
    std::string name = e->d_name;
    if (name == "." || name == "..") {
      continue;
    }
    std::string path = dir + "/" + name;
    struct stat st {};
    if (::lstat(path.c_str(), &st) != 0) {
      continue;
    }
    if (S_ISDIR(st.st_mode)) {
      ::chmod(path.c_str(), kStoreDirMode);
      applyStoreModes(path);
    } else if (S_ISREG(st.st_mode)) {
      ::chmod(path.c_str(), kStoreFileMode);
    }
  }
  ::closedir(d);
}

}  // namespace trustctl::truststore
