#include "runtime/curl_trust.h"

#include <memory>
#include <string>

#include "truststore/chain_verifier.h"

namespace trustctl::runtime {

namespace {

// The host of the handle's URL: what curl checks the certificate against (CONNECT_TO and
// RESOLVE change where it connects, not the name).
std::string urlHost(CURL* easy) {
  char* url = nullptr;
  if (curl_easy_getinfo(easy, CURLINFO_EFFECTIVE_URL, &url) != CURLE_OK || !url) {
    return "";
  }
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> parsed(curl_url(), curl_url_cleanup);
  char* host = nullptr;
  if (!parsed || curl_url_set(parsed.get(), CURLUPART_URL, url, 0) != CURLUE_OK ||
      curl_url_get(parsed.get(), CURLUPART_HOST, &host, 0) != CURLUE_OK) {
    return "";
  }
  std::string out = host;
  curl_free(host);
  return out;
}

CURLcode installTrust(CURL* easy, void* ssl_ctx, void* arg) {
  auto* trust = static_cast<ConnectorTrust*>(arg);
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  if (!trust || !trust->configureSslCtx(ctx)) {
    return CURLE_SSL_CERTPROBLEM;
  }
  // curl's own host check falls back to the subject CN; OpenSSL checking the same host with
  // SANs only makes a libcurl connector judge names as trustctl does. libcurl makes a new
  // SSL_CTX for every connection, so the name is this connection's.
  std::string host = urlHost(easy);
  if (!host.empty() && !truststore::expectHost(SSL_CTX_get0_param(ctx), host)) {
    return CURLE_SSL_CERTPROBLEM;
  }
  return CURLE_OK;
}

bool curlUsesOpenSsl() {
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  return info && info->ssl_version &&
         std::string(info->ssl_version).find("OpenSSL") != std::string::npos;
}

}  // namespace

Result<void> configureCurl(CURL* easy, ConnectorTrust& trust) {
  if (!curlUsesOpenSsl()) {
    return fail(ErrorCode::Internal,
                "libcurl is not built on OpenSSL; install the OpenSSL flavour (libcurl4-openssl)");
  }
  bool ok = curl_easy_setopt(easy, CURLOPT_CAINFO, nullptr) == CURLE_OK &&
            curl_easy_setopt(easy, CURLOPT_CAPATH, nullptr) == CURLE_OK &&
            curl_easy_setopt(easy, CURLOPT_SSL_VERIFYPEER, 1L) == CURLE_OK &&
            curl_easy_setopt(easy, CURLOPT_SSL_VERIFYHOST, 2L) == CURLE_OK &&
            curl_easy_setopt(easy, CURLOPT_SSL_SESSIONID_CACHE, 0L) == CURLE_OK &&
            curl_easy_setopt(easy, CURLOPT_SSL_CTX_FUNCTION, installTrust) == CURLE_OK &&
            curl_easy_setopt(easy, CURLOPT_SSL_CTX_DATA, &trust) == CURLE_OK;
  if (!ok) {
    return fail(ErrorCode::Internal, "libcurl refused a TLS option on the handle");
  }
#if LIBCURL_VERSION_NUM >= 0x075700
  // curl 7.87+ caches the first connection's X509_STORE on the handle and puts it back on
  // every later context, over the one installTrust set: the trust would never reload. The
  // snapshot already shares one store across connections, so curl's cache adds nothing.
  curl_easy_setopt(easy, CURLOPT_CA_CACHE_TIMEOUT, 0L);
#endif
  return {};
}

}  // namespace trustctl::runtime
