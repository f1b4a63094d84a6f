#include "agent/listen_address.h"

#include <arpa/inet.h>

#include <cctype>

namespace trustctl::agent {

namespace {

Error invalid(const std::string& text, const std::string& why) {
  return {ErrorCode::ListenAddressInvalid,
          "[agent] listen = \"" + text + "\": " + why +
              "; write HOST:PORT, e.g. 127.0.0.1:9464, [::1]:9464, or 0.0.0.0:9464 for every "
              "interface"};
}

bool isHostName(const std::string& host) {
  if (host.empty() || host.size() > 253) {
    return false;
  }
  for (char c : host) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '.') {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string ListenAddress::display() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  return h + ":" + std::to_string(port);
}

Result<ListenAddress> parseListenAddress(const std::string& text) {
  ListenAddress out;
  std::string port_text;
  if (!text.empty() && text[0] == '[') {
    size_t close = text.find(']');
    if (close == std::string::npos || close + 1 >= text.size() || text[close + 1] != ':') {
      return tl::unexpected(invalid(text, "an IPv6 address needs the form [ADDRESS]:PORT"));
    }
    out.host = text.substr(1, close - 1);
    port_text = text.substr(close + 2);
    in6_addr a6{};
    if (inet_pton(AF_INET6, out.host.c_str(), &a6) != 1) {
      return tl::unexpected(invalid(text, "'" + out.host + "' is not an IPv6 address"));
    }
    out.all_interfaces = IN6_IS_ADDR_UNSPECIFIED(&a6);
    out.loopback = IN6_IS_ADDR_LOOPBACK(&a6);
  } else {
    size_t colon = text.rfind(':');
    if (colon == std::string::npos) {
      return tl::unexpected(invalid(text, "no port"));
    }
    out.host = text.substr(0, colon);
    port_text = text.substr(colon + 1);
    if (out.host.empty()) {
      return tl::unexpected(
          invalid(text, "no host (every interface must be asked for explicitly)"));
    }
    if (out.host.find(':') != std::string::npos) {
      return tl::unexpected(invalid(text, "an IPv6 address must be in brackets"));
    }
    in_addr a4{};
    if (inet_pton(AF_INET, out.host.c_str(), &a4) == 1) {
      uint32_t addr = ntohl(a4.s_addr);
      out.all_interfaces = addr == 0;
      out.loopback = (addr >> 24) == 127;
    } else if (!isHostName(out.host)) {
      return tl::unexpected(invalid(text, "'" + out.host + "' is not an address or host name"));
    } else {
      out.loopback = out.host == "localhost";
    }
  }
  bool digits = !port_text.empty() && port_text.size() <= 5;
  for (char c : port_text) {
    digits = digits && std::isdigit(static_cast<unsigned char>(c));
  }
  if (!digits) {
    return tl::unexpected(invalid(text, "the port '" + port_text + "' is not a number"));
  }
  out.port = std::stoi(port_text);
  if (out.port < 1 || out.port > 65535) {
    return tl::unexpected(invalid(text, "the port must be 1 to 65535"));
  }
  return out;
}

}  // namespace trustctl::agent
