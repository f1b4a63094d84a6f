#pragma once
// LDAPS and LDAP+StartTLS capture through OpenLDAP's libldap. Debian's libldap runs on GnuTLS,
// so the chain is taken from the GnuTLS session during the handshake (libldap's own check is
// off) and handed to the OpenSSL-based diagnosis as DER. The probe connects the socket itself
// to tell DNS, refused and timeout apart, and a watchdog shuts the socket at the deadline so
// no libldap call can outlive the timeout. It reads the root DSE anonymously and never binds.

#include "probes/capture.h"

namespace trustctl::probes {

// Blocking; returns within about the request's timeout. The process must ignore SIGPIPE
// (libldap writes with send() without MSG_NOSIGNAL).
Capture captureLdap(const CaptureRequest& request);

}  // namespace trustctl::probes
