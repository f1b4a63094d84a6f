// fetchBounded (declared in https_capture.h), apart from the capture: a plain bounded GET for
// AIA, CRL and OCSP fetches.
#include "probes/https_capture.h"

#include <algorithm>
#include <memory>
#include <string>

#include <curl/curl.h>

#include "truststore/version.h"

namespace trustctl::probes {

namespace {

struct CurlEasyDeleter {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
using CurlEasyPtr = std::unique_ptr<CURL, CurlEasyDeleter>;

}  // namespace

Result<std::string> fetchBounded(const std::string& url, double timeout_seconds, size_t max_bytes) {
  initCurlOnce();
  CurlEasyPtr easy(curl_easy_init());
  if (!easy) {
    return fail(ErrorCode::Io, "could not start a libcurl transfer for " + url);
  }
  struct Sink {
    std::string data;
    size_t limit;
  } sink{{}, max_bytes};
  auto write = +[](char* data, size_t size, size_t count, void* arg) -> size_t {
    auto* s = static_cast<Sink*>(arg);
    size_t n = size * count;
    if (s->data.size() + n > s->limit) {
      return 0;
    }
    s->data.append(data, n);
    return n;
  };
  char errbuf[CURL_ERROR_SIZE] = {0};
  CURL* e = easy.get();
  // 0 would mean "no limit" to libcurl.
  long timeout_ms = std::max(1L, static_cast<long>(timeout_seconds * 1000));
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 1L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, 3L);
  curl_easy_setopt(e, CURLOPT_FAILONERROR, 1L);
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "trustctl/" TRUSTCTL_VERSION);
  CURLcode rc = curl_easy_perform(e);
  if (rc != CURLE_OK) {
    std::string why = rc == CURLE_WRITE_ERROR
                          ? "larger than " + std::to_string(max_bytes) + " bytes"
                          : (errbuf[0] ? errbuf : curl_easy_strerror(rc));
    return fail(ErrorCode::Io, "could not fetch " + url + ": " + why);
  }
  return sink.data;
}

}  // namespace trustctl::probes
