#pragma once
// The agent's `[agent] listen` value, parsed strictly: `HOST:PORT`, `[IPV6]:PORT`. Listening
// on every interface must be spelled out (`0.0.0.0:PORT`, `[::]:PORT`): a bare `:PORT` is
// refused, because /status names every connector and target and the agent has no
// authentication. Pure: no resolution, no socket.

#include <string>

#include "truststore/error.h"

namespace trustctl::agent {

struct ListenAddress {
  std::string host;  // IPv4/IPv6 literal (no brackets) or a host name
  int port = 0;
  bool all_interfaces = false;  // 0.0.0.0 or ::
  bool loopback = false;        // 127.0.0.0/8, ::1 or localhost
  // As an operator writes it: "127.0.0.1:9464", "[::1]:9464".
  std::string display() const;
};

// Fails with ListenAddressInvalid, one sentence saying what is wrong with `text` and an
// example of a valid value.
Result<ListenAddress> parseListenAddress(const std::string& text);

}  // namespace trustctl::agent
