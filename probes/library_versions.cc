#include "probes/library_versions.h"

#include <curl/curl.h>
#include <gnutls/gnutls.h>
#include <ldap.h>
#include <openssl/crypto.h>

namespace trustctl::probes {

namespace {

std::string orUnknown(const char* text) {
  return text != nullptr ? text : "unknown";
}

std::string curlLine() {
  const curl_version_info_data* info = curl_version_info(CURLVERSION_NOW);
  if (info == nullptr) {
    return "libcurl unknown";
  }
  std::string line = "libcurl " + orUnknown(info->version);
  // libcurl may be built on another TLS library than the one trustctl links: say which.
  if (info->ssl_version != nullptr) {
    line += std::string(" (") + info->ssl_version + ")";
  }
  return line;
}

std::string ldapLine() {
  LDAPAPIInfo info{};
  info.ldapai_info_version = LDAP_API_INFO_VERSION;
  // A null handle asks for the library's global information; no connection is made.
  if (ldap_get_option(nullptr, LDAP_OPT_API_INFO, &info) != LDAP_OPT_SUCCESS) {
    return "libldap unknown";
  }
  // vendor_version is major * 10000 + minor * 100 + patch (20513 is 2.5.13).
  const int v = info.ldapai_vendor_version;
  std::string line = "libldap " + std::to_string(v / 10000) + "." + std::to_string(v / 100 % 100) +
                     "." + std::to_string(v % 100);
  if (info.ldapai_vendor_name != nullptr) {
    line += std::string(" (") + info.ldapai_vendor_name + ")";
  }
  // The library allocated both for the caller.
  ldap_memfree(info.ldapai_vendor_name);
  ldap_memvfree(reinterpret_cast<void**>(info.ldapai_extensions));
  return line;
}

}  // namespace

std::vector<std::string> runtimeLibraryVersions() {
  return {
      // OpenSSL_version(OPENSSL_VERSION) already starts with "OpenSSL ".
      orUnknown(OpenSSL_version(OPENSSL_VERSION)),
      curlLine(),
      ldapLine(),
      "GnuTLS " + orUnknown(gnutls_check_version(nullptr)),
  };
}

}  // namespace trustctl::probes
