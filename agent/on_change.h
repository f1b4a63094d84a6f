#pragma once
// Runs a connector's on_change command (through /bin/sh) after its runtime files changed, so
// the runtime reloads: bounded by a timeout (then killed), its output captured, never more than
// once per change. The command sees TRUSTCTL_CONNECTOR and TRUSTCTL_CONNECTOR_DIR. A server
// certificate's on_change runs the same way when its files change.

#include <string>
#include <utility>
#include <vector>

namespace trustctl::agent {

struct OnChangeResult {
  int exit_code = -1;  // -1 when it did not start or was killed
  bool timed_out = false;
  std::string output;  // stdout and stderr, at most 64 KiB
};

OnChangeResult runOnChange(const std::string& command, const std::string& connector,
                           const std::string& connector_dir, int timeout_seconds);
// The same with the variables the command sees given (a server certificate's on_change sees
// TRUSTCTL_SERVER_CERT and TRUSTCTL_SERVER_CERT_DIR).
OnChangeResult runOnChangeWith(const std::string& command,
                               const std::vector<std::pair<std::string, std::string>>& env,
                               int timeout_seconds);

}  // namespace trustctl::agent
