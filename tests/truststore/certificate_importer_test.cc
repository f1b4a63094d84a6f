#include <unistd.h>

#include <catch2/catch.hpp>

#include "tests/support/test_pki.h"
#include "truststore/certificate_importer.h"
#include "truststore/key_importer.h"

using namespace trustctl;
using namespace trustctl::truststore;
using namespace trustctl::testing;

namespace {

PasswordProvider password(std::optional<std::string> pw) {
  return [pw] { return pw; };
}

Result<ImportedMaterial> parse(const std::string& bytes, std::optional<std::string> pw = {}) {
  return parseImport(bytes, "input.file", password(pw));
}

ErrorCode codeOf(const Result<ImportedMaterial>& r) {
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::StartsWith("input.file: "));
  return r.error().code;
}

}  // namespace

TEST_CASE("Importer: every certificate format is detected from content", "[truststore]") {
  TestPki pki(1'800'000'000);
  auto c = pki.makeChain("Import");
  std::vector<CertificatePtr> chain{c.leaf.cert, c.intermediate.cert, c.root.cert};
  SECTION("PEM bundle keeps order and drops duplicates") {
    auto r = parse(toPem({c.leaf.cert, c.intermediate.cert, c.leaf.cert}));
    REQUIRE(r);
    CHECK(r->format == InputFormat::Pem);
    REQUIRE(r->certificates.size() == 2);
    CHECK(r->certificates[1]->sha256() == c.intermediate.cert->sha256());
  }
  SECTION("DER") {
    auto r = parse(toDer(c.root.cert));
    REQUIRE(r);
    CHECK(r->format == InputFormat::Der);
  }
  SECTION("bare base64 of DER") {
    std::string pem = c.root.cert->pem();
    auto body = pem.substr(pem.find('\n') + 1);
    body = body.substr(0, body.find("-----END"));
    auto r = parse(body);
    REQUIRE(r);
    CHECK(r->certificates[0]->sha256() == c.root.cert->sha256());
  }
  SECTION("PKCS#7 DER and PEM") {
    auto der = parse(toPkcs7Der(chain));
    REQUIRE(der);
    CHECK(der->format == InputFormat::Pkcs7Der);
    CHECK(der->certificates.size() == 3);
    auto pem = parse(toPkcs7Pem(chain));
    REQUIRE(pem);
    CHECK(pem->certificates.size() == 3);
  }
  SECTION("PKCS#12 modern, 3DES and RC2 with key and chain") {
    for (auto cipher : {Pkcs12Cipher::Modern, Pkcs12Cipher::Legacy3Des, Pkcs12Cipher::LegacyRc2}) {
      auto r = parse(toPkcs12(c.leaf.key, chain, "pw", cipher), std::string("pw"));
      REQUIRE(r);
      CHECK(r->format == InputFormat::Pkcs12);
      REQUIRE(r->key);
      CHECK(r->certificates.front()->sha256() == c.leaf.cert->sha256());
      CHECK(r->certificates.size() == 3);
    }
  }
  SECTION("PKCS#12 with an empty password needs no provider") {
    auto r = parse(toPkcs12(c.leaf.key, {c.leaf.cert}, ""));
    REQUIRE(r);
  }
  SECTION("PKCS#12 of certificates only") {
    auto r = parse(toPkcs12(nullptr, chain, "pw"), std::string("pw"));
    REQUIRE(r);
    CHECK_FALSE(r->key);
    CHECK(r->certificates.size() == 3);
  }
  SECTION("PEM certificate with its key becomes an identity, key's certificate first") {
    auto r = parse(toPem({c.intermediate.cert, c.leaf.cert}) + keyPem(c.leaf.key));
    REQUIRE(r);
    REQUIRE(r->key);
    CHECK(r->certificates.front()->sha256() == c.leaf.cert->sha256());
  }
  SECTION("encrypted PEM key with its password") {
    auto r = parse(toPem({c.leaf.cert}) + encryptedKeyPem(c.leaf.key, "kp"), std::string("kp"));
    REQUIRE(r);
    CHECK(r->key);
  }
}

TEST_CASE("Importer: bad inputs fail with a stable code naming the file", "[truststore]") {
  TestPki pki(1'800'000'000);
  auto c = pki.makeChain("Bad");
  CHECK(codeOf(parse("")) == ErrorCode::EmptyInput);
  CHECK(codeOf(parse(" \n\t\n")) == ErrorCode::EmptyInput);
  std::string pem = c.leaf.cert->pem();
  CHECK(codeOf(parse(pem.substr(0, pem.size() - 30))) == ErrorCode::TruncatedPem);
  CHECK(codeOf(parse(std::string(5000, '\x07'))) == ErrorCode::UnrecognizedFormat);
  CHECK(codeOf(parse(keyDer(c.leaf.key))) == ErrorCode::KeyInsteadOfCertificate);
  CHECK(codeOf(parse(keyPem(c.leaf.key))) == ErrorCode::KeyInsteadOfCertificate);
  CHECK(codeOf(parse(pem + keyPem(c.root.key))) == ErrorCode::KeyMismatch);
  CHECK(codeOf(parse(pem + keyPem(c.leaf.key) + keyPem(c.root.key))) == ErrorCode::MultipleKeys);
  CHECK(codeOf(parse(
            "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n")) ==
        ErrorCode::UnrecognizedFormat);
  std::string p12 = toPkcs12(c.leaf.key, {c.leaf.cert}, "right");
  auto wrong = parse(p12, std::string("Wr0ng-Secret"));
  CHECK(codeOf(wrong) == ErrorCode::WrongPassword);
  CHECK(wrong.error().message.find("Wr0ng-Secret") == std::string::npos);
  CHECK(codeOf(parse(p12)) == ErrorCode::PasswordRequired);
  CHECK(codeOf(parse(toPkcs12KeyOnly(c.leaf.key, "pw"), std::string("pw"))) ==
        ErrorCode::NoCertificate);
  std::string enc = pem + encryptedKeyPem(c.leaf.key, "kp");
  CHECK(codeOf(parse(enc, std::string("nope"))) == ErrorCode::WrongPassword);
  CHECK(codeOf(parse(enc)) == ErrorCode::PasswordRequired);
}

TEST_CASE("Importer: files are read with a size limit and clear path errors", "[truststore]") {
  TempDir dir;
  CHECK(readInputFile(dir.file("missing")).error().code == ErrorCode::FileNotFound);
  CHECK(readInputFile(dir.path()).error().code == ErrorCode::IsDirectory);
  std::string big = dir.write("big", "x");
  REQUIRE(truncate(big.c_str(), 50LL * 1024 * 1024) == 0);
  auto r = readInputFile(big);
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::FileTooLarge);
  CHECK_THAT(r.error().message, Catch::Contains(big));
}

TEST_CASE("Importer: a separate key file pairs with its certificate", "[truststore]") {
  TestPki pki(1'800'000'000);
  auto c = pki.makeChain("Key");
  auto material = parse(toPem({c.intermediate.cert, c.leaf.cert}));
  REQUIRE(material);
  auto key = parseKeyFile(encryptedKeyPem(c.leaf.key, "kp"), "k.pem", password("kp"));
  REQUIRE(key);
  REQUIRE(attachKey(*material, *key, "k.pem"));
  CHECK(material->certificates.front()->sha256() == c.leaf.cert->sha256());
  auto other = parseKeyFile(keyDer(c.root.key), "r.der", password({}));
  REQUIRE(other);
  auto again = parse(toPem({c.leaf.cert}));
  CHECK(attachKey(*again, *other, "r.der").error().code == ErrorCode::KeyMismatch);
  CHECK(parseKeyFile("junk", "j", password({})).error().code == ErrorCode::UnrecognizedFormat);
}

TEST_CASE("Importer: certificate fields are read", "[truststore]") {
  TestPki pki(1'800'000'000);
  auto c = pki.makeChain("Fields");
  const auto& leaf = c.leaf.cert->info();
  CHECK(leaf.subject_cn == "localhost");
  CHECK(leaf.issuer_cn == "Fields Intermediate CA");
  CHECK_FALSE(leaf.is_ca);
  CHECK(std::find(leaf.sans.begin(), leaf.sans.end(), "IP:127.0.0.1") != leaf.sans.end());
  CHECK(leaf.not_before == pki.now() - 86400);
  CHECK(leaf.sha256.size() == 64);
  CHECK(c.root.cert->info().self_signed);
  CHECK(c.intermediate.cert->info().authority_key_id == c.root.cert->info().subject_key_id);
}
