#include "truststore/signing_jwk.h"

#include <openssl/core_names.h>
#include <openssl/sha.h>

#include <nlohmann/json.hpp>

#include "truststore/ossl.h"

namespace trustctl::truststore {

namespace {

constexpr int kP256CoordinateBytes = 32;

// Big-endian bytes of `name`; `width` > 0 left-pads to that size (EC coordinates are fixed
// size in a JWK, RSA's n and e are minimal).
Result<std::string> bigNumberParam(EVP_PKEY* key, const char* name, int width) {
  BIGNUM* raw = nullptr;
  if (EVP_PKEY_get_bn_param(key, name, &raw) != 1) {
    return fail(ErrorCode::Crypto,
                std::string("cannot read the public key's ") + name + ": " + ossl::drainErrors());
  }
  ossl::BignumPtr bn(raw);
  int size = width > 0 ? width : BN_num_bytes(bn.get());
  std::string out(static_cast<size_t>(size), '\0');
  if (BN_bn2binpad(bn.get(), reinterpret_cast<unsigned char*>(out.data()), size) != size) {
    return fail(ErrorCode::Crypto, std::string("the public key's ") + name + " does not fit");
  }
  return out;
}

std::string sha256Bytes(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return std::string(reinterpret_cast<const char*>(digest), sizeof(digest));
}

std::string base64Std(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3) + 1, '\0');
  int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                          reinterpret_cast<const unsigned char*>(bytes.data()),
                          static_cast<int>(bytes.size()));
  out.resize(static_cast<size_t>(n));
  return out;
}

// A DER ECDSA-Sig-Value as JWS wants it: r and s, each left-padded to the curve size.
Result<std::string> rawEcdsaSignature(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  ossl::EcdsaSigPtr sig(d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size())));
  if (!sig) {
    return fail(ErrorCode::Crypto, "OpenSSL returned an unreadable ECDSA signature");
  }
  std::string out(2 * kP256CoordinateBytes, '\0');
  auto* buf = reinterpret_cast<unsigned char*>(out.data());
  if (BN_bn2binpad(ECDSA_SIG_get0_r(sig.get()), buf, kP256CoordinateBytes) < 0 ||
      BN_bn2binpad(ECDSA_SIG_get0_s(sig.get()), buf + kP256CoordinateBytes, kP256CoordinateBytes) <
          0) {
    return fail(ErrorCode::Crypto, "an ECDSA signature value is larger than the curve");
  }
  return out;
}

}  // namespace

std::string base64Url(std::string_view bytes) {
  std::string out = base64Std(bytes);
  for (char& c : out) {
    c = c == '+' ? '-' : (c == '/' ? '_' : c);
  }
  while (!out.empty() && out.back() == '=') {
    out.pop_back();
  }
  return out;
}

Result<Jwk> jwkOfCertificate(const Certificate& cert) {
  EVP_PKEY* key = X509_get0_pubkey(cert.x509());  // borrowed
  if (key == nullptr) {
    return fail(ErrorCode::InvalidArgument, "the certificate's public key cannot be read");
  }
  Jwk jwk;
  if (EVP_PKEY_is_a(key, "RSA") == 1) {
    jwk.kty = "RSA";
    auto n = bigNumberParam(key, OSSL_PKEY_PARAM_RSA_N, 0);
    auto e = bigNumberParam(key, OSSL_PKEY_PARAM_RSA_E, 0);
    if (!n || !e) {
      return tl::unexpected(!n ? n.error() : e.error());
    }
    jwk.n = base64Url(*n);
    jwk.e = base64Url(*e);
    return jwk;
  }
  char group[64] = {};
  size_t group_len = 0;
  if (EVP_PKEY_is_a(key, "EC") != 1 ||
      EVP_PKEY_get_utf8_string_param(key, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
                                     &group_len) != 1 ||
      std::string_view(group) != "prime256v1") {
    return fail(ErrorCode::InvalidArgument,
                "a token-signing key must be RSA or EC P-256 (ES256); this one is neither");
  }
  jwk.kty = "EC";
  jwk.crv = "P-256";
  auto x = bigNumberParam(key, OSSL_PKEY_PARAM_EC_PUB_X, kP256CoordinateBytes);
  auto y = bigNumberParam(key, OSSL_PKEY_PARAM_EC_PUB_Y, kP256CoordinateBytes);
  if (!x || !y) {
    return tl::unexpected(!x ? x.error() : y.error());
  }
  jwk.x = base64Url(*x);
  jwk.y = base64Url(*y);
  return jwk;
}

std::string jwkThumbprint(const Jwk& jwk) {
  // nlohmann's object keeps keys sorted and dumps without whitespace: RFC 7638's form.
  nlohmann::json members =
      jwk.kty == "EC" ? nlohmann::json{{"crv", jwk.crv}, {"kty", "EC"}, {"x", jwk.x}, {"y", jwk.y}}
                      : nlohmann::json{{"e", jwk.e}, {"kty", "RSA"}, {"n", jwk.n}};
  return base64Url(sha256Bytes(members.dump()));
}

std::string jwsAlgorithm(const Jwk& jwk) {
  return jwk.kty == "EC" ? "ES256" : "RS256";
}

std::string jwksDocument(const std::vector<JwksKey>& keys) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& k : keys) {
    nlohmann::json j{{"kty", k.jwk.kty}, {"kid", k.kid}, {"use", "sig"}, {"alg", k.alg}};
    if (k.jwk.kty == "EC") {
      j["crv"] = k.jwk.crv;
      j["x"] = k.jwk.x;
      j["y"] = k.jwk.y;
    } else {
      j["n"] = k.jwk.n;
      j["e"] = k.jwk.e;
    }
    nlohmann::json x5c = nlohmann::json::array();
    for (const auto& c : k.x5c) {
      x5c.push_back(base64Std(c->der()));  // RFC 7517 4.7: standard base64, not base64url
    }
    j["x5c"] = std::move(x5c);
    list.push_back(std::move(j));
  }
  return nlohmann::json{{"keys", std::move(list)}}.dump(2) + "\n";
}

Result<std::string> signCompactJws(const PrivateKey& key, const std::string& alg,
                                   const std::string& kid, std::string_view payload) {
  bool ec = EVP_PKEY_is_a(key.evp(), "EC") == 1;
  if ((alg != "ES256" || !ec) && (alg != "RS256" || EVP_PKEY_is_a(key.evp(), "RSA") != 1)) {
    return fail(ErrorCode::InvalidArgument, "JWS algorithm " + alg + " does not fit the key");
  }
  nlohmann::json header{{"alg", alg}, {"kid", kid}, {"typ", "JWT"}};
  std::string input = base64Url(header.dump()) + "." + base64Url(payload);
  ossl::EvpMdCtxPtr md(EVP_MD_CTX_new());
  size_t size = 0;
  if (!md || EVP_DigestSignInit(md.get(), nullptr, EVP_sha256(), nullptr, key.evp()) != 1 ||
      EVP_DigestSign(md.get(), nullptr, &size, reinterpret_cast<const unsigned char*>(input.data()),
                     input.size()) != 1) {
    return fail(ErrorCode::Crypto, "cannot sign the token: " + ossl::drainErrors());
  }
  std::string sig(size, '\0');
  if (EVP_DigestSign(md.get(), reinterpret_cast<unsigned char*>(sig.data()), &size,
                     reinterpret_cast<const unsigned char*>(input.data()), input.size()) != 1) {
    return fail(ErrorCode::Crypto, "cannot sign the token: " + ossl::drainErrors());
  }
  sig.resize(size);
  if (ec) {
    auto raw = rawEcdsaSignature(sig);
    if (!raw) {
      return tl::unexpected(raw.error());
    }
    sig = std::move(*raw);
  }
  return input + "." + base64Url(sig);
}

}  // namespace trustctl::truststore
