// The built-in CA's certificates and key files: extensions per profile, validity capped at the
// issuer, openssl's strict verifier on the chain, the encrypted key at rest and its passphrase.
#include <sys/stat.h>

#include <cstdlib>

#include <catch2/catch.hpp>

#include "tests/support/cli_runner.h"
#include "tests/support/test_pki.h"
#include "truststore/builtin_ca.h"
#include "truststore/ca_key_file.h"
#include "truststore/ossl.h"
#include "truststore/store_state.h"

using namespace trustctl;
using namespace trustctl::truststore;
using trustctl::testing::TempDir;

namespace {

constexpr UnixTime kNow = 1'900'000'000;  // fixed: nothing here depends on today's date

uint32_t extendedKeyUsage(const Certificate& c) {
  X509_check_purpose(c.x509(), -1, 0);  // computes the cached extension flags
  return X509_get_extension_flags(c.x509()) & EXFLAG_XKUSAGE ? X509_get_extended_key_usage(c.x509())
                                                             : 0;
}

int serialBits(const Certificate& c) {
  ossl::BignumPtr bn(ASN1_INTEGER_to_BN(X509_get0_serialNumber(c.x509()), nullptr));
  return BN_num_bits(bn.get());
}

// `openssl verify -x509_strict -purpose sslserver` with only the root trusted; "" when OK.
std::string strictVerify(const CaMaterial& ca, const IssuedLeaf& leaf, const std::string& purpose,
                         UnixTime at) {
  TempDir dir;
  auto r = testing::runProgram(
      "/usr/bin/openssl",
      {"verify", "-x509_strict", "-purpose", purpose, "-attime", std::to_string(at), "-CAfile",
       dir.write("root.pem", ca.root->pem()), "-untrusted",
       dir.write("issuing.pem", ca.issuing->pem()), dir.write("leaf.pem", leaf.cert->pem())});
  return r.exit_code == 0 ? "" : r.out + r.err;
}

LeafRequest serverRequest(UnixTime now) {
  LeafRequest r;
  r.dns = {"localhost", "api.corp.example"};
  r.ips = {"127.0.0.1", "::1"};
  r.now = now;
  return r;
}

}  // namespace

TEST_CASE("BuiltinCa: the root and issuing CA carry pathlen, key usage and 159-bit serials",
          "[ca]") {
  for (CaKeyType type : {CaKeyType::Ec, CaKeyType::Rsa}) {
    auto ca = createCa("corp", type, kNow);
    REQUIRE(ca);
    CHECK(ca->root->info().self_signed);
    CHECK(ca->root->info().subject_cn == "corp Root CA");
    CHECK(ca->issuing->info().issuer == ca->root->info().subject);
    CHECK(X509_get_pathlen(ca->root->x509()) == 1);
    CHECK(X509_get_pathlen(ca->issuing->x509()) == 0);
    for (const auto& cert : {ca->root, ca->issuing}) {
      CHECK(X509_get_key_usage(cert->x509()) == (KU_KEY_CERT_SIGN | KU_CRL_SIGN));
      CHECK(serialBits(*cert) == 159);
      CHECK(X509_get_version(cert->x509()) == X509_VERSION_3);
      CHECK_FALSE(cert->info().subject_key_id.empty());
      CHECK(cert->info().authority_key_id == ca->root->info().subject_key_id);
    }
    CHECK(ca->root->info().not_after - kNow == kCaRootDays * 86400);
    CHECK(ca->issuing->info().not_after - kNow == kCaIssuingDays * 86400);
    CHECK(ca->root_key->matches(*ca->root));
    CHECK(ca->issuing_key->matches(*ca->issuing));
    CHECK(ca->root->info().key_algorithm == (type == CaKeyType::Ec ? "EC" : "RSA"));
  }
}

TEST_CASE("BuiltinCa: each profile gets its EKU and key usage", "[ca]") {
  auto ca = createCa("corp", CaKeyType::Ec, kNow);
  REQUIRE(ca);
  SECTION("tls-server: serverAuth, digitalSignature (+ keyEncipherment for RSA), SANs") {
    auto leaf = issueLeaf(*ca->issuing, *ca->issuing_key, serverRequest(kNow));
    REQUIRE(leaf);
    CHECK(extendedKeyUsage(*leaf->cert) == XKU_SSL_SERVER);
    CHECK(X509_get_key_usage(leaf->cert->x509()) == KU_DIGITAL_SIGNATURE);
    CHECK(leaf->cert->info().sans ==
          std::vector<std::string>{"DNS:localhost", "DNS:api.corp.example", "IP:127.0.0.1",
                                   "IP:0:0:0:0:0:0:0:1"});
    CHECK(leaf->cert->info().subject_cn == "localhost");
    CHECK_FALSE(leaf->cert->info().is_ca);
    LeafRequest rsa = serverRequest(kNow);
    rsa.key = CaKeyType::Rsa;
    auto rsa_leaf = issueLeaf(*ca->issuing, *ca->issuing_key, rsa);
    REQUIRE(rsa_leaf);
    CHECK(X509_get_key_usage(rsa_leaf->cert->x509()) ==
          (KU_DIGITAL_SIGNATURE | KU_KEY_ENCIPHERMENT));
  }
  SECTION("tls-client: clientAuth only") {
    LeafRequest r;
    r.profile = LeafProfile::TlsClient;
    r.dns = {"erp-sync"};
    r.now = kNow;
    auto leaf = issueLeaf(*ca->issuing, *ca->issuing_key, r);
    REQUIRE(leaf);
    CHECK(extendedKeyUsage(*leaf->cert) == XKU_SSL_CLIENT);
  }
  SECTION("token-signing: digitalSignature, no EKU, no SAN needed") {
    LeafRequest r;
    r.profile = LeafProfile::TokenSigning;
    r.common_name = "jwt-signer";
    r.now = kNow;
    auto leaf = issueLeaf(*ca->issuing, *ca->issuing_key, r);
    REQUIRE(leaf);
    CHECK(extendedKeyUsage(*leaf->cert) == 0);
    CHECK(X509_get_key_usage(leaf->cert->x509()) == KU_DIGITAL_SIGNATURE);
    CHECK(leaf->cert->info().sans.empty());
  }
}

TEST_CASE("BuiltinCa: leaves are backdated 5 minutes and never outlive the issuing CA", "[ca]") {
  auto ca = createCa("corp", CaKeyType::Ec, kNow);
  REQUIRE(ca);
  auto leaf = issueLeaf(*ca->issuing, *ca->issuing_key, serverRequest(kNow));
  REQUIRE(leaf);
  CHECK(leaf->cert->info().not_before == kNow - kBackdateSeconds);
  CHECK(leaf->cert->info().not_after == kNow + kTlsLeafDays * 86400);

  UnixTime late = ca->issuing->info().not_after - 10 * 86400;
  LeafRequest r = serverRequest(late);
  r.days = 3650;
  auto capped = issueLeaf(*ca->issuing, *ca->issuing_key, r);
  REQUIRE(capped);
  CHECK(capped->cert->info().not_after == ca->issuing->info().not_after);
  CHECK(strictVerify(*ca, *capped, "sslserver", late) == "");

  auto expired =
      issueLeaf(*ca->issuing, *ca->issuing_key, serverRequest(ca->issuing->info().not_after));
  REQUIRE_FALSE(expired);
  CHECK(expired.error().code == ErrorCode::InvalidArgument);
}

TEST_CASE("BuiltinCa: openssl verify -x509_strict accepts the chain with only the root", "[ca]") {
  for (CaKeyType type : {CaKeyType::Ec, CaKeyType::Rsa}) {
    auto ca = createCa("corp", type, kNow);
    REQUIRE(ca);
    LeafRequest server = serverRequest(kNow);
    server.key = type;
    auto leaf = issueLeaf(*ca->issuing, *ca->issuing_key, server);
    REQUIRE(leaf);
    CHECK(strictVerify(*ca, *leaf, "sslserver", kNow) == "");
    LeafRequest client;
    client.profile = LeafProfile::TlsClient;
    client.dns = {"erp-sync"};
    client.now = kNow;
    auto client_leaf = issueLeaf(*ca->issuing, *ca->issuing_key, client);
    REQUIRE(client_leaf);
    CHECK(strictVerify(*ca, *client_leaf, "sslclient", kNow) == "");
    CHECK(strictVerify(*ca, *client_leaf, "sslserver", kNow) != "");  // the EKU is enforced
  }
}

TEST_CASE("BuiltinCa: requests that could inject or mislead are refused before signing", "[ca]") {
  LeafRequest r = serverRequest(kNow);
  r.dns = {"a.example,DNS:evil.example"};
  CHECK(checkLeafRequest(r).error().code == ErrorCode::InvalidArgument);
  r = serverRequest(kNow);
  r.ips = {"300.1.1.1"};
  CHECK(checkLeafRequest(r).error().code == ErrorCode::InvalidArgument);
  r = LeafRequest{};
  CHECK_FALSE(checkLeafRequest(r));  // tls-server without a name
  r.dns = {"*.corp.example"};
  CHECK(checkLeafRequest(r));
}

TEST_CASE("CaKeyFile: keys are encrypted PKCS#8 and only the passphrase opens them", "[ca]") {
  auto ca = createCa("corp", CaKeyType::Ec, kNow);
  REQUIRE(ca);
  auto pem = encryptCaKey(*ca->issuing_key, "correct horse battery");
  REQUIRE(pem);
  CHECK(pem->rfind("-----BEGIN ENCRYPTED PRIVATE KEY-----", 0) == 0);
  auto back = decryptCaKey(*pem, "correct horse battery", "k.pem");
  REQUIRE(back);
  CHECK((*back)->matches(*ca->issuing));
  auto wrong = decryptCaKey(*pem, "correct horse batterY", "k.pem");
  REQUIRE_FALSE(wrong);
  CHECK(wrong.error().code == ErrorCode::WrongPassword);
  CHECK(decryptCaKey("garbage", "x", "k.pem").error().code == ErrorCode::StoreCorrupt);

  TempDir store;
  REQUIRE(saveCaKeys(store.path(), "corp", *ca->root_key, *ca->issuing_key, "pass phrase 123"));
  for (const auto& path :
       {caRootKeyPath(store.path(), "corp"), caIssuingKeyPath(store.path(), "corp")}) {
    struct stat st {};
    REQUIRE(::stat(path.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
  }
  auto loaded = loadCaIssuingKey(store.path(), "corp", "pass phrase 123");
  REQUIRE(loaded);
  CHECK((*loaded)->matches(*ca->issuing));
}

TEST_CASE("CaKeyFile: the passphrase comes from a private file or the systemd credential", "[ca]") {
  TempDir dir;
  std::string file = dir.write("pass", "s3cret passphrase\nignored\n");
  ::chmod(file.c_str(), 0600);
  CHECK(readCaPassphrase(file).value() == "s3cret passphrase");
  ::chmod(file.c_str(), 0640);
  CHECK(readCaPassphrase(file).error().code == ErrorCode::InvalidArgument);

  ::unsetenv("CREDENTIALS_DIRECTORY");
  CHECK(readCaPassphrase("").error().code == ErrorCode::PasswordRequired);
  std::string cred = dir.write("trustctl-ca-passphrase", "from systemd\n");
  ::chmod(cred.c_str(), 0400);
  ::setenv("CREDENTIALS_DIRECTORY", dir.path().c_str(), 1);
  CHECK(readCaPassphrase("").value() == "from systemd");
  ::unsetenv("CREDENTIALS_DIRECTORY");
  std::string empty = dir.write("empty", "\n");
  ::chmod(empty.c_str(), 0600);
  CHECK(readCaPassphrase(empty).error().code == ErrorCode::InvalidArgument);
}

TEST_CASE("StoreState: the cas map round-trips and is absent when empty", "[ca]") {
  StoreState state;
  CHECK(serializeState(state).find("\"cas\"") == std::string::npos);
  state.cas["corp"] = CaRecord{"corp", "corp-root", "corp-issuing", "ec", kNow};
  auto back = parseState(serializeState(state), "state.json");
  REQUIRE(back);
  REQUIRE(back->cas.count("corp") == 1);
  CHECK(back->cas["corp"].issuing_entry == "corp-issuing");
  CHECK(back->cas["corp"].created_at == kNow);
}
