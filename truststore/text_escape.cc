#include "truststore/text_escape.h"

namespace trustctl::truststore {

namespace {

constexpr char kHex[] = "0123456789abcdef";

void appendHexByte(std::string& out, unsigned char c) {
  out += "\\x";
  out += kHex[c >> 4];
  out += kHex[c & 0xf];
}

// Length of the valid UTF-8 sequence starting at text[i], 0 when it is not valid (overlong
// forms, surrogates and values past U+10FFFF included, as a terminal might still act on them).
size_t utf8Length(std::string_view text, size_t i) {
  auto byte = [&](size_t k) { return static_cast<unsigned char>(text[k]); };
  unsigned char c = byte(i);
  size_t n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc2 ? 2 : 0;
  if (n == 0 || c > 0xf4 || i + n > text.size()) {
    return 0;
  }
  for (size_t k = 1; k < n; ++k) {
    if ((byte(i + k) & 0xc0) != 0x80) {
      return 0;
    }
  }
  unsigned char c1 = byte(i + 1);
  if ((c == 0xe0 && c1 < 0xa0) || (c == 0xed && c1 > 0x9f) || (c == 0xf0 && c1 < 0x90) ||
      (c == 0xf4 && c1 > 0x8f)) {
    return 0;
  }
  return n;
}

}  // namespace

std::string escapeControl(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c >= 0x20 && c < 0x7f) {
      out += static_cast<char>(c);
      ++i;
      continue;
    }
    if (c >= 0x80) {
      size_t n = utf8Length(text, i);
      if (n == 0) {
        appendHexByte(out, c);
        ++i;
      } else if (n == 2 && c == 0xc2 && static_cast<unsigned char>(text[i + 1]) < 0xa0) {
        // U+0080..U+009F: C1 controls, CSI (U+009B) among them.
        out += "\\u00";
        unsigned char v = static_cast<unsigned char>(text[i + 1]);
        out += kHex[v >> 4];
        out += kHex[v & 0xf];
        i += 2;
      } else {
        out.append(text.substr(i, n));
        i += n;
      }
      continue;
    }
    switch (c) {
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case 0x1b:
        out += "\\e";
        break;
      default:
        appendHexByte(out, c);
    }
    ++i;
  }
  return out;
}

bool hasControl(std::string_view text) {
  return escapeControl(text) != text;
}

}  // namespace trustctl::truststore
