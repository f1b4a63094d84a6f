// Target URLs: credentials are never echoed back, and control characters or spaces are refused
// as usage errors instead of going out in a request.
#include <catch2/catch.hpp>

#include "truststore/target_url.h"
#include "truststore/text_escape.h"

using namespace trustctl;
using namespace trustctl::truststore;

TEST_CASE("TargetUrl: a password in the userinfo is refused and never echoed", "[truststore]") {
  for (const char* url : {"https://admin:s3cret@api.example.com/", "ldaps://admin:s3cret@dc1:636",
                          "https://admin:s3cret@", "admin:s3cret@api.example.com",
                          "https://admin:s3cret@bad host/"}) {
    auto t = parseTarget(url);
    REQUIRE_FALSE(t);
    CHECK(t.error().code == ErrorCode::InvalidUrl);
    INFO(t.error().message);
    CHECK(t.error().message.find("s3cret") == std::string::npos);
    CHECK(t.error().message.find("admin") == std::string::npos);
  }
  CHECK(redactUrl("https://u:p@h:1/x@y") == "https://***@h:1/x@y");
  CHECK(redactUrl("https://h/p?q=a@b") == "https://h/p?q=a@b");
  CHECK(redactUrl("https://a@b@h/") == "https://***@h/");
}

TEST_CASE("TargetUrl: control characters and spaces are refused with one clear line",
          "[truststore]") {
  for (const char* url :
       {"https://127.0.0.1:8443/a\r\nHost: evil", "https://h/a\nb", "https://h/\x1b[31m",
        "https://h/a b", "https://h\t/", "ldap://dc1/\x7f", "https://h/\r"}) {
    auto t = parseTarget(url);
    REQUIRE_FALSE(t);
    CHECK(t.error().code == ErrorCode::InvalidUrl);
    INFO(t.error().message);
    CHECK_FALSE(hasControl(t.error().message));
    CHECK(t.error().message.find("percent-encoded") != std::string::npos);
  }
  auto crlf = parseTarget("https://h/a\r\nb");
  REQUIRE_FALSE(crlf);
  CHECK_THAT(crlf.error().message, Catch::Contains("carriage return"));
  CHECK_THAT(crlf.error().message, Catch::Contains("%0D"));
  CHECK(parseTarget("https://h/a%20b%0D")->path == "/a%20b%0D");
}
