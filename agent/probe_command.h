#pragma once
// Shared between the probe command's setup (probe_command.cc), its output (probe_output.cc)
// and its --install step (probe_install.cc).

#include <memory>
#include <string>
#include <vector>

#include "agent/cli_context.h"
#include "probes/probe_runner.h"
#include "truststore/store.h"

namespace trustctl::agent {

struct ProbeArgs {
  std::vector<std::string> urls;
  std::string connector;
  bool all = false;
  std::vector<std::string> catalogs;
  bool no_system_catalog = false;
  bool no_aia = false;
  std::string identity;
  std::string bind_dn;
  std::string bind_password_file;
  std::string servername;
  double timeout_seconds = 10;
  int parallel = 64;
  bool install = false;
  bool yes = false;
  bool allow_server_pin = false;
  std::string proxy;  // --proxy: a URL or "none"; "" = the connector's, else the environment
  std::string proxy_credentials_file;
  bool allow_interception_root = false;
  bool allow_unusable_trust = false;
  std::string record;
  std::string replay;
  std::string at;
};

// Human output of one target in full: verdict, chain tree, problems, what users see elsewhere,
// the recommendation.
void printProbeReport(const CliContext& ctx, const probes::ProbeResult& result);
// Human output of many targets: one table row each, then the fix for each failure.
void printProbeSummary(const CliContext& ctx, const std::vector<probes::ProbeResult>& results);

// --install: puts the recommended certificate into the library and the connector. Returns
// false (after printing why) when nothing was installed.
bool installRecommendation(CliContext& ctx, const ProbeArgs& args,
                           const probes::ProbeResult& result);

}  // namespace trustctl::agent
