// A PKCS#12 chooses how much key-derivation work opening it takes. Files asking for more than
// the cap (pkcs12_cost.h) are refused with pkcs12_iterations_too_high before any derivation
// runs, so these tests are fast; without the check each would run for seconds, then fail with
// another code (or, at 2^31 iterations, for hours).
#include <chrono>

#include <catch2/catch.hpp>

#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include "tests/support/test_pki.h"
#include "truststore/certificate_importer.h"
#include "truststore/ossl.h"
#include "truststore/pkcs12_cost.h"

using namespace trustctl;
using namespace trustctl::truststore;
using namespace trustctl::testing;

namespace {

constexpr UnixTime kNow = 1'800'000'000;
const std::string kPass = "It3rations!";

std::string der(PKCS12* p12) {
  unsigned char* out = nullptr;
  int n = i2d_PKCS12(p12, &out);
  REQUIRE(n > 0);
  ossl::OpensslBytesPtr owner(out);
  return std::string(reinterpret_cast<char*>(out), static_cast<size_t>(n));
}

ossl::Pkcs12Ptr parsed(const std::string& bytes) {
  const auto* p = reinterpret_cast<const unsigned char*>(bytes.data());
  ossl::Pkcs12Ptr p12(d2i_PKCS12(nullptr, &p, static_cast<long>(bytes.size())));
  REQUIRE(p12);
  return p12;
}

// A real PKCS#12 whose MAC then claims `iterations` (the MAC no longer verifies, which does not
// matter: the count must be refused before the MAC is computed at all).
std::string withMacIterations(const std::string& p12_der, long iterations) {
  auto p12 = parsed(p12_der);
  const ASN1_INTEGER* iter = nullptr;
  PKCS12_get0_mac(nullptr, nullptr, nullptr, &iter, p12.get());
  REQUIRE(iter != nullptr);
  REQUIRE(ASN1_INTEGER_set(const_cast<ASN1_INTEGER*>(iter), iterations) == 1);
  return der(p12.get());
}

// A PKCS#12 with a valid 1-iteration MAC, a certificate bag and a shrouded key bag whose PBES2
// parameters ask for `iterations` of PBKDF2 (its ciphertext is filler: it is never decrypted).
std::string withKeyBagIterations(const Issued& id, int iterations) {
  ossl::SafebagStackPtr bags(sk_PKCS12_SAFEBAG_new_null());
  ossl::SafebagPtr cert_bag(PKCS12_SAFEBAG_create_cert(id.cert->x509()));
  REQUIRE(cert_bag);
  REQUIRE(sk_PKCS12_SAFEBAG_push(bags.get(), cert_bag.get()) > 0);
  cert_bag.release();
  X509_SIG* sig = X509_SIG_new();
  ossl::SafebagPtr key_bag(PKCS12_SAFEBAG_create0_pkcs8(sig));
  REQUIRE(key_bag);
  X509_ALGOR* alg = nullptr;
  ASN1_OCTET_STRING* digest = nullptr;
  X509_SIG_getm(sig, &alg, &digest);
  std::unique_ptr<X509_ALGOR, ossl::Deleter<X509_ALGOR_free>> pbes2(
      PKCS5_pbe2_set_iv(EVP_aes_256_cbc(), iterations, nullptr, 0, nullptr, NID_hmacWithSHA256));
  REQUIRE(pbes2);
  REQUIRE(X509_ALGOR_copy(alg, pbes2.get()) == 1);
  const unsigned char filler[48] = {1, 2, 3};
  REQUIRE(ASN1_OCTET_STRING_set(digest, filler, sizeof filler) == 1);
  REQUIRE(sk_PKCS12_SAFEBAG_push(bags.get(), key_bag.get()) > 0);
  key_bag.release();
  ossl::Pkcs7StackPtr safes(sk_PKCS7_new_null());
  ossl::Pkcs7Ptr data(PKCS12_pack_p7data(bags.get()));
  REQUIRE(data);
  REQUIRE(sk_PKCS7_push(safes.get(), data.get()) > 0);
  data.release();
  ossl::Pkcs12Ptr p12(PKCS12_add_safes(safes.get(), 0));
  REQUIRE(p12);
  REQUIRE(PKCS12_set_mac(p12.get(), kPass.c_str(), -1, nullptr, 0, 1, nullptr) == 1);
  return der(p12.get());
}

ErrorCode importCode(const std::string& bytes) {
  auto r = parseImport(bytes, "id.p12", [] { return std::optional<std::string>(kPass); });
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::StartsWith("id.p12: "));
  return r.error().code;
}

}  // namespace

TEST_CASE("Pkcs12Cost: a MAC asking for 20 million iterations is refused before any",
          "[truststore]") {
  TestPki pki(kNow);
  auto chain = pki.makeChain("Iter");
  std::string p12 =
      withMacIterations(toPkcs12(chain.leaf.key, {chain.leaf.cert}, kPass), 20'000'000);
  CHECK(importCode(p12) == ErrorCode::Pkcs12IterationsTooHigh);
  auto r = parseImport(p12, "id.p12", [] { return std::optional<std::string>(kPass); });
  CHECK_THAT(r.error().message, Catch::Contains("MAC") && Catch::Contains("20000000"));
  CHECK(importCode(withMacIterations(toPkcs12(chain.leaf.key, {chain.leaf.cert}, kPass),
                                     2147483647)) == ErrorCode::Pkcs12IterationsTooHigh);
}

TEST_CASE("Pkcs12Cost: a key bag asking for 20 million PBKDF2 iterations is refused",
          "[truststore]") {
  TestPki pki(kNow);
  auto chain = pki.makeChain("Iter");
  CHECK(importCode(withKeyBagIterations(chain.leaf, 20'000'000)) ==
        ErrorCode::Pkcs12IterationsTooHigh);
}

TEST_CASE("Pkcs12Cost: a file exported with -iter over the cap is refused, at the cap it opens",
          "[truststore]") {
  TestPki pki(kNow);
  auto chain = pki.makeChain("Iter");
  auto exported = [&](int iterations) {
    // What `openssl pkcs12 -export -iter N` writes: key bag and certificate safe at N, MAC at 1
    // here to keep the test fast.
    ossl::Pkcs12Ptr p12(PKCS12_create(kPass.c_str(), "id", chain.leaf.key->evp(),
                                      chain.leaf.cert->x509(), nullptr, NID_aes_256_cbc,
                                      NID_aes_256_cbc, iterations, 1, 0));
    REQUIRE(p12);
    return der(p12.get());
  };
  CHECK(importCode(exported(static_cast<int>(kMaxPkcs12Iterations) + 1)) ==
        ErrorCode::Pkcs12IterationsTooHigh);
  auto ok =
      parseImport(exported(100'000), "id.p12", [] { return std::optional<std::string>(kPass); });
  REQUIRE(ok);
  CHECK(ok->key != nullptr);
}
