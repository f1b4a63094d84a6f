#pragma once
// Text that came from a certificate, a server or a user is made safe to print: control
// characters (C0, DEL, C1) and bytes that are not UTF-8 become visible escapes, so a subject
// such as "CN=\e[31m..." cannot recolour, move or clear the terminal, nor forge a line of
// output. Printable text, UTF-8 included, is kept as it is. This is for terminals, tables and
// logs; JSON has its own escaping (nlohmann::json escapes every control character).

#include <string>
#include <string_view>

namespace trustctl::truststore {

// `text` with every control character written as an escape: "\n", "\r", "\t", "\e" for the
// common ones, "\xNN" for other C0 bytes, DEL and bytes that are not part of valid UTF-8, and
// "\u00NN" for C1 controls encoded in UTF-8. A backslash stays a backslash. Pure.
std::string escapeControl(std::string_view text);

// True when `text` has a byte escapeControl() would change.
bool hasControl(std::string_view text);

}  // namespace trustctl::truststore
