#include "truststore/target_url.h"

#include <algorithm>
#include <cctype>

#include "truststore/text_escape.h"

namespace trustctl::truststore {

namespace {

// Every message names the URL redacted and escaped: a password given by mistake must not reach
// a terminal or a log, nor a control character the terminal would act on.
tl::unexpected<Error> badUrl(std::string_view url, const std::string& what) {
  return fail(ErrorCode::InvalidUrl, "target '" + escapeControl(redactUrl(url)) + "': " + what);
}

// The name and escape of a byte a URL may not hold raw, for the message.
std::string describeByte(unsigned char c) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string percent = {'%', kHex[c >> 4], kHex[c & 0xf]};
  std::string name = c == ' '    ? "a space"
                     : c == '\r' ? "a carriage return (CR)"
                     : c == '\n' ? "a line feed (LF)"
                     : c == '\t' ? "a tab"
                                 : "the control character " + percent;
  return name + "; remove it, or write it percent-encoded as " + percent;
}

bool validHostChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '.' || c == '_';
}

}  // namespace

std::string_view protocolName(Protocol p) {
  switch (p) {
    case Protocol::Https:
      return "https";
    case Protocol::Ldaps:
      return "ldaps";
    case Protocol::LdapStartTls:
      return "ldap+starttls";
  }
  return "https";
}

std::string Target::urlHost() const {
  return host.find(':') != std::string::npos ? "[" + host + "]" : host;
}

std::string Target::url() const {
  std::string scheme = protocol == Protocol::Https   ? "https"
                       : protocol == Protocol::Ldaps ? "ldaps"
                                                     : "ldap";
  return scheme + "://" + urlHost() + ":" + std::to_string(port) +
         (protocol == Protocol::Https ? path : "/");
}

std::string redactUrl(std::string_view url) {
  size_t sep = url.find("://");
  size_t start = sep == std::string_view::npos ? 0 : sep + 3;
  size_t end = url.find_first_of("/?#", start);
  std::string_view authority =
      url.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
  size_t at = authority.rfind('@');
  if (at == std::string_view::npos) {
    return std::string(url);
  }
  return std::string(url.substr(0, start)) + "***" + std::string(url.substr(start + at));
}

Result<Target> parseTarget(std::string_view url) {
  Target t;
  // Checked before anything else: a CR/LF in a path would otherwise go out in the request line
  // and come back as a baffling server error.
  for (size_t i = 0; i < url.size(); ++i) {
    auto c = static_cast<unsigned char>(url[i]);
    if (c <= 0x20 || c == 0x7f) {
      return badUrl(url, "byte " + std::to_string(i + 1) + " is " + describeByte(c));
    }
  }
  size_t sep = url.find("://");
  if (sep == std::string_view::npos) {
    return badUrl(url, "expected scheme://host[:port], e.g. https://api.example.com");
  }
  std::string scheme(url.substr(0, sep));
  std::transform(scheme.begin(), scheme.end(), scheme.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  int default_port = 0;
  if (scheme == "https") {
    t.protocol = Protocol::Https;
    default_port = 443;
  } else if (scheme == "ldaps") {
    t.protocol = Protocol::Ldaps;
    default_port = 636;
  } else if (scheme == "ldap") {
    t.protocol = Protocol::LdapStartTls;
    default_port = 389;
  } else {
    return badUrl(url,
                  "unknown scheme '" + scheme + "'; use https://, ldaps:// or ldap:// (StartTLS)");
  }
  std::string_view rest = url.substr(sep + 3);
  size_t path_at = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, path_at);
  t.path = path_at == std::string_view::npos ? "/" : std::string(rest.substr(path_at));
  if (t.path[0] != '/') {
    t.path = "/" + t.path;
  }
  if (authority.find('@') != std::string_view::npos) {
    return badUrl(url, "credentials in the URL are not accepted; give a password file instead");
  }
  std::string_view port_text;
  if (!authority.empty() && authority[0] == '[') {
    size_t close = authority.find(']');
    if (close == std::string_view::npos) {
      return badUrl(url, "an IPv6 address needs a closing ']'");
    }
    t.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') {
        return badUrl(url, "unexpected text after the IPv6 address");
      }
      port_text = after.substr(1);
    }
    if (t.host.empty() ||
        t.host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string::npos) {
      return badUrl(url, "'" + t.host + "' is not an IPv6 address");
    }
  } else {
    size_t colon = authority.rfind(':');
    t.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) {
        return badUrl(url, "the port after ':' is empty");
      }
    }
    if (t.host.empty()) {
      return badUrl(url, "the host name is empty");
    }
    if (!std::all_of(t.host.begin(), t.host.end(), validHostChar) || t.host.size() > 253) {
      return badUrl(url, "'" + t.host + "' is not a valid host name");
    }
  }
  t.port = default_port;
  if (!port_text.empty()) {
    if (port_text.size() > 5 || !std::all_of(port_text.begin(), port_text.end(),
                                             [](unsigned char c) { return std::isdigit(c); })) {
      return badUrl(url, "port '" + std::string(port_text) + "' is not a number");
    }
    int port = std::stoi(std::string(port_text));
    if (port < 1 || port > 65535) {
      return badUrl(url, "port " + std::string(port_text) + " is out of range 1-65535");
    }
    t.port = port;
  }
  std::transform(t.host.begin(), t.host.end(), t.host.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return t;
}

}  // namespace trustctl::truststore
