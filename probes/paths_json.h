#pragma once
// The JSON form of the paths a path builder tried (`paths_tried` in `probe --json` and
// `verify --json`): for each, how it ends and each certificate with its source and faults.

#include <vector>

#include <nlohmann/json.hpp>

#include "truststore/path_builder.h"

namespace trustctl::probes {

// At most `limit` paths, best first.
nlohmann::json pathsTriedJson(const std::vector<truststore::CertPath>& paths, size_t limit = 8);

}  // namespace trustctl::probes
