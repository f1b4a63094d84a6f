#pragma once
// Overwrites a secret held in a std::string (a password, a PEM key) before it is freed, in a
// way the optimizer may not remove. For layers that must not include OpenSSL themselves.

#include <string>

namespace trustctl::truststore {

void wipeSecret(std::string& secret);

}  // namespace trustctl::truststore
