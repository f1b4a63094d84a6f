#pragma once
// A target URL (probes, connector targets, config files): which protocol to speak, where, and
// the name the server certificate must carry. Parsing is strict so that a typo is a usage error
// (exit 2), not a "connection refused" diagnosis.

#include <string>
#include <string_view>

#include "truststore/error.h"

namespace trustctl::truststore {

enum class Protocol { Https, Ldaps, LdapStartTls };

// "https", "ldaps" or "ldap+starttls": the names of the JSON contract.
std::string_view protocolName(Protocol p);

struct Target {
  Protocol protocol = Protocol::Https;
  std::string host;  // without brackets for IPv6
  int port = 0;
  std::string path;  // "/" at least, https only
  // Normalized: scheme://host:port/path, the key the JSON and the summary use.
  std::string url() const;
  // host as it goes into a URL: bracketed when it is an IPv6 literal.
  std::string urlHost() const;
};

// Accepts https://, ldaps:// and ldap:// (StartTLS); default ports 443 / 636 / 389. Refuses
// credentials (user:password@), spaces and control characters anywhere. Fails with InvalidUrl
// naming the URL (redacted, escaped) and what is wrong.
Result<Target> parseTarget(std::string_view url);

// `url` with any userinfo ("user:password@") replaced by "***@", for messages and logs: a URL
// as a user typed it may carry a password. Pure; the rest of the text is kept as it is.
std::string redactUrl(std::string_view url);

}  // namespace trustctl::truststore
