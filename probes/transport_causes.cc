#include "probes/transport_causes.h"

namespace trustctl::probes {

// Placeholder until the transport-evidence work lands.
std::vector<Problem> transportEvidenceProblems(const Capture&) {
  return {};
}

}  // namespace trustctl::probes
