#pragma once
// Which proxy an HTTPS probe goes through, chosen the way curl chooses it, so the probe goes the
// way the connector goes: an explicit proxy ("--proxy URL", a connector's `proxy`), "none", or
// the environment (https_proxy, HTTPS_PROXY, then all_proxy, ALL_PROXY; no_proxy / NO_PROXY
// exempt hosts). Resolution is pure, over an environment map; reading the process environment
// and the credentials file are the only I/O here. Nothing here connects anywhere.

#include <map>
#include <string>
#include <string_view>

#include "probes/capture.h"
#include "truststore/error.h"

namespace trustctl::probes {

using ProxyEnvironment = std::map<std::string, std::string>;

// The proxy variables of this process's environment (the names resolveProxy reads), read once.
const ProxyEnvironment& processProxyEnvironment();

struct ProxyRoute {
  std::string url;     // "http://host:port" without credentials; "" = direct
  std::string source;  // "configured", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"
  // "user:password" taken from the environment URL's userinfo (percent-decoded), "" none.
  // A secret: never printed, logged or recorded.
  std::string credentials;
  bool direct() const { return url.empty(); }
};

// The route to `host` (a name or an IP literal, without brackets): Direct -> direct; Url ->
// that proxy for every host (no_proxy is the environment's rule, not a configured proxy's);
// Environment -> curl's order of variables, direct when no_proxy matches or none is set.
// Pure; an environment URL without a scheme gets "http://".
ProxyRoute resolveProxy(const ProxyChoice& choice, std::string_view host,
                        const ProxyEnvironment& env);

// curl's no_proxy matching: "*" matches every host; otherwise a comma (or space) separated
// list where an entry matches the host itself or, for names, any subdomain (a leading dot is
// optional: "example.com" and ".example.com" both match "a.example.com"); IP entries match
// the same address, or a CIDR range ("10.0.0.0/8", "fd00::/8"). Case-insensitive; ports in
// entries are ignored. Pure.
bool noProxyMatches(std::string_view no_proxy, std::string_view host);

// A proxy URL as given on the command line or in a config: "http://host:port" or
// "https://host:port" (a missing scheme means http://, a missing port 1080 as curl has it).
// Refuses userinfo (credentials belong in --proxy-credentials-file), other schemes, paths and
// control characters with InvalidArgument naming the redacted value. Returns it normalized.
Result<std::string> parseProxyUrl(std::string_view url);

// `url` without any "user:password@": what the output and the capture say. Pure.
std::string proxyUrlForDisplay(std::string_view url);

// The content of a proxy credentials file: one line "user:password" (a final newline is
// allowed). Fails with InvalidArgument naming `path` but never the content. Pure.
Result<std::string> parseProxyCredentials(std::string_view text, const std::string& path);

// Reads and checks a proxy credentials file: a regular file of at most 4 KiB that neither the
// group nor others may read (chmod 600), holding what parseProxyCredentials accepts. Fails
// with PermissionDenied, FileNotFound, FileTooLarge or InvalidArgument in one line naming the
// path and what to do; the content is never echoed.
Result<std::string> loadProxyCredentials(const std::string& path);

}  // namespace trustctl::probes
