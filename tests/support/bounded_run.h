#pragma once
// Runs trustctl with a hard limit for tests of the probe's own bounds: the child is killed at
// `limit_seconds` (generous, far above what it is allowed to take), and the test asserts it
// ended by itself, with its peak memory (getrusage of the child) at hand. Output goes through
// files, so a child flooding its output cannot block it.

#include <string>
#include <vector>

#include "tests/support/cli_runner.h"

namespace trustctl::testing {

struct BoundedRun {
  RunResult result;
  bool killed_at_limit = false;  // true: it did not end by itself
  long max_rss_kib = 0;          // the child's peak resident set
};

BoundedRun runTrustctlBounded(const std::vector<std::string>& args, int limit_seconds);

// The same for any program by path, with `options.env` added to the test's environment and
// `options.stdin_data` as its standard input (`options.kill_after_us` is not used: the limit
// is `limit_seconds`).
BoundedRun runProgramBounded(const std::string& program, const std::vector<std::string>& args,
                             const RunOptions& options, int limit_seconds);

}  // namespace trustctl::testing
