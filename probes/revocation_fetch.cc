#include "probes/revocation_fetch.h"

#include <algorithm>
#include <map>
#include <memory>
#include <mutex>
#include <optional>

#include "probes/http_fetch.h"
#include "truststore/ossl.h"

namespace trustctl::probes {

namespace {

using Clock = std::chrono::steady_clock;

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
      HttpFetchResult o = httpFetch({url, request, "application/ocsp-request", seconds,
                                     ocsp ? bounds.ocsp_max_bytes : bounds.crl_max_bytes,
                                     std::min(bounds.max_redirects, 2L)});
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
