#pragma once
// Public keys as JSON Web Keys (RFC 7517), their RFC 7638 thumbprints (the `kid` verifiers
// look keys up by), the JWKS document, and compact JWS signatures (RFC 7515) with ES256 (raw
// r||s, RFC 7518 3.4) or RS256. Only EC P-256 and RSA keys: what the built-in CA issues. It
// knows nothing of the store or the rotation (signing_keys.h).

#include <string>
#include <string_view>
#include <vector>

#include "truststore/certificate.h"
#include "truststore/error.h"
#include "truststore/private_key.h"

namespace trustctl::truststore {

// The public members of a JWK, base64url without padding: EC uses crv, x, y; RSA n, e.
struct Jwk {
  std::string kty;  // "EC" or "RSA"
  std::string crv;  // "P-256"
  std::string x, y;
  std::string n, e;
};

// base64url (RFC 4648 section 5) without padding.
std::string base64Url(std::string_view bytes);

// The JWK of `cert`'s public key. Fails with InvalidArgument for another key type or curve.
Result<Jwk> jwkOfCertificate(const Certificate& cert);
// RFC 7638: SHA-256 of the required members in lexicographic order, without whitespace,
// base64url. Pure; defined for any Jwk whose kty is EC or RSA.
std::string jwkThumbprint(const Jwk& jwk);
// "ES256" for EC, "RS256" for RSA.
std::string jwsAlgorithm(const Jwk& jwk);

// One key of a JWKS: its JWK plus what a verifier needs to pick and trust it.
struct JwksKey {
  Jwk jwk;
  std::string kid;
  std::string alg;
  std::vector<CertificatePtr> x5c;  // leaf first (standard base64 DER in the document)
};
// {"keys":[{kty,crv,x,y|n,e,kid,use:"sig",alg,x5c}]}, two-space indented, newline-terminated.
std::string jwksDocument(const std::vector<JwksKey>& keys);

// A compact JWS "header.payload.signature" of `payload` with header {"alg","kid","typ":"JWT"}.
// `alg` must match `key` ("ES256" for P-256, "RS256" for RSA). Fails with InvalidArgument on a
// mismatch, Crypto when OpenSSL does. The key stays the caller's.
Result<std::string> signCompactJws(const PrivateKey& key, const std::string& alg,
                                   const std::string& kid, std::string_view payload);

}  // namespace trustctl::truststore
