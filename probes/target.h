#pragma once
// Probe targets are the truststore's target URLs (parsed without any network), named here
// for the probe code.

#include "truststore/target_url.h"

namespace trustctl::probes {

using truststore::parseTarget;
using truststore::Protocol;
using truststore::protocolName;
using truststore::Target;

}  // namespace trustctl::probes
