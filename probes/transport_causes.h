#pragma once
// Causes read from the transport evidence of a capture alone (no certificate judgement): a
// Certificate message larger than clients accept, an ldap:// (StartTLS) URL pointed at a port
// that speaks LDAPS, a proxy that failed the tunnel, a proxy that intercepts TLS. Pure.

#include <optional>
#include <string>
#include <vector>

#include "probes/capture.h"
#include "probes/diagnosis.h"

namespace trustctl::probes {

// Every such cause the capture shows, as problems for diagnose() to rank with the rest.
std::vector<Problem> transportEvidenceProblems(const Capture& capture);

// The sentence for a proxy failure (proxy_unreachable, proxy_auth_required,
// proxy_connect_refused): which proxy, what it answered, and whether credentials were sent.
std::string proxyFailureDetail(const Capture& capture);

// tls_interception when the chain presented through the proxy shows it (probes/interception.h);
// a warning when the connection is trusted anyway (`trusted`: the connector trusts the proxy's
// root), since the connector then works through the proxy as it is.
std::optional<Problem> interceptionProblem(const Capture& capture,
                                           const std::vector<truststore::CertificatePtr>& presented,
                                           bool trusted);

}  // namespace trustctl::probes
