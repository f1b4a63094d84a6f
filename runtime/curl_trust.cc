#include "runtime/curl_trust.h"

namespace trustctl::runtime {

namespace {

CURLcode installTrust(CURL* /*easy*/, void* ssl_ctx, void* arg) {
  auto* trust = static_cast<ConnectorTrust*>(arg);
  if (!trust || !trust->configureSslCtx(static_cast<SSL_CTX*>(ssl_ctx))) {
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
