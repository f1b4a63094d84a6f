#pragma once
// Runs a connector's on_change command (through /bin/sh) after its runtime files changed, so
// the runtime reloads: bounded by a timeout (then killed), its output captured, never more than
// once per change. The command sees TRUSTCTL_CONNECTOR and TRUSTCTL_CONNECTOR_DIR.

#include <string>

namespace trustctl::agent {

struct OnChangeResult {
  int exit_code = -1;  // -1 when it did not start or was killed
  bool timed_out = false;
  std::string output;  // stdout and stderr, at most 64 KiB
};

OnChangeResult runOnChange(const std::string& command, const std::string& connector,
                           const std::string& connector_dir, int timeout_seconds);

}  // namespace trustctl::agent
