#pragma once
// Connects a libcurl easy handle (OpenSSL backend) to a connector's trust: every new
// connection gets the trust current at that moment and the connector's identity, through
// CURLOPT_SSL_CTX_FUNCTION; curl verifies the peer and the host name with them.

#include <curl/curl.h>

#include "runtime/connector_trust.h"

namespace trustctl::runtime {

// Sets CURLOPT_SSL_CTX_FUNCTION/DATA, peer and host verification on, no CA file or folder of
// curl's own (explicit trust: only the connector's anchors count), curl's CA cache off (it
// would pin the first trust), and TLS session reuse off,
// since a resumed session skips verification and would outlive a trust change. Fails with
// Internal when libcurl is not built on OpenSSL. `trust` must outlive the handle.
Result<void> configureCurl(CURL* easy, ConnectorTrust& trust);

}  // namespace trustctl::runtime
