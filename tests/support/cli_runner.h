#pragma once
// Runs the real trustctl binary as a child process (fork/exec, no shell) with arguments,
// extra environment and standard input, and captures its output and exit status; plus a
// fingerprint of a store directory so tests can prove "the store is unchanged".

#include <map>
#include <string>
#include <vector>

namespace trustctl::testing {

struct RunResult {
  int exit_code = -1;  // -1 when killed by a signal
  int signal = 0;
  std::string out;
  std::string err;
};

struct RunOptions {
  std::map<std::string, std::string> env;  // added to (or overriding) the test's environment
  std::string stdin_data;
  int kill_after_us = -1;  // >= 0: SIGKILL the child after this many microseconds
};

// Path of the trustctl binary under test (set by CMake).
std::string trustctlPath();
RunResult runTrustctl(const std::vector<std::string>& args, const RunOptions& options = {});
// The same for any program, by path.
RunResult runProgram(const std::string& program, const std::vector<std::string>& args,
                     const RunOptions& options = {});

// Every file under `dir` with its size and a hash of its content, sorted; symlink targets
// included. Equal fingerprints mean an identical tree.
std::string treeFingerprint(const std::string& dir);

// Number of non-empty lines in `text`.
int lineCount(const std::string& text);

}  // namespace trustctl::testing
