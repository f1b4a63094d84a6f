#pragma once
// HTTPS capture through libcurl (OpenSSL backend). libcurl's own verification is off: the
// probe records whatever chain the server presents through an OpenSSL verify callback, every
// alert and handshake message through OpenSSL's message callback, and leaves the judgement to
// diagnose(). One curl multi handle drives many targets at once.

#include <functional>
#include <vector>

#include "probes/capture.h"

namespace trustctl::probes {

// Captures every request, at most `max_parallel` at a time, on the calling thread; `done` is
// called with the request's index as each one finishes. Each transfer is bounded by its
// request's timeout.
void captureHttpsBatch(const std::vector<const CaptureRequest*>& requests, int max_parallel,
                       const std::function<void(size_t, Capture)>& done);

// One request.
Capture captureHttps(const CaptureRequest& request);

// GET `url` with a time and size bound (for AIA caIssuers fetches). Plain http:// is allowed
// since CA certificates are served that way. Fails with Io naming the URL.
Result<std::string> fetchBounded(const std::string& url, double timeout_seconds, size_t max_bytes);

// Once per process, before any thread uses curl.
void initCurlOnce();

}  // namespace trustctl::probes
