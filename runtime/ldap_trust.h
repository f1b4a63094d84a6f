#pragma once
// Connects an OpenLDAP handle to a connector's trust. Debian's libldap runs on GnuTLS and its
// own check wants a root in TLS_CACERT, which does not promise that a trusted intermediate or
// server certificate is enough; so libldap's check is turned off for the handle and the peer
// chain is judged inside the TLS handshake by trustctl's verifier, against the connector's
// current trust and the URI's host. A chain the connector does not accept fails the handshake,
// before the connection carries any operation or bind.

#include <optional>

#include <ldap.h>

#include "runtime/connector_trust.h"

namespace trustctl::runtime {

// Configures `ld` (after ldap_initialize, before the first operation or ldap_start_tls_s):
// TLS 1.2 or later, the connector's identity for mTLS, and the in-handshake verification.
// The host checked is the handle's URI host (with several URIs, the certificate must match
// one of them). `trust` must outlive the handle.
Result<void> configureLdap(LDAP* ld, ConnectorTrust& trust);

// The verdict of the last TLS handshake this thread made through a configured handle; use it
// to say why ldap_start_tls_s or the first operation failed with LDAP_CONNECT_ERROR.
std::optional<Verdict> lastLdapVerdict();

}  // namespace trustctl::runtime
