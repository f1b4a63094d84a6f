#pragma once
// state.json's "signing" object (signing_keys.h). Apart from signing_keys.h so the public
// headers do not need nlohmann's: only store_state.cc includes this.

#include <nlohmann/json.hpp>

#include "truststore/signing_keys.h"

namespace trustctl::truststore {

nlohmann::json signingToJson(const SigningState& state);
// Throws nlohmann's or std::runtime_error on a bad shape; parseState makes it StoreCorrupt.
SigningState signingFromJson(const nlohmann::json& j);

}  // namespace trustctl::truststore
