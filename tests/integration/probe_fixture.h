#pragma once
// Shared by the probe integration tests: a throwaway store, connectors trusting given
// certificates, and `trustctl probe --json` run as a real process against real servers.

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "tests/support/cli_runner.h"
#include "tests/support/servers.h"
#include "tests/support/test_pki.h"

namespace trustctl::testing {

inline constexpr UnixTime kProbeTestNow = 0;  // unused: the probe judges at the real time

class ProbeFixture {
 public:
  ProbeFixture();
  // Imports `certs` as entry `entry` (one PEM file) and makes `connector` trust it.
  void trust(const std::string& connector, const std::string& entry,
             const std::vector<CertificatePtr>& certs);
  void createConnector(const std::string& connector);
  // Writes a PEM catalog file and returns its path.
  std::string catalog(const std::vector<CertificatePtr>& certs);
  RunResult run(std::vector<std::string> args, const RunOptions& options = {});
  // `trustctl probe ARGS --json --no-system-catalog`; the last JSON object printed.
  // With TRUSTCTL_GOLDEN_RECORD=DIR set, the probe also records its captures and writes a
  // golden case into DIR (tests/probes/golden_replay_test.cc replays them).
  nlohmann::json probe(std::vector<std::string> args, RunResult* raw = nullptr);
  std::string storeDir() const { return dir_.file("store"); }
  const TempDir& dir() const { return dir_; }
  TestPki pki;

 private:
  // Writes one golden case (see scripts/record-golden.sh), or notes in skipped.txt why not.
  void recordGolden(const std::string& golden_dir, const std::vector<std::string>& args,
                    UnixTime now, const std::vector<nlohmann::json>& outputs,
                    const std::string& record_file);
  TempDir dir_;
  int files_ = 0;
};

// The probe's diagnosis code.
std::string codeOf(const nlohmann::json& result);

}  // namespace trustctl::testing
