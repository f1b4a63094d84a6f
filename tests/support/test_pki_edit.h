#pragma once
// Certificates TestPki does not make directly: a copy of one certificate with an extension
// removed or replaced, signed again by its issuer (or by itself when self-signed). Subject,
// key and validity are kept, so what it issued still chains to it.

#include <string>

#include "tests/support/test_pki.h"

namespace trustctl::testing {

// `cert` without extension `nid` (e.g. NID_authority_key_identifier), re-signed by `signer`.
Issued withoutExtension(const Issued& cert, const Issued& signer, int nid);

// `cert` with extension `nid` set to `value` (the openssl.cnf syntax, "critical,..." allowed),
// replacing any it had, re-signed by `signer`. For a self-signed certificate pass it twice.
Issued withExtension(const Issued& cert, const Issued& signer, int nid, const std::string& value);

}  // namespace trustctl::testing
