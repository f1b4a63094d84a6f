#pragma once
// Fault injection for the store's tests: the writer can be made to die (SIGKILL) or to fail as
// a full disk does (ENOSPC) at a named step, so every point between two writes is exercised on
// purpose. Off unless the test environment variables are set; costs one getenv per process.
//   TRUSTCTL_TEST_CRASH_AT=<step>  SIGKILL at that step
//   TRUSTCTL_TEST_FAIL_AT=<step>   the write at that step fails with ENOSPC

#include <string>

#include "truststore/error.h"

namespace trustctl::truststore {

// Kills the process when TRUSTCTL_TEST_CRASH_AT names `step`.
void crashPoint(const char* step);
// An Io error "No space left on device" on `path` when TRUSTCTL_TEST_FAIL_AT names `step`.
Result<void> faultPoint(const char* step, const std::string& path);

}  // namespace trustctl::truststore
