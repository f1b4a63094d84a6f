#pragma once
// Encodes PKCS#12 (PFX) files for export: a Java truststore of trusted certificates and an
// identity (key plus chain) for mTLS clients. Both use PBES2 AES-256-CBC with PBKDF2 and an
// HMAC-SHA-256 MAC, which JDK 17 and OpenSSL 3 read without a legacy provider. It writes no
// file and reads none; see pkcs12_reader.h for the other direction.

#include <string>
#include <utility>
#include <vector>

#include "truststore/certificate.h"
#include "truststore/error.h"
#include "truststore/private_key.h"

namespace trustctl::truststore {

// Returns the DER of a PKCS#12 truststore that Java's PKCS12 KeyStore (keytool) lists as one
// trustedCertEntry per anchor: each certificate is a certBag named by its alias (friendlyName)
// and marked with Oracle's trusted-key-usage attribute for any extended key usage. Certificates
// are encrypted under `password` and the file is MAC-protected with it. `anchors` may be empty
// (a valid keystore with no entries). Java folds aliases to lower case, so aliases must be
// non-empty and unique ignoring ASCII case: fails with InvalidArgument or DuplicateName
// otherwise, and with Crypto when OpenSSL cannot encode. The caller writes the bytes to disk.
Result<std::string> writeJavaTruststore(
    const std::vector<std::pair<std::string, CertificatePtr>>& anchors,
    const std::string& password);

// Returns the DER of a PKCS#12 identity: `key`, its certificate `certs[0]` (both named
// `friendly_name`, linked by a localKeyID) and the rest of `certs` as its chain, encrypted and
// MAC-protected with `password`. Fails with InvalidArgument when `key` is null or `certs` empty,
// KeyMismatch when `certs[0]` does not carry the key's public half, and Crypto when OpenSSL
// cannot encode. The result holds the private key: the caller must write it only to a file
// readable by its owner alone.
Result<std::string> writeIdentityPkcs12(const PrivateKeyPtr& key,
                                        const std::vector<CertificatePtr>& certs,
                                        const std::string& friendly_name,
                                        const std::string& password);

}  // namespace trustctl::truststore
