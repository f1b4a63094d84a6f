// Host names matched the way each runtime matches them: our own matcher rather than
// X509_check_host, because the runtimes differ exactly where OpenSSL's flags cannot say it
// (curl compares an IP literal with the CN as text, GnuTLS reads the CN even beside SANs).

#include <arpa/inet.h>

#include <algorithm>
#include <cstring>

#include "truststore/runtime_model.h"

namespace trustctl::truststore {

namespace {

std::string lowered(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string withoutTrailingDot(std::string s) {
  while (!s.empty() && s.back() == '.') {
    s.pop_back();
  }
  return s;
}

bool sameIp(const std::string& a, const std::string& b) {
  unsigned char x[16] = {0};
  unsigned char y[16] = {0};
  if (inet_pton(AF_INET, a.c_str(), x) == 1) {
    return inet_pton(AF_INET, b.c_str(), y) == 1 && std::memcmp(x, y, 4) == 0;
  }
  if (inet_pton(AF_INET6, a.c_str(), x) == 1) {
    return inet_pton(AF_INET6, b.c_str(), y) == 1 && std::memcmp(x, y, 16) == 0;
  }
  return false;
}

// RFC 6125: a wildcard only in the left-most label, over at least two more labels, matching
// exactly one host label; "a*b" labels only where the runtime allows partial wildcards (and
// never in an IDNA A-label).
bool dnsMatches(const std::string& pattern_in, const std::string& host, bool partial) {
  std::string pattern = withoutTrailingDot(lowered(pattern_in));
  if (pattern.find('*') == std::string::npos) {
    return !pattern.empty() && pattern == host;
  }
  size_t dot = pattern.find('.');
  if (dot == std::string::npos) {
    return false;
  }
  std::string first = pattern.substr(0, dot);
  std::string rest = pattern.substr(dot);
  if (rest.find('*') != std::string::npos || std::count(first.begin(), first.end(), '*') != 1 ||
      std::count(rest.begin(), rest.end(), '.') < 2) {
    return false;
  }
  size_t host_dot = host.find('.');
  if (host_dot == std::string::npos || host_dot == 0 || host.substr(host_dot) != rest) {
    return false;
  }
  std::string label = host.substr(0, host_dot);
  if (first == "*") {
    return true;
  }
  if (!partial || first.rfind("xn--", 0) == 0) {
    return false;
  }
  size_t star = first.find('*');
  std::string prefix = first.substr(0, star);
  std::string suffix = first.substr(star + 1);
  return label.size() >= prefix.size() + suffix.size() && label.rfind(prefix, 0) == 0 &&
         label.compare(label.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool cnFallbackApplies(CnFallback rule, bool ip_host, bool has_dns, bool has_ip) {
  switch (rule) {
    case CnFallback::Never:
      return false;
    case CnFallback::NoSanOfType:
      return ip_host ? !has_ip : !has_dns;
    case CnFallback::NoSanAtAll:
      return !has_dns && !has_ip;
    case CnFallback::NoSanMatch:
      return true;
  }
  return false;
}

}  // namespace

bool runtimeMatchesHost(const RuntimeModel& model, const Certificate& leaf,
                        const std::string& host) {
  std::string bare = bareHost(host);
  bool ip_host = isIpLiteral(bare);
  std::string name = ip_host ? bare : withoutTrailingDot(lowered(bare));
  if (name.empty()) {
    return false;
  }
  bool has_dns = false;
  bool has_ip = false;
  for (const auto& san : leaf.info().sans) {
    if (san.rfind("DNS:", 0) == 0) {
      has_dns = true;
      if (!ip_host && dnsMatches(san.substr(4), name, model.partial_wildcard)) {
        return true;
      }
    } else if (san.rfind("IP:", 0) == 0) {
      has_ip = true;
      if (ip_host && sameIp(san.substr(3), name)) {
        return true;
      }
    }
  }
  if (!cnFallbackApplies(model.cn_fallback, ip_host, has_dns, has_ip)) {
    return false;
  }
  const std::string& cn = leaf.info().subject_cn;
  if (ip_host) {
    return model.ip_in_cn && (sameIp(cn, name) || lowered(cn) == lowered(name));
  }
  return dnsMatches(cn, name, model.partial_wildcard);
}

}  // namespace trustctl::truststore
