// An example connector: how a connector process uses trustctl's runtime library to reach
// HTTPS and LDAP systems with the trust and identity trustctl keeps for it, picking up trust
// changes on its next connection without a restart.
//
//   trustctl-example-connector --store DIR --connector NAME URL...      one connection each
//   trustctl-example-connector --store DIR --connector NAME --stdin     URLs read line by line
//   trustctl-example-connector --store DIR --connector NAME --repeat N URL...   handshakes/s
//
// Each connection prints one line: "<url> ok generation=<N>" or "<url> fail generation=<N>:
// <reason>". Exit code: 0 when every connection succeeded, 1 otherwise, 2 for usage errors.

#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <iostream>
#include <string>
#include <vector>

#include <curl/curl.h>
#include <ldap.h>

#include <trustctl/runtime/connector_trust.h>
#include <trustctl/runtime/curl_trust.h>
#include <trustctl/runtime/ldap_trust.h>

namespace {

using trustctl::runtime::ConnectorTrust;

struct Outcome {
  bool ok = false;
  std::string reason;
};

size_t discardBody(char* /*data*/, size_t size, size_t count, void* /*user*/) {
  return size * count;
}

// One HTTPS request on a new connection, verified with the connector's current trust.
Outcome connectHttps(CURL* easy, const std::string& url) {
  char error[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discardBody);
  curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 10000L);
  curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
  CURLcode rc = curl_easy_perform(easy);
  if (rc == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
    // nginx answers a missing client certificate with 400 over a good TLS connection.
    if (status >= 400) {
      return {false, "the server answered HTTP " + std::to_string(status)};
    }
    return {true, ""};
  }
  std::string reason = error[0] ? error : curl_easy_strerror(rc);
  long verify_result = 0;
  if (curl_easy_getinfo(easy, CURLINFO_SSL_VERIFYRESULT, &verify_result) == CURLE_OK &&
      verify_result != 0) {
    reason += " (" + std::string(X509_verify_cert_error_string(verify_result)) + ")";
  }
  return {false, reason};
}

// One LDAP connection (LDAPS, or StartTLS for ldap://) reading the root DSE anonymously. The
// chain is verified inside the handshake, so nothing is sent to a server the connector does
// not trust.
Outcome connectLdap(ConnectorTrust& trust, const std::string& url) {
  LDAP* ld = nullptr;
  if (ldap_initialize(&ld, url.c_str()) != LDAP_SUCCESS) {
    return {false, "not a valid LDAP URL"};
  }
  Outcome outcome;
  if (auto configured = trustctl::runtime::configureLdap(ld, trust); !configured) {
    ldap_unbind_ext_s(ld, nullptr, nullptr);
    return {false, configured.error().message};
  }
  timeval limit{10, 0};
  ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &limit);
  ldap_set_option(ld, LDAP_OPT_TIMEOUT, &limit);
  int rc = LDAP_SUCCESS;
  if (url.rfind("ldap://", 0) == 0) {
    rc = ldap_start_tls_s(ld, nullptr, nullptr);
  }
  if (rc == LDAP_SUCCESS) {
    const char* attrs[] = {"namingContexts", nullptr};
    LDAPMessage* result = nullptr;
    rc = ldap_search_ext_s(ld, "", LDAP_SCOPE_BASE, "(objectClass=*)", const_cast<char**>(attrs), 0,
                           nullptr, nullptr, &limit, 1, &result);
    ldap_msgfree(result);
  }
  if (rc == LDAP_SUCCESS) {
    outcome.ok = true;
  } else {
    auto verdict = trustctl::runtime::lastLdapVerdict();
    outcome.reason = verdict && !verdict->ok ? verdict->reason : ldap_err2string(rc);
  }
  ldap_unbind_ext_s(ld, nullptr, nullptr);
  return outcome;
}

bool connectOnce(ConnectorTrust& trust, CURL* easy, const std::string& url, bool print) {
  Outcome outcome =
      url.rfind("https://", 0) == 0 ? connectHttps(easy, url) : connectLdap(trust, url);
  if (print) {
    std::cout << url << (outcome.ok ? " ok" : " fail")
              << " generation=" << trust.loaded()->generation()
              << (outcome.ok ? "" : ": " + outcome.reason) << std::endl;
  }
  return outcome.ok;
}

int usage(const char* message) {
  std::cerr << "trustctl-example-connector: " << message
            << "\nusage: trustctl-example-connector --store DIR --connector NAME "
               "[--stdin | --repeat N] [URL...]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  std::string store;
  std::string connector;
  bool from_stdin = false;
  long repeat = 0;
  std::vector<std::string> urls;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    bool has_value = i + 1 < argc;
    if (arg == "--store" && has_value) {
      store = argv[++i];
    } else if (arg == "--connector" && has_value) {
      connector = argv[++i];
    } else if (arg == "--repeat" && has_value) {
      const char* text = argv[++i];
      char* end = nullptr;
      errno = 0;
      repeat = std::strtol(text, &end, 10);
      if (errno != 0 || end == text || *end != '\0' || repeat <= 0) {
        return usage("--repeat takes a positive whole number of connections");
      }
    } else if (arg == "--stdin") {
      from_stdin = true;
    } else if (arg.rfind("--", 0) == 0) {
      return usage(("unknown option " + arg).c_str());
    } else {
      urls.push_back(arg);
    }
  }
  if (store.empty() || connector.empty()) {
    return usage("--store and --connector are required");
  }
  if (from_stdin && (repeat > 0 || !urls.empty())) {
    return usage("--stdin reads the URLs; give neither --repeat nor URLs with it");
  }
  if (!from_stdin && urls.empty()) {
    return usage("give at least one URL, or --stdin");
  }

  trustctl::runtime::TrustOptions options;
  options.on_reload = [](std::uint64_t generation) {
    std::cerr << "trust reloaded: generation " << generation << std::endl;
  };
  options.on_reload_error = [](const trustctl::Error& error) {
    std::cerr << "trust reload failed, keeping the last good trust: "
              << trustctl::runtime::describeError(error) << std::endl;
  };
  auto trust = ConnectorTrust::open(store, connector, options);
  if (!trust) {
    std::cerr << "trustctl-example-connector: " << trust.error().message << "\n";
    return 2;
  }
  curl_global_init(CURL_GLOBAL_DEFAULT);
  CURL* easy = curl_easy_init();
  if (auto configured = trustctl::runtime::configureCurl(easy, **trust); !configured) {
    std::cerr << "trustctl-example-connector: " << configured.error().message << "\n";
    return 2;
  }

  bool all_ok = true;
  if (from_stdin) {
    for (std::string line; std::getline(std::cin, line);) {
      if (!line.empty()) {
        all_ok = connectOnce(**trust, easy, line, true) && all_ok;
      }
    }
  } else if (repeat > 0) {
    auto start = std::chrono::steady_clock::now();
    long failures = 0;
    for (long i = 0; i < repeat; ++i) {
      failures +=
          connectOnce(**trust, easy, urls[static_cast<size_t>(i) % urls.size()], false) ? 0 : 1;
    }
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << repeat << " connections, " << failures << " failed, " << seconds << " s, "
              << static_cast<double>(repeat) / seconds << " handshakes/s" << std::endl;
    all_ok = failures == 0;
  } else {
    for (const auto& url : urls) {
      all_ok = connectOnce(**trust, easy, url, true) && all_ok;
    }
  }
  curl_easy_cleanup(easy);
  curl_global_cleanup();
  return all_ok ? 0 : 1;
}
