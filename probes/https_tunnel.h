#pragma once
// The proxy part of an HTTPS capture: the route chosen for the request (probes/proxy_route.h),
// set on the libcurl handle as a CONNECT tunnel with the credentials as separate options (never
// in a URL), and what the proxy answered recorded as evidence. Used by https_capture.cc only.

#include <string>

#include <curl/curl.h>

#include "probes/capture.h"
#include "probes/proxy_route.h"

namespace trustctl::probes {

struct TunnelState {
  ProxyRoute route;          // its credentials are cleared once set on the handle
  bool tls_started = false;  // a TLS record came: later header lines are the target's
  std::string status_line;   // the proxy's answer to CONNECT, "" none
  bool credentials_sent = false;
  // The TCP connection to the proxy was made (seen when libcurl closes the socket): a timeout
  // after it is an unanswered CONNECT, before it an unreachable proxy.
  bool proxy_connected = false;
};

// Resolves the request's proxy and sets it on `easy` (CURLOPT_PROXY "" when direct, never
// libcurl's own reading of the environment). `state` must outlive the transfer: libcurl's
// header callback writes into it.
void configureTunnel(CURL* easy, const CaptureRequest& request, TunnelState& state);

// Records the proxy used and its CONNECT answer in `capture` (nothing when direct).
void recordTunnel(CURL* easy, const TunnelState& state, Capture& capture);

// For a failed transfer through a proxy: sets capture.failure (and for a CONNECT that was never
// answered, its detail) when the tunnel is what failed, and returns true; false when the
// failure is the target's, or the transfer was direct.
bool classifyTunnel(CURLcode rc, const TunnelState& state, Capture& capture);

}  // namespace trustctl::probes
