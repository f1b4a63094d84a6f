#pragma once
// The words of a diagnosis: the one-sentence summary of the primary cause. Kept apart from the
// logic so wording changes do not touch decisions.

#include <string>

#include "probes/diagnosis.h"

namespace trustctl::probes {

std::string summarize(const Diagnosis& d, const Capture& capture, const std::string& host);

}  // namespace trustctl::probes
