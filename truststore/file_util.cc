#include "truststore/file_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
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

}  // namespace

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

Result<std::string> readWholeFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    return tl::unexpected(ioError("open", path));
  }
  std::string out;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && st.st_size > 0) {
    out.reserve(static_cast<size_t>(st.st_size));
  }
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      auto err = ioError("read", path);
      ::close(fd);
      return tl::unexpected(err);
    }
    if (n == 0) {
      break;
    }
    out.append(buf, static_cast<size_t>(n));
  }
  ::close(fd);
  return out;
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

Result<void> linkTree(const std::string& from, const std::string& to) {
  if (auto r = makeDirs(to); !r) {
    return r;
  }
  DIR* dir = ::opendir(from.c_str());
  if (dir == nullptr) {
    return tl::unexpected(ioError("open folder", from));
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
      result = linkTree(src, dst);
    } else if (::link(src.c_str(), dst.c_str()) != 0) {
      result = tl::unexpected(ioError("link", dst));
    }
    if (!result) {
      break;
    }
  }
  ::closedir(dir);
  return result;
}

}  // namespace trustctl::truststore
