// httpFetch and fetchBounded (declared in https_capture.h): the bounded transfers of AIA, CRL
// and OCSP fetches, apart from the capture.
#include "probes/http_fetch.h"

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
struct CurlSlistDeleter {
  void operator()(curl_slist* s) const noexcept { curl_slist_free_all(s); }
};
using CurlEasyPtr = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlSlistPtr = std::unique_ptr<curl_slist, CurlSlistDeleter>;

}  // namespace

HttpFetchResult httpFetch(const HttpFetch& request) {
  initCurlOnce();
  CurlEasyPtr easy(curl_easy_init());
  if (!easy) {
    return {"", "could not start a libcurl transfer"};
  }
  struct Sink {
    std::string data;
    size_t limit;
  } sink{{}, request.max_bytes};
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
  long timeout_ms = std::max(1L, static_cast<long>(request.seconds * 1000));  // 0 = no limit
  long redirects = std::clamp(request.max_redirects, 0L, 3L);
  curl_easy_setopt(e, CURLOPT_URL, request.url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, redirects > 0 ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, redirects);
  curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(request.max_bytes));
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "trustctl/" TRUSTCTL_VERSION);
  CurlSlistPtr headers;
  if (request.post_body != nullptr) {
    headers.reset(curl_slist_append(nullptr, ("Content-Type: " + request.content_type).c_str()));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, request.post_body->data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(request.post_body->size()));
  }
  CURLcode rc = curl_easy_perform(e);
  if (rc != CURLE_OK) {
    bool too_large = rc == CURLE_WRITE_ERROR || rc == CURLE_FILESIZE_EXCEEDED;
    return {"", too_large ? "larger than " + std::to_string(request.max_bytes) + " bytes"
                          : (errbuf[0] ? errbuf : curl_easy_strerror(rc))};
  }
  long status = 0;
  curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &status);
  if (status != 200) {
    bool redirect = status >= 300 && status < 400;
    return {"", "HTTP " + std::to_string(status) +
                    (redirect ? " (a redirect, not followed)" : std::string())};
  }
  if (sink.data.empty()) {
    return {"", "empty answer"};
  }
  return {std::move(sink.data), ""};
}

Result<std::string> fetchBounded(const std::string& url, double timeout_seconds, size_t max_bytes) {
  HttpFetchResult r = httpFetch({url, nullptr, "", timeout_seconds, max_bytes, 3});
  if (!r.error.empty()) {
    return fail(ErrorCode::Io, "could not fetch " + url + ": " + r.error);
  }
  return std::move(r.body);
}

}  // namespace trustctl::probes
