// escapeControl: what reaches a terminal from a certificate or a server has no control bytes.
#include <catch2/catch.hpp>

#include "truststore/text_escape.h"

using trustctl::truststore::escapeControl;
using trustctl::truststore::hasControl;

TEST_CASE("TextEscape: control characters become visible escapes", "[truststore]") {
  CHECK(escapeControl("CN=\x1b[31mred\nforged line") == "CN=\\e[31mred\\nforged line");
  CHECK(escapeControl(std::string("a\0b\r\t\x7f", 6)) == "a\\x00b\\r\\t\\x7f");
  CHECK(escapeControl("\xc2\x9b"
                      "31m") == "\\u009b31m");  // C1 CSI in UTF-8
  CHECK(escapeControl("\x9b"
                      "31m") == "\\x9b31m");                  // a bare 8-bit CSI
  CHECK(escapeControl("\xed\xa0\x80") == "\\xed\\xa0\\x80");  // a surrogate is not UTF-8
  CHECK(escapeControl("\xe0\x80\x9b") == "\\xe0\\x80\\x9b");  // nor an overlong form
}

TEST_CASE("TextEscape: printable text and UTF-8 are kept as they are", "[truststore]") {
  for (const char* s : {"CN=api.example.com, O=Example", "Zürich Größe", "東京 CA", "a\\b",
                        "emoji \xf0\x9f\x94\x92", ""}) {
    CHECK(escapeControl(s) == s);
    CHECK_FALSE(hasControl(s));
  }
  CHECK(hasControl("x\x1b"));
}
