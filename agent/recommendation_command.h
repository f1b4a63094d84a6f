#pragma once
// The command a user copies to act on a recommendation: probes/ decides what to do (a
// structured choice), this writes it as a trustctl command line for the shell.

#include "probes/probe_runner.h"

namespace trustctl::agent {

// Sets result.recommendation.command ("" when there is nothing to run).
void writeRecommendationCommand(probes::ProbeResult& result);

}  // namespace trustctl::agent
