// The certificate importer on every format a customer might send, and on every way such a file
// can be wrong. Inputs come from the test PKI at a fixed `now`; failures are checked by code,
// plus the two promises every message keeps: it starts with the file name and never contains
// the password.
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "tests/support/test_pki.h"
#include "truststore/certificate_importer.h"
#include "truststore/key_importer.h"

using namespace trustctl;
using namespace trustctl::truststore;
using namespace trustctl::testing;

namespace {

constexpr UnixTime kNow = 1'800'000'000;
constexpr std::int64_t kDay = 86400;
const std::string kLabel = "customer-bundle.crt";
const std::string kSecret = "Corr3ct-Horse!";

// Answers with `password` (nullopt: "none available") and counts how often it was asked.
struct Passwords {
  std::optional<std::string> password;
  int asked = 0;
  PasswordProvider provider() {
    return [this] {
      ++asked;
      return password;
    };
  }
};

Result<ImportedMaterial> parse(const std::string& bytes, Passwords& passwords) {
  return parseImport(bytes, kLabel, passwords.provider());
}

Result<ImportedMaterial> parse(const std::string& bytes,
                               std::optional<std::string> password = std::nullopt) {
  Passwords passwords{std::move(password)};
  return parse(bytes, passwords);
}

// The failure's code, after checking the message names the input first.
ErrorCode failureOf(const Result<ImportedMaterial>& r) {
  REQUIRE_FALSE(r);
  CHECK_THAT(r.error().message, Catch::StartsWith(kLabel + ": "));
  return r.error().code;
}

std::vector<std::string> fingerprints(const std::vector<CertificatePtr>& certs) {
  std::vector<std::string> out;
  for (const auto& c : certs) {
    out.push_back(c->sha256());
  }
  return out;
}

// Standard base64 with '=' padding and no line breaks.
std::string base64Of(const std::string& bytes) {
  static const char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (size_t i = 0; i < bytes.size(); i += 3) {
    std::uint32_t group = 0;
    size_t n = std::min<size_t>(3, bytes.size() - i);
    for (size_t j = 0; j < 3; ++j) {
      std::uint32_t byte = j < n ? static_cast<unsigned char>(bytes[i + j]) : 0u;
      group = (group << 8) | byte;
    }
    for (size_t j = 0; j < 4; ++j) {
      out += j <= n ? kAlphabet[(group >> (18 - 6 * j)) & 0x3f] : '=';
    }
  }
  return out;
}

struct Fixture {
  TestPki pki{kNow};
  TestPki::Chain c = pki.makeChain("Import");
  std::vector<CertificatePtr> chain{c.leaf.cert, c.intermediate.cert, c.root.cert};
};

}  // namespace

TEST_CASE("Importer: a single PEM certificate is read without asking for a password",
          "[truststore]") {
  Fixture f;
  Passwords passwords;
  auto r = parse(toPem({f.c.root.cert}), passwords);
  REQUIRE(r);
  CHECK(r->format == InputFormat::Pem);
  CHECK(fingerprints(r->certificates) == fingerprints({f.c.root.cert}));
  CHECK_FALSE(r->key);
  CHECK(passwords.asked == 0);
}

TEST_CASE("Importer: a PEM bundle keeps file order and drops duplicates", "[truststore]") {
  Fixture f;
  // Comment lines between blocks, as in distribution CA bundles, are skipped.
  std::string bundle = "# Import Leaf\n" + toPem({f.c.leaf.cert, f.c.intermediate.cert}) +
                       "\n# again\n" + toPem({f.c.leaf.cert, f.c.root.cert});
  auto r = parse(bundle);
  REQUIRE(r);
  CHECK(fingerprints(r->certificates) == fingerprints(f.chain));
}

TEST_CASE("Importer: a PEM certificate with its key is an identity, key's certificate first",
          "[truststore]") {
  Fixture f;
  Passwords passwords;
  auto r = parse(toPem({f.c.intermediate.cert, f.c.leaf.cert}) + keyPem(f.c.leaf.key), passwords);
  REQUIRE(r);
  REQUIRE(r->key);
  CHECK(r->key->spkiSha256() == f.c.leaf.key->spkiSha256());
  CHECK(fingerprints(r->certificates) == fingerprints({f.c.leaf.cert, f.c.intermediate.cert}));
  CHECK(passwords.asked == 0);
}

TEST_CASE("Importer: an encrypted PEM key needs its password", "[truststore]") {
  Fixture f;
  std::string pem = toPem({f.c.leaf.cert}) + encryptedKeyPem(f.c.leaf.key, kSecret);
  SECTION("the right password opens it, asked once") {
    Passwords passwords{kSecret};
    auto r = parse(pem, passwords);
    REQUIRE(r);
    REQUIRE(r->key);
    CHECK(r->key->matches(*f.c.leaf.cert));
    CHECK(passwords.asked == 1);
  }
  SECTION("a wrong password is WrongPassword and is not echoed") {
    auto r = parse(pem, std::string("Wr0ng-Guess"));
    CHECK(failureOf(r) == ErrorCode::WrongPassword);
    CHECK_THAT(r.error().message, !Catch::Contains("Wr0ng-Guess"));
  }
  SECTION("no password is PasswordRequired") {
    CHECK(failureOf(parse(pem)) == ErrorCode::PasswordRequired);
  }
}

TEST_CASE("Importer: a DER certificate is detected from content", "[truststore]") {
  Fixture f;
  // The label says .crt, and PEM would be the guess; only the bytes count.
  auto r = parse(toDer(f.c.intermediate.cert));
  REQUIRE(r);
  CHECK(r->format == InputFormat::Der);
  CHECK(fingerprints(r->certificates) == fingerprints({f.c.intermediate.cert}));
}

TEST_CASE("Importer: PKCS#7 in DER and PEM yields every certificate in order", "[truststore]") {
  Fixture f;
  auto der = parse(toPkcs7Der(f.chain));
  REQUIRE(der);
  CHECK(der->format == InputFormat::Pkcs7Der);
  CHECK(fingerprints(der->certificates) == fingerprints(f.chain));
  auto pem = parse(toPkcs7Pem(f.chain));
  REQUIRE(pem);
  CHECK(pem->format == InputFormat::Pem);
  CHECK(fingerprints(pem->certificates) == fingerprints(f.chain));
}

TEST_CASE("Importer: a PKCS#12 with key and chain is an identity in every cipher", "[truststore]") {
  Fixture f;
  auto cipher = GENERATE(Pkcs12Cipher::Modern, Pkcs12Cipher::Legacy3Des, Pkcs12Cipher::LegacyRc2);
  INFO("cipher " << static_cast<int>(cipher));
  Passwords passwords{kSecret};
  auto r = parse(toPkcs12(f.c.leaf.key, f.chain, kSecret, cipher), passwords);
  REQUIRE(r);
  CHECK(r->format == InputFormat::Pkcs12);
  REQUIRE(r->key);
  CHECK(r->key->spkiSha256() == f.c.leaf.key->spkiSha256());
  CHECK(fingerprints(r->certificates) == fingerprints(f.chain));
  CHECK(passwords.asked == 1);
}

TEST_CASE("Importer: a PKCS#12 with an empty password opens without asking", "[truststore]") {
  Fixture f;
  Passwords passwords;
  auto r = parse(toPkcs12(f.c.leaf.key, {f.c.leaf.cert}, ""), passwords);
  REQUIRE(r);
  CHECK(r->key);
  CHECK(passwords.asked == 0);
}

TEST_CASE("Importer: a PKCS#12 password that is wrong or missing fails cleanly", "[truststore]") {
  Fixture f;
  std::string p12 = toPkcs12(f.c.leaf.key, {f.c.leaf.cert}, kSecret);
  SECTION("wrong: WrongPassword, and neither password appears in the message") {
    auto r = parse(p12, std::string("Wr0ng-Guess"));
    CHECK(failureOf(r) == ErrorCode::WrongPassword);
    CHECK_THAT(r.error().message, !Catch::Contains("Wr0ng-Guess") && !Catch::Contains(kSecret));
  }
  SECTION("no provider answer: PasswordRequired") {
    CHECK(failureOf(parse(p12)) == ErrorCode::PasswordRequired);
  }
}

TEST_CASE("Importer: a certificates-only PKCS#12 gives certificates and no key", "[truststore]") {
  Fixture f;
  auto r = parse(toPkcs12(nullptr, f.chain, kSecret), kSecret);
  REQUIRE(r);
  CHECK_FALSE(r->key);
  CHECK(fingerprints(r->certificates) == fingerprints(f.chain));
}

TEST_CASE("Importer: a key-only PKCS#12 is NoCertificate", "[truststore]") {
  Fixture f;
  CHECK(failureOf(parse(toPkcs12KeyOnly(f.c.leaf.key, kSecret), kSecret)) ==
        ErrorCode::NoCertificate);
}

TEST_CASE("Importer: bare base64 of a DER form is decoded", "[truststore]") {
  Fixture f;
  std::string pem = f.c.root.cert->pem();
  std::string body = pem.substr(pem.find('\n') + 1);
  body = body.substr(0, body.find("-----END"));
  SECTION("a certificate, with or without line breaks") {
    auto r = parse(body);
    REQUIRE(r);
    CHECK(fingerprints(r->certificates) == fingerprints({f.c.root.cert}));
    body.erase(std::remove(body.begin(), body.end(), '\n'), body.end());
    CHECK(parse(body));
  }
  SECTION("a PKCS#12, as Kubernetes secrets and vaults hand out PFX files") {
    std::string b64 = base64Of(toPkcs12(f.c.leaf.key, {f.c.leaf.cert}, kSecret));
    auto r = parse(b64, kSecret);
    REQUIRE(r);
    CHECK(r->format == InputFormat::Pkcs12);
    CHECK(r->key);
    CHECK(failureOf(parse(b64, std::string("Wr0ng-Guess"))) == ErrorCode::WrongPassword);
    CHECK(failureOf(parse(b64)) == ErrorCode::PasswordRequired);
  }
  SECTION("a DER key is still named as a key") {
    CHECK(failureOf(parse(base64Of(keyDer(f.c.leaf.key)))) == ErrorCode::KeyInsteadOfCertificate);
  }
}

TEST_CASE("Importer: empty and whitespace-only inputs are EmptyInput", "[truststore]") {
  CHECK(failureOf(parse("")) == ErrorCode::EmptyInput);
  CHECK(failureOf(parse(" \r\n\t\n  ")) == ErrorCode::EmptyInput);
}

TEST_CASE("Importer: a cut-off or damaged PEM is TruncatedPem", "[truststore]") {
  Fixture f;
  std::string pem = f.c.leaf.cert->pem();
  SECTION("no END line") {
    CHECK(failureOf(parse(pem.substr(0, pem.size() - 30))) == ErrorCode::TruncatedPem);
  }
  SECTION("cut inside the BEGIN line") {
    CHECK(failureOf(parse(pem.substr(0, 15))) == ErrorCode::TruncatedPem);
  }
  SECTION("body lines missing between BEGIN and END") {
    std::string damaged = pem.substr(0, 100) + pem.substr(pem.find("-----END"));
    CHECK(failureOf(parse(damaged)) == ErrorCode::TruncatedPem);
  }
}

TEST_CASE("Importer: garbage and other PEM objects are UnrecognizedFormat", "[truststore]") {
  std::string binary;
  for (int i = 0; i < 4096; ++i) {
    binary += static_cast<char>((i * 131 + 7) % 251);
  }
  CHECK(failureOf(parse(binary)) == ErrorCode::UnrecognizedFormat);
  CHECK(failureOf(parse("hello, this is not a certificate\n")) == ErrorCode::UnrecognizedFormat);
  std::string csr =
      "-----BEGIN CERTIFICATE REQUEST-----\n"
      "MIIBTzCB9gIBADAUMRIwEAYDVQQDDAlsb2NhbGhvc3QwWTATBgcqhkjOPQIBBggq\n"
      "-----END CERTIFICATE REQUEST-----\n";
  CHECK(failureOf(parse(csr)) == ErrorCode::UnrecognizedFormat);
}

TEST_CASE("Importer: a private key alone is KeyInsteadOfCertificate", "[truststore]") {
  Fixture f;
  CHECK(failureOf(parse(keyDer(f.c.leaf.key))) == ErrorCode::KeyInsteadOfCertificate);
  CHECK(failureOf(parse(keyPem(f.c.leaf.key))) == ErrorCode::KeyInsteadOfCertificate);
  CHECK(failureOf(parse(encryptedKeyPem(f.c.leaf.key, kSecret), kSecret)) ==
        ErrorCode::KeyInsteadOfCertificate);
}

TEST_CASE("Importer: a key for none of the certificates is KeyMismatch", "[truststore]") {
  Fixture f;
  auto r = parse(toPem({f.c.leaf.cert, f.c.intermediate.cert}) + keyPem(f.c.root.key));
  CHECK(failureOf(r) == ErrorCode::KeyMismatch);
}

TEST_CASE("Importer: two keys in one file are MultipleKeys", "[truststore]") {
  Fixture f;
  auto r = parse(toPem({f.c.leaf.cert}) + keyPem(f.c.leaf.key) + keyPem(f.c.root.key));
  CHECK(failureOf(r) == ErrorCode::MultipleKeys);
}

TEST_CASE("Importer: files are read whole, with path errors named by path", "[truststore]") {
  TempDir dir;
  SECTION("binary content comes back byte for byte") {
    std::string bytes("\x30\x82\x00\x00\xff", 5);
    auto r = readInputFile(dir.write("cert.der", bytes));
    REQUIRE(r);
    CHECK(*r == bytes);
  }
  SECTION("a missing path is FileNotFound") {
    auto r = readInputFile(dir.file("missing.pem"));
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::FileNotFound);
    CHECK_THAT(r.error().message, Catch::StartsWith(dir.file("missing.pem") + ": "));
  }
  SECTION("a directory is IsDirectory") {
    auto r = readInputFile(dir.path());
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::IsDirectory);
    CHECK_THAT(r.error().message, Catch::StartsWith(dir.path() + ": "));
  }
  SECTION("a 50 MB file is FileTooLarge") {
    std::string big = dir.write("big.pem", "x");
    REQUIRE(truncate(big.c_str(), 50LL * 1024 * 1024) == 0);  // sparse: fast and no disk
    auto r = readInputFile(big);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::FileTooLarge);
    CHECK_THAT(r.error().message, Catch::StartsWith(big + ": "));
  }
  SECTION("a device is refused before any byte is read (no stream without end)") {
    auto r = readInputFile("/dev/zero");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::NotARegularFile);
    CHECK_THAT(r.error().message, Catch::StartsWith("/dev/zero: "));
  }
}

TEST_CASE("Importer: a separate key file pairs with its certificate", "[truststore]") {
  Fixture f;
  auto material = parse(toPem({f.c.intermediate.cert, f.c.leaf.cert}));
  REQUIRE(material);
  Passwords passwords{kSecret};
  auto key = parseKeyFile(encryptedKeyPem(f.c.leaf.key, kSecret), "k.pem", passwords.provider());
  REQUIRE(key);
  REQUIRE(attachKey(*material, *key, "k.pem"));
  CHECK(material->certificates.front()->sha256() == f.c.leaf.cert->sha256());
  Passwords none;
  auto other = parseKeyFile(keyDer(f.c.root.key), "r.der", none.provider());
  REQUIRE(other);
  auto again = parse(toPem({f.c.leaf.cert}));
  REQUIRE(again);
  CHECK(attachKey(*again, *other, "r.der").error().code == ErrorCode::KeyMismatch);
  CHECK(parseKeyFile("junk", "j", none.provider()).error().code == ErrorCode::UnrecognizedFormat);
}

TEST_CASE("Importer: imported certificates carry their parsed fields", "[truststore]") {
  Fixture f;
  CertOptions opts;
  opts.not_before_offset = -3 * kDay;
  opts.not_after_offset = 90 * kDay;
  opts.sans = {"DNS:api.example", "IP:127.0.0.1"};
  opts.aia_ca_issuers = {"http://ca.example/int.crt"};
  auto leaf = f.pki.makeLeaf(f.c.intermediate, "api.example", opts);
  auto r = parse(toPem({leaf.cert, f.c.root.cert}));
  REQUIRE(r);
  const auto& info = r->certificates[0]->info();
  CHECK(info.subject_cn == "api.example");
  CHECK(info.issuer_cn == "Import Intermediate CA");
  CHECK_FALSE(info.is_ca);
  CHECK_FALSE(info.self_signed);
  CHECK_THAT(info.sans, Catch::VectorContains(std::string("IP:127.0.0.1")));
  CHECK(std::llabs(info.not_before - (kNow - 3 * kDay)) <= 1);
  CHECK(std::llabs(info.not_after - (kNow + 90 * kDay)) <= 1);
  CHECK(info.ca_issuers == std::vector<std::string>{"http://ca.example/int.crt"});
  CHECK(info.authority_key_id == f.c.intermediate.cert->info().subject_key_id);
  REQUIRE(info.sha256.size() == 64);
  CHECK(info.sha256.find_first_not_of("0123456789abcdef") == std::string::npos);
  const auto& root = r->certificates[1]->info();
  CHECK(root.is_ca);
  CHECK(root.self_signed);
  CHECK(std::llabs(root.not_after - (kNow + 10 * 365 * kDay)) <= 1);
  CertOptions not_ca;
  not_ca.force_not_ca = true;
  CHECK_FALSE(f.pki.makeIntermediate(f.c.root, "Fake CA", not_ca).cert->info().is_ca);
}
