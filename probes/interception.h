#pragma once
// TLS interception by a proxy: the chain a target presents through the proxy is issued by a
// known interception product (one data list of issuer markers), or by another CA than the one
// the target presents to a direct connection. Pure: reads the capture's chains only. It does
// not judge trust; diagnose() decides whether the finding fails the probe.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probes/capture.h"
#include "truststore/certificate.h"

namespace trustctl::probes {

// The product whose marker (case-insensitive, in the subject or issuer of `cert`) names it:
// "mitmproxy", "Zscaler", "Fortinet FortiGate", ...; "" when none matches.
std::string_view interceptionProductOf(const truststore::Certificate& cert);

struct InterceptionFinding {
  std::string product;         // from the marker list, "" when only the comparison showed it
  std::string proxied_issuer;  // issuer of the leaf seen through the proxy
  std::string direct_issuer;   // issuer of the leaf seen directly, "" when not compared
  truststore::CertificatePtr proxy_top;  // the top of the chain the proxy presented
};

// The finding for a capture made through a proxy (`presented` is its parsed chain, leaf
// first), or nullopt: direct captures, an empty chain, the same leaf or the same issuer and
// key identifier directly, and no marker. A direct chain that cannot be parsed is ignored.
std::optional<InterceptionFinding> findInterception(
    const Capture& capture, const std::vector<truststore::CertificatePtr>& presented);

// The problem's sentence for a finding.
std::string describeInterception(const InterceptionFinding& finding, const std::string& proxy);

}  // namespace trustctl::probes
