#pragma once
// One bounded HTTP(S) transfer for what the probe's shell fetches after a handshake: AIA
// issuers, CRLs, OCSP answers. Bounded in time (connect and total), size and redirects; only
// http and https; never a proxy from the environment's defaults beyond libcurl's own rules.

#include <cstddef>
#include <string>

namespace trustctl::probes {

struct HttpFetch {
  std::string url;
  const std::string* post_body = nullptr;  // POST this instead of a GET
  std::string content_type;                // of the POST body
  double seconds = 5;
  size_t max_bytes = 256 * 1024;
  long max_redirects = 0;
};

struct HttpFetchResult {
  std::string body;   // the answer of a 200, "" otherwise
  std::string error;  // "" when the body is there: timeout, "HTTP 404", "larger than N bytes"
};

HttpFetchResult httpFetch(const HttpFetch& request);

}  // namespace trustctl::probes
