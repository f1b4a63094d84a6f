#pragma once
// Causes read from the transport evidence of a capture alone (no certificate judgement): a
// Certificate message larger than clients accept, an ldap:// (StartTLS) URL pointed at a port
// that speaks LDAPS. Pure.

#include <vector>

#include "probes/capture.h"
#include "probes/diagnosis.h"

namespace trustctl::probes {

// Every such cause the capture shows, as problems for diagnose() to rank with the rest.
std::vector<Problem> transportEvidenceProblems(const Capture& capture);

}  // namespace trustctl::probes
