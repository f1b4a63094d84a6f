#pragma once
// The store's writer lock: an flock on <store>/.lock. Writers serialize on it; readers never
// take it (they read an immutable generation). The kernel drops it when a writer dies, even
// by SIGKILL, so a crash never leaves the store locked.

#include <chrono>
#include <string>

#include "truststore/error.h"

namespace trustctl::truststore {

class StoreLock {
 public:
  // Waits up to `timeout` for the lock; fails with StoreLocked naming the store and the wait.
  static Result<StoreLock> acquire(const std::string& store_dir, std::chrono::milliseconds timeout);
  StoreLock(StoreLock&& other) noexcept;
  StoreLock& operator=(StoreLock&&) = delete;
  StoreLock(const StoreLock&) = delete;
  ~StoreLock();

 private:
  explicit StoreLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace trustctl::truststore
