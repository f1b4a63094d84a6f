#pragma once
// The second verdict of a probe: whether the connector's own runtime (python, java, ...)
// accepts the server with the connector's current trust, judged with that runtime's model
// (truststore/runtime_model.h) on what the server presented; and, when it refuses for want of
// an anchor it can use, the recommendation adjusted to what that runtime needs. No I/O.

#include "probes/catalog.h"
#include "probes/probe_runner.h"

namespace trustctl::probes {

// Fills result.runtime_verdict for job.runtime at `now` from result.diagnosis (presented
// chain) and job.trust, and adjusts result.recommendation when the runtime refuses for want of
// an anchor (recommendForRuntime). Looks for the root above trustctl's path only among the
// catalog's loaded certificates: the caller loads the catalog first when it wants it searched.
void judgeForRuntime(ProbeResult& result, const ProbeJob& job, const Capture& capture,
                     const Catalog& catalog, UnixTime now);

}  // namespace trustctl::probes
