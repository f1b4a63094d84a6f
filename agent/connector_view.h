#pragma once
// What `trustctl connector list/show` print about connectors: trust with its status, identity,
// targets, the runtime that verifies servers (and the line that loads the store into it with
// nothing added), the proxy, and the runtime files. Reads the store; never changes it.

#include <string>

#include <nlohmann/json.hpp>

#include "agent/cli_context.h"
#include "truststore/store.h"

namespace trustctl::agent {

// The JSON object of one connector (`connector show --json`, and the answer of every change).
nlohmann::json connectorJson(const CliContext& ctx, const truststore::Store& store,
                             const truststore::StoreState& state, const truststore::Connector& c);

// `connector list` and `connector show NAME`: print, and set ctx.exit_code (1 when a trusted
// certificate or the identity is expired or critical).
void runConnectorList(CliContext& ctx);
void runConnectorShow(CliContext& ctx, const std::string& name);

}  // namespace trustctl::agent
