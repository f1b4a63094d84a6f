#include "truststore/store_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "truststore/store_files.h"

namespace trustctl::truststore {

Result<StoreLock> StoreLock::acquire(const std::string& store_dir,
                                     std::chrono::milliseconds timeout) {
  std::string path = store_dir + "/.lock";
  // Never through a link: a writer running as root must not create or touch a file another
  // user pointed .lock at.
  auto opened = openStoreFile(path, O_RDWR);
  if (!opened) {
    return tl::unexpected(opened.error());
  }
  int fd = *opened;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) {
      return StoreLock(fd);
    }
    if (errno != EWOULDBLOCK && errno != EINTR) {
      int err = errno;
      ::close(fd);
      return fail(ErrorCode::Io, path + ": cannot lock the store: " + std::strerror(err));
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      ::close(fd);
      return fail(ErrorCode::StoreLocked,
                  store_dir + ": another trustctl is changing this store and held its lock for " +
                      std::to_string(static_cast<double>(timeout.count()) / 1000.0).substr(0, 4) +
                      " s; retry, or raise --lock-timeout");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
}

StoreLock::StoreLock(StoreLock&& other) noexcept : fd_(other.fd_) {
  other.fd_ = -1;
}

StoreLock::~StoreLock() {
  if (fd_ >= 0) {
    ::close(fd_);  // closing the descriptor releases the flock
  }
}

}  // namespace trustctl::truststore
