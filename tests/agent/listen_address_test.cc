// [agent] listen parsing: strict HOST:PORT, bracketed IPv6, every interface only when spelled
// out, no trailing junk in the port.
#include <catch2/catch.hpp>

#include "agent/listen_address.h"

using namespace trustctl;
using namespace trustctl::agent;

TEST_CASE("ListenAddress: HOST:PORT and [IPV6]:PORT are parsed", "[agent]") {
  auto v4 = parseListenAddress("127.0.0.1:9464");
  REQUIRE(v4);
  CHECK(v4->host == "127.0.0.1");
  CHECK(v4->port == 9464);
  CHECK(v4->loopback);
  CHECK_FALSE(v4->all_interfaces);

  auto v6 = parseListenAddress("[::1]:19464");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 19464);
  CHECK(v6->loopback);
  CHECK(v6->display() == "[::1]:19464");

  auto name = parseListenAddress("localhost:9464");
  REQUIRE(name);
  CHECK(name->loopback);
}

TEST_CASE("ListenAddress: every interface must be spelled out and is flagged", "[agent]") {
  auto all4 = parseListenAddress("0.0.0.0:9464");
  REQUIRE(all4);
  CHECK(all4->all_interfaces);
  CHECK_FALSE(all4->loopback);
  auto all6 = parseListenAddress("[::]:9464");
  REQUIRE(all6);
  CHECK(all6->all_interfaces);
  auto lan = parseListenAddress("192.0.2.10:9464");
  REQUIRE(lan);
  CHECK_FALSE(lan->loopback);
  CHECK_FALSE(lan->all_interfaces);
}

TEST_CASE("ListenAddress: malformed values are ListenAddressInvalid", "[agent]") {
  for (const char* bad : {"127.0.0.1:19x", ":9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:0",
                          "127.0.0.1:65536", "127.0.0.1:+80", "::1:9464", "[::1]9464", "[::1:9464",
                          "[nothost]:9464", "exa mple:9464", "", "127.0.0.1:123456"}) {
    INFO(bad);
    auto r = parseListenAddress(bad);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::ListenAddressInvalid);
  }
}
