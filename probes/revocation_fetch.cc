#include "probes/revocation_fetch.h"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include <curl/curl.h>

#include "probes/https_capture.h"
#include "truststore/ossl.h"
#include "truststore/version.h"

namespace trustctl::probes {

namespace {

using Clock = std::chrono::steady_clock;

struct CurlEasyDeleter {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* s) const noexcept { curl_slist_free_all(s); }
};
using CurlEasyPtr = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlSlistPtr = std::unique_ptr<curl_slist, CurlSlistDeleter>;

constexpr size_t kCacheEntries = 256;

// Answers still current, by URL (and OCSP request); an entry ends at its nextUpdate.
class EvidenceCache {
 public:
  std::optional<std::string> get(const std::string& key, UnixTime now) {
    std::lock_guard<std::mutex> lock(mutex_);
    auto it = entries_.find(key);
    if (it == entries_.end()) {
      return std::nullopt;
    }
    if (now > it->second.until) {
      entries_.erase(it);
      return std::nullopt;
    }
    return it->second.body;
  }
  void put(const std::string& key, const std::string& body, UnixTime until, UnixTime now) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (entries_.size() >= kCacheEntries && entries_.find(key) == entries_.end()) {
      std::erase_if(entries_, [now](const auto& e) { return now > e.second.until; });
      if (entries_.size() >= kCacheEntries) {
        entries_.erase(std::min_element(entries_.begin(), entries_.end(), [](auto& a, auto& b) {
          return a.second.until < b.second.until;
        }));
      }
    }
    entries_[key] = Entry{body, until};
  }
  void clear() {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.clear();
  }

 private:
  struct Entry {
    std::string body;
    UnixTime until = 0;
  };
  std::mutex mutex_;
  std::map<std::string, Entry> entries_;
};

EvidenceCache& cache() {
  static EvidenceCache c;
  return c;
}

struct Outcome {
  std::string body;
  std::string error;
};

// GET (or POST `request` as application/ocsp-request) within `seconds` and `max_bytes`.
Outcome fetch(const std::string& url, const std::string* request, double seconds, size_t max_bytes,
              long max_redirects) {
  initCurlOnce();
  CurlEasyPtr easy(curl_easy_init());
  if (!easy) {
    return {"", "could not start a libcurl transfer"};
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
  long timeout_ms = std::max(1L, static_cast<long>(seconds * 1000));  // 0 = no limit to curl
  long redirects = std::clamp(max_redirects, 0L, 2L);
  curl_easy_setopt(e, CURLOPT_URL, url.c_str());
  curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
  curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, redirects > 0 ? 1L : 0L);
  curl_easy_setopt(e, CURLOPT_MAXREDIRS, redirects);
  curl_easy_setopt(e, CURLOPT_MAXFILESIZE_LARGE, static_cast<curl_off_t>(max_bytes));
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, write);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "trustctl/" TRUSTCTL_VERSION);
  CurlSlistPtr headers;
  if (request != nullptr) {
    headers.reset(curl_slist_append(nullptr, "Content-Type: application/ocsp-request"));
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, request->data());
    curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, static_cast<long>(request->size()));
  }
  CURLcode rc = curl_easy_perform(e);
  if (rc != CURLE_OK) {
    bool too_large = rc == CURLE_WRITE_ERROR || rc == CURLE_FILESIZE_EXCEEDED;
    return {"", too_large ? "larger than " + std::to_string(max_bytes) + " bytes"
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

bool alreadyRecorded(const Capture& c, FetchPurpose purpose, const std::string& url,
                     const std::string& about) {
  return std::any_of(c.fetched.begin(), c.fetched.end(), [&](const FetchedObject& f) {
    return f.purpose == purpose && f.url == url && f.about == about;
  });
}

}  // namespace

std::string ocspRequestFor(const truststore::Certificate& cert,
                           const truststore::Certificate& issuer) {
  ossl::OcspRequestPtr req(OCSP_REQUEST_new());
  ossl::OcspCertIdPtr id(OCSP_cert_to_id(EVP_sha1(), cert.x509(), issuer.x509()));
  if (!req || !id || OCSP_request_add0_id(req.get(), id.get()) == nullptr) {
    ossl::clearErrors();
    return "";
  }
  id.release();  // the request owns it now
  int size = i2d_OCSP_REQUEST(req.get(), nullptr);
  if (size <= 0) {
    ossl::clearErrors();
    return "";
  }
  std::string der(static_cast<size_t>(size), '\0');
  auto* p = reinterpret_cast<unsigned char*>(der.data());
  i2d_OCSP_REQUEST(req.get(), &p);
  return der;
}

void fetchRevocationEvidence(Capture& capture, const std::vector<truststore::CertificatePtr>& path,
                             const RevocationFetchBounds& bounds) {
  auto budget = std::chrono::milliseconds(static_cast<long>(bounds.timeout_seconds * 1000));
  Clock::time_point deadline = std::min(bounds.deadline, Clock::now() + budget);
  int urls_left = bounds.max_urls;
  auto one = [&](FetchPurpose purpose, const std::string& url, const truststore::Certificate& cert,
                 const std::string* request) {
    if (alreadyRecorded(capture, purpose, url, cert.sha256())) {
      return;
    }
    FetchedObject f{purpose, url, cert.sha256(), "", ""};
    bool ocsp = purpose == FetchPurpose::Ocsp;
    std::string key =
        std::string(ocsp ? "ocsp " : "crl ") + url +
        (ocsp ? " " + ossl::hexOf(reinterpret_cast<const unsigned char*>(request->data()),
                                  request->size())
              : std::string());
    double seconds = std::chrono::duration<double>(deadline - Clock::now()).count();
    if (auto hit = bounds.use_cache ? cache().get(key, bounds.now) : std::nullopt) {
      f.body = std::move(*hit);
    } else if (urls_left <= 0) {
      f.error = "not fetched: the probe fetches at most " + std::to_string(bounds.max_urls) +
                " revocation URLs";
    } else if (seconds < 0.01) {  // less cannot fetch anything, only start a connection
      f.error = "not fetched: the revocation time budget was spent";
    } else {
      --urls_left;
      Outcome o = fetch(url, request, seconds, ocsp ? bounds.ocsp_max_bytes : bounds.crl_max_bytes,
                        bounds.max_redirects);
      f.body = std::move(o.body);
      f.error = std::move(o.error);
      if (!f.body.empty() && bounds.use_cache) {
        auto until = truststore::evidenceNextUpdate(f.body, ocsp);
        if (until && *until > bounds.now) {
          cache().put(key, f.body, *until, bounds.now);
        }
      }
    }
    capture.fetched.push_back(std::move(f));
  };
  for (size_t i = 0; i + 1 < path.size(); ++i) {
    const truststore::Certificate& cert = *path[i];
    const truststore::Certificate& issuer = *path[i + 1];
    for (const auto& url : truststore::ocspResponderUrls(cert)) {
      std::string request = ocspRequestFor(cert, issuer);
      if (!request.empty()) {
        one(FetchPurpose::Ocsp, url, cert, &request);
      }
    }
    for (const auto& url : truststore::crlDistributionPoints(cert)) {
      one(FetchPurpose::Crl, url, cert, nullptr);
    }
  }
}

std::unordered_map<std::string, truststore::RevocationEvidence> revocationEvidenceOf(
    const Capture& capture) {
  std::unordered_map<std::string, truststore::RevocationEvidence> out;
  for (const auto& f : capture.fetched) {
    if (f.purpose == FetchPurpose::CaIssuers) {
      continue;
    }
    auto& e = out[f.about];
    if (!f.error.empty() || f.body.empty()) {
      e.fetch_errors.push_back(f.url + ": " + (f.error.empty() ? "empty answer" : f.error));
    } else if (f.purpose == FetchPurpose::Crl) {
      e.crls.push_back(f.body);
    } else {
      e.ocsp_responses.push_back(f.body);
    }
  }
  if (!capture.ocsp_stapled.empty() && !capture.chain_der.empty()) {
    auto leaf = truststore::Certificate::parseDer(capture.chain_der.front());
    if (leaf) {
      auto& e = out[(*leaf)->sha256()];
      e.ocsp_responses.insert(e.ocsp_responses.begin(), capture.ocsp_stapled);
      e.ocsp_stapled = true;
    }
  }
  return out;
}

truststore::RevocationEvidence evidenceFromCapture(const Capture& capture,
                                                   const truststore::Certificate& cert) {
  auto all = revocationEvidenceOf(capture);
  auto it = all.find(cert.sha256());
  return it == all.end() ? truststore::RevocationEvidence{} : it->second;
}

void clearRevocationCache() {
  cache().clear();
}

}  // namespace trustctl::probes
