#include "truststore/file_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

namespace trustctl::truststore {

namespace {

Error ioError(const std::string& what, const std::string& path) {
  return Error{ErrorCode::Io, path + ": " + what + " failed: " + std::strerror(errno)};
}

Result<void> writeAll(int fd, std::string_view data, const std::string& path) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return tl::unexpected(ioError("write", path));
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    return tl::unexpected(ioError("fsync", path));
  }
  return {};
}

std::string parentOf(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

std::string userName(uid_t uid) {
  passwd pw{};
  passwd* found = nullptr;
  char buf[1024];
  if (::getpwuid_r(uid, &pw, buf, sizeof buf, &found) == 0 && found != nullptr) {
    return std::string(found->pw_name) + " (uid " + std::to_string(uid) + ")";
  }
  return "uid " + std::to_string(uid);
}

std::string groupName(gid_t gid) {
  group gr{};
  group* found = nullptr;
  char buf[4096];
  if (::getgrgid_r(gid, &gr, buf, sizeof buf, &found) == 0 && found != nullptr) {
    return found->gr_name;
  }
  return std::to_string(gid);
}

std::string modeString(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

Error notRegular(const std::string& path, mode_t mode, std::string_view what) {
  if (S_ISDIR(mode)) {
    return Error{ErrorCode::IsDirectory,
                 path + ": is a directory; give " + std::string(what) + " instead"};
  }
  return Error{ErrorCode::NotARegularFile, path + ": is " + fileTypeName(mode) +
                                               ", not a regular file; give " + std::string(what) +
                                               " (copy the content to a file first)"};
}

Error tooLarge(const std::string& path, size_t max_bytes, std::string_view what) {
  std::string limit = max_bytes >= 1024 * 1024 ? std::to_string(max_bytes / (1024 * 1024)) + " MiB"
                                               : std::to_string(max_bytes / 1024) + " KiB";
  return Error{ErrorCode::FileTooLarge, path + ": over the " + limit + " limit for " +
                                            std::string(what) + "; give the right file"};
}

// Open without blocking (a FIFO opens at once, then fstat refuses it), check the type on the
// descriptor itself (no race with a rename), then read at most max_bytes + 1 bytes.
Result<std::string> readBounded(const std::string& path, size_t max_bytes, bool follow_links,
                                std::string_view what) {
  int flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY | (follow_links ? 0 : O_NOFOLLOW);
  int fd = ::open(path.c_str(), flags);
  if (fd < 0) {
    int err = errno;
    struct stat st {};
    if (err == ELOOP && !follow_links && ::lstat(path.c_str(), &st) == 0) {
      return tl::unexpected(notRegular(path, st.st_mode, what));
    }
    if (err == EACCES || err == EPERM) {
      return tl::unexpected(permissionDeniedError(path, /*write=*/false));
    }
    if (err == ENOENT && follow_links) {
      return fail(ErrorCode::FileNotFound, path + ": no such file; check the path");
    }
    errno = err;
    return tl::unexpected(ioError("open", path));
  }
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    return tl::unexpected(ioError("stat", path));
  }
  if (!S_ISREG(st.st_mode)) {
    return tl::unexpected(notRegular(path, st.st_mode, what));
  }
  if (static_cast<unsigned long long>(st.st_size) > max_bytes) {
    return tl::unexpected(tooLarge(path, max_bytes, what));
  }
  std::string out;
  out.reserve(static_cast<size_t>(st.st_size));
  char buf[1 << 16];
  // A file growing while read (or a /proc-like file reporting size 0) still stops at the cap.
  while (out.size() <= max_bytes) {
    size_t want = std::min(sizeof buf, max_bytes + 1 - out.size());
    ssize_t n = ::read(fd, buf, want);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      if (errno == EACCES || errno == EPERM) {
        return tl::unexpected(permissionDeniedError(path, /*write=*/false));
      }
      return tl::unexpected(ioError("read", path));
    }
    if (n == 0) {
      return out;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  return tl::unexpected(tooLarge(path, max_bytes, what));
}

}  // namespace

const char* fileTypeName(mode_t mode) {
  if (S_ISFIFO(mode)) {
    return "a FIFO (named pipe)";
  }
  if (S_ISCHR(mode) || S_ISBLK(mode)) {
    return "a device";
  }
  if (S_ISSOCK(mode)) {
    return "a socket";
  }
  if (S_ISLNK(mode)) {
    return "a symbolic link";
  }
  return "not a regular file";
}

Result<void> writeFileDurable(const std::string& path, std::string_view data, mode_t mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
  if (fd < 0) {
    return tl::unexpected(ioError("open", path));
  }
  // The umask must not widen or narrow what the store promises (0600 for keys).
  ::fchmod(fd, mode);
  auto r = writeAll(fd, data, path);
  ::close(fd);
  return r;
}

Result<void> writeFileAtomic(const std::string& path, std::string_view data, mode_t mode) {
  std::string tmp = path + ".tmp." + std::to_string(::getpid());
  if (auto r = writeFileDurable(tmp, data, mode); !r) {
    ::unlink(tmp.c_str());
    return r;
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    auto err = ioError("rename", path);
    ::unlink(tmp.c_str());
    return tl::unexpected(err);
  }
  return fsyncDir(parentOf(path));
}

Result<std::string> readWholeFile(const std::string& path, size_t max_bytes) {
  return readBounded(path, max_bytes, /*follow_links=*/false, "a file trustctl wrote");
}

Result<std::string> readUserFile(const std::string& path, size_t max_bytes, std::string_view what) {
  return readBounded(path, max_bytes, /*follow_links=*/true, what);
}

Error permissionDeniedError(const std::string& path, bool write) {
  // The file itself may be fine while a folder above it cannot be entered: name the first
  // folder that denies search, else the file (or, for a write, the folder it goes into).
  std::string denied = write ? parentOf(path) : path;
  const char* bit = write ? "g+w" : "g+r";
  for (size_t slash = path.find('/', 1); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    std::string folder = path.substr(0, slash);
    if (::access(folder.c_str(), X_OK) != 0 && errno == EACCES) {
      denied = folder;
      bit = "g+x";
      break;
    }
  }
  std::string msg = "permission denied: " + path + " cannot be " + (write ? "written" : "read") +
                    " by " + userName(::geteuid());
  struct stat st {};
  if (::stat(denied.c_str(), &st) != 0) {
    return Error{ErrorCode::PermissionDenied,
                 msg + "; give that user access to " + denied + " or run as its owner"};
  }
  std::string group = groupName(st.st_gid);
  msg += (denied == path ? std::string(": it has") : ": " + denied + " has") + " owner " +
         userName(st.st_uid) + ", group " + group + ", mode " + modeString(st.st_mode);
  return Error{ErrorCode::PermissionDenied,
               msg + "; run as " + userName(st.st_uid) + ", or put the user in group " + group +
                   " and make sure the group has access (chmod " + bit + " " + denied + ")"};
}

Result<void> makeDirs(const std::string& path, mode_t mode) {
  std::error_code ec;
  std::filesystem::create_directories(path, ec);
  if (ec) {
    return fail(ErrorCode::Io, path + ": cannot create folder: " + ec.message());
  }
  ::chmod(path.c_str(), mode);
  return {};
}

Result<void> fsyncDir(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) {
    return tl::unexpected(ioError("open folder", path));
  }
  int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) {
    return tl::unexpected(ioError("fsync folder", path));
  }
  return {};
}

void removeTree(const std::string& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
}

bool pathExists(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0;
}

}  // namespace trustctl::truststore
