#pragma once
// The versions of the TLS and protocol libraries this process runs with, as loaded at run time
// (not the headers it was compiled against): a support ticket needs to know which OpenSSL,
// libcurl, libldap and GnuTLS judged a handshake. Lives in probes/ because only truststore/
// and probes/ may include those libraries' headers; agent/ just prints the lines.

#include <string>
#include <vector>

namespace trustctl::probes {

// One line per library, e.g. "OpenSSL 3.0.17 1 Jul 2025", "libcurl 7.88.1 (OpenSSL/3.0.17)",
// "libldap 2.5.13 (OpenLDAP)", "GnuTLS 3.7.9". Never fails: a library that cannot say gives
// "unknown" as its version. No network, no allocation that outlives the call.
std::vector<std::string> runtimeLibraryVersions();

}  // namespace trustctl::probes
