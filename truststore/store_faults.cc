#include "truststore/store_faults.h"

#include <signal.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

namespace trustctl::truststore {

void crashPoint(const char* step) {
  static const char* wanted = std::getenv("TRUSTCTL_TEST_CRASH_AT");
  if (wanted != nullptr && std::strcmp(wanted, step) == 0) {
    ::raise(SIGKILL);
  }
}

Result<void> faultPoint(const char* step, const std::string& path) {
  static const char* wanted = std::getenv("TRUSTCTL_TEST_FAIL_AT");
  if (wanted != nullptr && std::strcmp(wanted, step) == 0) {
    return fail(ErrorCode::Io, path + ": write failed: " + std::strerror(ENOSPC));
  }
  return {};
}

}  // namespace trustctl::truststore
