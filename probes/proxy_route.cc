#include "probes/proxy_route.h"

#include <arpa/inet.h>
#include <sys/stat.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <optional>

#include "truststore/file_util.h"
#include "truststore/secret_wipe.h"

namespace trustctl::probes {

namespace {

// curl's order for an https:// URL: the scheme's own variable in lower then upper case (only
// http_proxy is lower-case only, against the CGI "HTTP_PROXY" header), then the catch-all.
constexpr std::array<const char*, 4> kProxyVariables{"https_proxy", "HTTPS_PROXY", "all_proxy",
                                                     "ALL_PROXY"};
constexpr std::array<const char*, 2> kNoProxyVariables{"no_proxy", "NO_PROXY"};
constexpr size_t kMaxCredentialsBytes = 4096;

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) {
    s.remove_prefix(1);
  }
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) {
    s.remove_suffix(1);
  }
  return s;
}

struct IpAddress {
  int family = 0;
  std::array<unsigned char, 16> bytes{};
  int bits() const { return family == AF_INET ? 32 : 128; }
};

std::optional<IpAddress> parseIp(std::string_view text) {
  std::string s(text);
  if (s.size() >= 2 && s.front() == '[' && s.back() == ']') {
    s = s.substr(1, s.size() - 2);
  }
  IpAddress ip;
  if (inet_pton(AF_INET, s.c_str(), ip.bytes.data()) == 1) {
    ip.family = AF_INET;
    return ip;
  }
  if (inet_pton(AF_INET6, s.c_str(), ip.bytes.data()) == 1) {
    ip.family = AF_INET6;
    return ip;
  }
  return std::nullopt;
}

bool sameNetwork(const IpAddress& a, const IpAddress& b, int prefix) {
  if (a.family != b.family || prefix < 0 || prefix > a.bits()) {
    return false;
  }
  int whole = prefix / 8;
  if (std::memcmp(a.bytes.data(), b.bytes.data(), static_cast<size_t>(whole)) != 0) {
    return false;
  }
  int rest = prefix % 8;
  if (rest == 0) {
    return true;
  }
  auto mask = static_cast<unsigned char>(0xff << (8 - rest));
  return (a.bytes[static_cast<size_t>(whole)] & mask) ==
         (b.bytes[static_cast<size_t>(whole)] & mask);
}

bool entryMatches(std::string_view entry, const std::string& host,
                  const std::optional<IpAddress>& host_ip) {
  if (host_ip) {
    std::string_view address = entry;
    int prefix = host_ip->bits();
    if (size_t slash = entry.find('/'); slash != std::string_view::npos) {
      address = entry.substr(0, slash);
      prefix = std::atoi(std::string(entry.substr(slash + 1)).c_str());
    } else if (size_t colon = entry.rfind(':');
               colon != std::string_view::npos && entry.find(':') == colon) {
      address = entry.substr(0, colon);  // "10.1.2.3:8080": a port curl would not use either
    }
    auto ip = parseIp(address);
    return ip && sameNetwork(*ip, *host_ip, prefix);
  }
  if (size_t colon = entry.find(':'); colon != std::string_view::npos) {
    entry = entry.substr(0, colon);
  }
  while (!entry.empty() && entry.front() == '.') {
    entry.remove_prefix(1);
  }
  while (!entry.empty() && entry.back() == '.') {
    entry.remove_suffix(1);
  }
  if (entry.empty()) {
    return false;
  }
  std::string name = lower(entry);
  if (host == name) {
    return true;
  }
  return host.size() > name.size() &&
         host.compare(host.size() - name.size(), name.size(), name) == 0 &&
         host[host.size() - name.size() - 1] == '.';
}

std::string percentDecode(std::string_view s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(s[i + 2]))) {
      out += static_cast<char>(std::strtol(std::string(s.substr(i + 1, 2)).c_str(), nullptr, 16));
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

// Splits "scheme://user:password@host:port/" into the URL without userinfo and the userinfo.
std::pair<std::string, std::string> splitUserinfo(std::string_view url) {
  size_t start = url.find("://");
  start = start == std::string_view::npos ? 0 : start + 3;
  size_t end = url.find_first_of("/?#", start);
  size_t at = url.rfind('@', end == std::string_view::npos ? url.size() : end);
  if (at == std::string_view::npos || at < start) {
    return {std::string(url), ""};
  }
  std::string rest = std::string(url.substr(0, start)) + std::string(url.substr(at + 1));
  return {rest, percentDecode(url.substr(start, at - start))};
}

Error badProxy(std::string_view url, const std::string& why) {
  return {ErrorCode::InvalidArgument, "proxy '" + proxyUrlForDisplay(url) + "': " + why};
}

}  // namespace

const ProxyEnvironment& processProxyEnvironment() {
  static const ProxyEnvironment env = [] {
    ProxyEnvironment e;
    auto take = [&e](const char* name) {
      if (const char* v = std::getenv(name)) {
        e[name] = v;
      }
    };
    std::for_each(kProxyVariables.begin(), kProxyVariables.end(), take);
    std::for_each(kNoProxyVariables.begin(), kNoProxyVariables.end(), take);
    return e;
  }();
  return env;
}

bool noProxyMatches(std::string_view no_proxy, std::string_view host_in) {
  std::string_view list = trim(no_proxy);
  if (list == "*") {
    return true;
  }
  std::string host = lower(host_in);
  while (!host.empty() && host.back() == '.') {
    host.pop_back();
  }
  auto host_ip = parseIp(host);
  size_t pos = 0;
  while (pos <= list.size()) {
    size_t end = list.find_first_of(", ", pos);
    std::string_view entry =
        trim(list.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos));
    if (!entry.empty() && entryMatches(entry, host, host_ip)) {
      return true;
    }
    if (end == std::string_view::npos) {
      break;
    }
    pos = end + 1;
  }
  return false;
}

ProxyRoute resolveProxy(const ProxyChoice& choice, std::string_view host,
                        const ProxyEnvironment& env) {
  ProxyRoute route;
  if (choice.mode == ProxyChoice::Mode::Direct) {
    return route;
  }
  if (choice.mode == ProxyChoice::Mode::Url) {
    route.url = proxyUrlForDisplay(choice.url);
    route.source = "configured";
    return route;
  }
  for (const char* name : kNoProxyVariables) {
    auto it = env.find(name);
    if (it != env.end() && !trim(it->second).empty()) {
      if (noProxyMatches(it->second, host)) {
        return route;
      }
      break;  // curl reads no_proxy, and NO_PROXY only when no_proxy is unset
    }
  }
  for (const char* name : kProxyVariables) {
    auto it = env.find(name);
    if (it == env.end() || trim(it->second).empty()) {
      continue;
    }
    std::string value(trim(it->second));
    if (value.find("://") == std::string::npos) {
      value = "http://" + value;
    }
    auto [url, userinfo] = splitUserinfo(value);
    route.url = url;
    route.source = name;
    route.credentials = userinfo;
    return route;
  }
  return route;
}

Result<std::string> parseProxyUrl(std::string_view url) {
  for (char c : url) {
    if (std::iscntrl(static_cast<unsigned char>(c)) || c == ' ') {
      return tl::unexpected(badProxy(url, "spaces and control characters are not allowed"));
    }
  }
  std::string s(url);
  if (s.find("://") == std::string::npos) {
    s = "http://" + s;
  }
  std::string scheme = lower(s.substr(0, s.find("://")));
  if (scheme != "http" && scheme != "https") {
    return tl::unexpected(badProxy(url, "only http:// and https:// proxies are supported"));
  }
  std::string rest = s.substr(scheme.size() + 3);
  while (!rest.empty() && rest.back() == '/') {
    rest.pop_back();
  }
  if (rest.find('@') != std::string::npos) {
    return tl::unexpected(
        badProxy(url,
                 "credentials do not belong in the URL (they would show in process lists and "
                 "logs); put user:password in a 0600 file and give --proxy-credentials-file"));
  }
  if (rest.empty() || rest.find_first_of("/?#") != std::string::npos) {
    return tl::unexpected(badProxy(url, "give scheme://host:port, without a path"));
  }
  size_t colon = rest.rfind(':');
  bool has_port = colon != std::string::npos && rest.find(']', colon) == std::string::npos;
  if (has_port) {
    std::string port = rest.substr(colon + 1);
    int n =
        port.empty() || port.size() > 5 || port.find_first_not_of("0123456789") != std::string::npos
            ? 0
            : std::atoi(port.c_str());
    if (n < 1 || n > 65535) {
      return tl::unexpected(badProxy(url, "the port must be a number from 1 to 65535"));
    }
  } else {
    rest += ":1080";
  }
  return scheme + "://" + rest;
}

std::string proxyUrlForDisplay(std::string_view url) {
  return splitUserinfo(url).first;
}

Result<std::string> parseProxyCredentials(std::string_view text, const std::string& path) {
  std::string_view line = text;
  if (!line.empty() && line.back() == '\n') {
    line.remove_suffix(1);
  }
  if (!line.empty() && line.back() == '\r') {
    line.remove_suffix(1);
  }
  bool control = std::any_of(line.begin(), line.end(),
                             [](char c) { return std::iscntrl(static_cast<unsigned char>(c)); });
  size_t colon = line.find(':');
  if (line.empty() || control || colon == 0 || colon == std::string_view::npos) {
    return fail(ErrorCode::InvalidArgument,
                path + ": a proxy credentials file holds one line, user:password");
  }
  return std::string(line);
}

Result<std::string> loadProxyCredentials(const std::string& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) != 0) {
    char mode[8];
    std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
    return fail(ErrorCode::PermissionDenied,
                path + ": proxy credentials must not be readable by group or others (mode " + mode +
                    "); run chmod 600 " + path);
  }
  auto text = truststore::readUserFile(path, kMaxCredentialsBytes, "a proxy credentials file");
  if (!text) {
    return tl::unexpected(text.error());
  }
  auto credentials = parseProxyCredentials(*text, path);
  truststore::wipeSecret(*text);
  return credentials;
}

}  // namespace trustctl::probes
