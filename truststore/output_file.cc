#include "truststore/output_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "truststore/file_util.h"

namespace trustctl::truststore {

namespace {

std::string folderOf(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "." : (slash == 0 ? "/" : path.substr(0, slash));
}

Error ioError(const std::string& path, const char* what) {
  return Error{ErrorCode::Io, path + ": " + what + " failed: " + std::strerror(errno)};
}

Result<void> writeAllAndSync(int fd, std::string_view data, const std::string& path) {
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::write(fd, data.data() + done, data.size() - done);
    if (n < 0) {
      if (errno == EINTR) {
        continue;
      }
      return tl::unexpected(ioError(path, "write"));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0) {
    return tl::unexpected(ioError(path, "fsync"));
  }
  return {};
}

}  // namespace

Result<void> writeOutputFile(const std::string& path, std::string_view data, mode_t mode) {
  struct stat st {};
  if (::lstat(path.c_str(), &st) == 0) {
    if (S_ISDIR(st.st_mode)) {
      return fail(
          ErrorCode::IsDirectory,
          path + ": is a directory; give the path of a file to write, e.g. " + path + "/out");
    }
    if (!S_ISREG(st.st_mode)) {
      return fail(ErrorCode::NotARegularFile,
                  path + ": is " + fileTypeName(st.st_mode) +
                      "; trustctl replaces only regular files, give another output path");
    }
  }
  std::string folder = folderOf(path);
  std::string base = path.substr(path.rfind('/') == std::string::npos ? 0 : path.rfind('/') + 1);
  std::string tmp = folder + "/." + base + ".tmp-XXXXXX";
  // mkostemp creates with O_EXCL and mode 0600, so nobody can open the file before fchmod.
  int fd = ::mkostemp(tmp.data(), O_CLOEXEC);
  if (fd < 0) {
    if (errno == EACCES || errno == EPERM) {
      return tl::unexpected(permissionDeniedError(path, /*write=*/true));
    }
    return tl::unexpected(ioError(folder, "create a file in"));
  }
  auto written = ::fchmod(fd, mode) == 0 ? writeAllAndSync(fd, data, tmp)
                                         : Result<void>(tl::unexpected(ioError(tmp, "chmod")));
  ::close(fd);
  if (written && ::rename(tmp.c_str(), path.c_str()) != 0) {
    written = tl::unexpected(ioError(path, "rename"));
  }
  if (!written) {
    ::unlink(tmp.c_str());
    return written;
  }
  return fsyncDir(folder);
}

}  // namespace trustctl::truststore
