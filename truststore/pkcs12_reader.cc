#include "truststore/pkcs12_reader.h"

#include <openssl/err.h>
#include <openssl/pkcs12.h>
#include <openssl/provider.h>

#include "truststore/ossl.h"
#include "truststore/pkcs12_cost.h"

namespace trustctl::truststore {

namespace {

bool macMatches(PKCS12* p12, const char* pass) {
  bool ok = PKCS12_verify_mac(p12, pass, pass == nullptr ? 0 : -1) == 1;
  ossl::clearErrors();
  return ok;
}

struct Parsed {
  ossl::EvpPkeyPtr key;
  ossl::X509Ptr cert;
  ossl::X509StackPtr ca;
};

bool tryParse(PKCS12* p12, const char* pass, Parsed& out) {
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* ca = nullptr;
  if (PKCS12_parse(p12, pass, &key, &cert, &ca) != 1) {
    ossl::clearErrors();
    return false;
  }
  out.key.reset(key);
  out.cert.reset(cert);
  out.ca.reset(ca);
  return true;
}

}  // namespace

Result<Pkcs12Contents> readPkcs12(PKCS12* p12, const std::string& label,
                                  const PasswordProvider& password) {
  // Before any key derivation: a file choosing 2^31 iterations must not stall the import.
  if (auto r = checkPkcs12Cost(p12, label); !r) {
    return tl::unexpected(r.error());
  }
  std::string secret;
  const char* pass = nullptr;
  bool has_mac = PKCS12_mac_present(p12) == 1;
  if (has_mac && !macMatches(p12, nullptr)) {
    if (macMatches(p12, "")) {
      pass = "";
    } else {
      auto given = password();
      if (!given) {
        return fail(ErrorCode::PasswordRequired,
                    label +
                        ": the PKCS#12 file is password-protected; give the password with "
                        "--password-file or --password-env");
      }
      secret = std::move(*given);
      if (!macMatches(p12, secret.c_str())) {
        OPENSSL_cleanse(secret.data(), secret.size());
        return fail(ErrorCode::WrongPassword,
                    label +
                        ": the password does not open this PKCS#12 file; check it with "
                        "whoever exported the file");
      }
      pass = secret.c_str();
    }
  }
  if (auto r = checkPkcs12InnerCost(p12, pass, label); !r) {
    OPENSSL_cleanse(secret.data(), secret.size());
    return tl::unexpected(r.error());
  }
  Parsed parsed;
  bool ok = tryParse(p12, pass, parsed);
  if (!ok) {
    // RC2-40 and (in some builds) 3DES bags need the legacy provider; the MAC was fine.
    if (!ossl::loadLegacyProvider()) {
      OPENSSL_cleanse(secret.data(), secret.size());
      return fail(ErrorCode::LegacyProviderMissing,
                  label +
                      ": this PKCS#12 uses legacy encryption (RC2/3DES) and OpenSSL's legacy "
                      "provider could not be loaded; install it (Debian: libssl3) or "
                      "re-export the file with AES");
    }
    ok = tryParse(p12, pass, parsed);
  }
  if (!ok && !has_mac) {
    auto given = password();
    if (given) {
      secret = std::move(*given);
      if (auto r = checkPkcs12InnerCost(p12, secret.c_str(), label); !r) {
        OPENSSL_cleanse(secret.data(), secret.size());
        return tl::unexpected(r.error());
      }
      ok = tryParse(p12, secret.c_str(), parsed);
    }
  }
  OPENSSL_cleanse(secret.data(), secret.size());
  if (!ok) {
    return fail(ErrorCode::UnrecognizedFormat,
                label +
                    ": the PKCS#12 file could not be decoded; it is damaged or uses an "
                    "unsupported cipher");
  }
  Pkcs12Contents contents;
  if (parsed.cert) {
    auto cert = Certificate::fromX509(parsed.cert.get());
    if (!cert) {
      return tl::unexpected(cert.error());
    }
    contents.certificates.push_back(*cert);
  }
  for (int i = 0; i < sk_X509_num(parsed.ca.get()); ++i) {
    auto cert = Certificate::fromX509(sk_X509_value(parsed.ca.get(), i));
    if (!cert) {
      return tl::unexpected(cert.error());
    }
    contents.certificates.push_back(*cert);
  }
  if (parsed.key) {
    contents.key = PrivateKey::fromEvp(parsed.key.get());
  }
  if (contents.certificates.empty()) {
    return fail(ErrorCode::NoCertificate, label + ": the PKCS#12 file holds no certificate" +
                                              (contents.key ? " (only a private key)" : "") +
                                              "; export it again with the certificate included");
  }
  return contents;
}

}  // namespace trustctl::truststore
