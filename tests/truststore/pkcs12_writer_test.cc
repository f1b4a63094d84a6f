#include <array>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <set>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include <openssl/objects.h>
#include <openssl/pkcs12.h>
#include <openssl/x509.h>

#include <catch2/catch.hpp>

#include "tests/support/test_pki.h"
#include "truststore/ossl.h"
#include "truststore/pkcs12_writer.h"

using namespace trustctl;
using namespace trustctl::truststore;
using trustctl::testing::TempDir;
using trustctl::testing::TestPki;

namespace {

constexpr UnixTime kNow = 1'800'000'000;
constexpr const char* kPassword = "s3cret-Pass";
constexpr const char* kTrustedKeyUsageOid = "2.16.840.1.113894.746875.1.1";

using Anchors = std::vector<std::pair<std::string, CertificatePtr>>;

ossl::Pkcs12Ptr decode(const std::string& der) {
  const auto* p = reinterpret_cast<const unsigned char*>(der.data());
  return ossl::Pkcs12Ptr(d2i_PKCS12(nullptr, &p, static_cast<long>(der.size())));
}

struct Parsed {
  bool ok = false;
  ossl::EvpPkeyPtr key;
  ossl::X509Ptr cert;
  ossl::X509StackPtr ca;
};

Parsed parse(const std::string& der, const std::string& password) {
  Parsed out;
  auto p12 = decode(der);
  REQUIRE(p12 != nullptr);
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  STACK_OF(X509)* ca = nullptr;
  out.ok = PKCS12_parse(p12.get(), password.c_str(), &key, &cert, &ca) == 1;
  ossl::clearErrors();
  out.key.reset(key);
  out.cert.reset(cert);
  out.ca.reset(ca);
  return out;
}

std::string sha256Of(X509* x) {
  return Certificate::fromX509(x).value()->sha256();
}

std::set<std::string> caFingerprints(const Parsed& p) {
  std::set<std::string> out;
  for (int i = 0; p.ca != nullptr && i < sk_X509_num(p.ca.get()); ++i) {
    out.insert(sha256Of(sk_X509_value(p.ca.get(), i)));
  }
  return out;
}

// One certBag as Java would see it.
struct CertBagView {
  std::string friendly_name;
  bool trusted_for_any_usage = false;
  std::string sha256;
};

bool hasTrustedKeyUsage(const PKCS12_SAFEBAG* bag) {
  ossl::Asn1ObjectPtr oid(OBJ_txt2obj(kTrustedKeyUsageOid, 1));
  REQUIRE(oid != nullptr);
  const STACK_OF(X509_ATTRIBUTE)* attrs = PKCS12_SAFEBAG_get0_attrs(bag);
  int idx = X509at_get_attr_by_OBJ(attrs, oid.get(), -1);
  if (idx < 0) {
    return false;
  }
  X509_ATTRIBUTE* attr = X509at_get_attr(attrs, idx);
  if (X509_ATTRIBUTE_count(attr) != 1) {
    return false;
  }
  const ASN1_TYPE* value = X509_ATTRIBUTE_get0_type(attr, 0);
  return value != nullptr && value->type == V_ASN1_OBJECT &&
         OBJ_obj2nid(value->value.object) == NID_anyExtendedKeyUsage;
}

std::vector<CertBagView> certBags(const std::string& der, const std::string& password) {
  std::vector<CertBagView> out;
  auto p12 = decode(der);
  REQUIRE(p12 != nullptr);
  ossl::Pkcs7StackPtr safes(PKCS12_unpack_authsafes(p12.get()));
  REQUIRE(safes != nullptr);
  for (int i = 0; i < sk_PKCS7_num(safes.get()); ++i) {
    PKCS7* safe = sk_PKCS7_value(safes.get(), i);
    ossl::SafebagStackPtr bags(PKCS7_type_is_encrypted(safe)
                                   ? PKCS12_unpack_p7encdata(safe, password.c_str(), -1)
                                   : PKCS12_unpack_p7data(safe));
    REQUIRE(bags != nullptr);
    for (int j = 0; j < sk_PKCS12_SAFEBAG_num(bags.get()); ++j) {
      const PKCS12_SAFEBAG* bag = sk_PKCS12_SAFEBAG_value(bags.get(), j);
      if (PKCS12_SAFEBAG_get_nid(bag) != NID_certBag) {
        continue;
      }
      CertBagView view;
      ossl::OpensslStringPtr name(PKCS12_get_friendlyname(const_cast<PKCS12_SAFEBAG*>(bag)));
      view.friendly_name = name != nullptr ? name.get() : "";
      view.trusted_for_any_usage = hasTrustedKeyUsage(bag);
      ossl::X509Ptr cert(PKCS12_SAFEBAG_get1_cert(bag));
      REQUIRE(cert != nullptr);
      view.sha256 = sha256Of(cert.get());
      out.push_back(std::move(view));
    }
  }
  return out;
}

bool keytoolAvailable() {
  return std::system("command -v keytool >/dev/null 2>&1") == 0;
}

// Runs keytool -list on `path`; returns its combined output.
std::string keytoolList(const std::string& path, const std::string& password) {
  std::string cmd =
      "keytool -list -keystore '" + path + "' -storetype PKCS12 -storepass '" + password + "' 2>&1";
  std::string out;
  FILE* pipe = popen(cmd.c_str(), "r");
  REQUIRE(pipe != nullptr);
  std::array<char, 512> buf{};
  std::size_t n = 0;
  while ((n = std::fread(buf.data(), 1, buf.size(), pipe)) > 0) {
    out.append(buf.data(), n);
  }
  pclose(pipe);
  return out;
}

std::vector<std::string> linesContaining(const std::string& text, const std::string& needle) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (line.find(needle) != std::string::npos) {
      out.push_back(line);
    }
  }
  return out;
}

}  // namespace

TEST_CASE("Pkcs12Writer: an identity round-trips through PKCS12_parse", "[truststore]") {
  TestPki pki(kNow);
  auto chain = pki.makeChain("Test");
  auto der = writeIdentityPkcs12(chain.leaf.key,
                                 {chain.leaf.cert, chain.intermediate.cert, chain.root.cert},
                                 "client", kPassword);
  REQUIRE(der);

  SECTION("the right password gives back the key, its certificate and the chain") {
    auto p = parse(*der, kPassword);
    REQUIRE(p.ok);
    REQUIRE(p.key != nullptr);
    REQUIRE(p.cert != nullptr);
    CHECK(EVP_PKEY_eq(p.key.get(), chain.leaf.key->evp()) == 1);
    CHECK(sha256Of(p.cert.get()) == chain.leaf.cert->sha256());
    CHECK(caFingerprints(p) ==
          std::set<std::string>{chain.intermediate.cert->sha256(), chain.root.cert->sha256()});
    const unsigned char* alias = X509_alias_get0(p.cert.get(), nullptr);
    REQUIRE(alias != nullptr);
    CHECK(std::string(reinterpret_cast<const char*>(alias)) == "client");
  }
  SECTION("a wrong password does not open it") {
    CHECK_FALSE(parse(*der, "wrong").ok);
  }
}

TEST_CASE("Pkcs12Writer: an identity needs a key that matches its certificate", "[truststore]") {
  TestPki pki(kNow);
  auto chain = pki.makeChain("Test");
  SECTION("a foreign key is a KeyMismatch") {
    auto der = writeIdentityPkcs12(chain.root.key, {chain.leaf.cert}, "client", kPassword);
    REQUIRE_FALSE(der);
    CHECK(der.error().code == ErrorCode::KeyMismatch);
  }
  SECTION("no certificate is an InvalidArgument") {
    auto der = writeIdentityPkcs12(chain.leaf.key, {}, "client", kPassword);
    REQUIRE_FALSE(der);
    CHECK(der.error().code == ErrorCode::InvalidArgument);
  }
}

TEST_CASE("Pkcs12Writer: a Java truststore holds every anchor as a trusted certBag",
          "[truststore]") {
  TestPki pki(kNow);
  auto chain = pki.makeChain("Test");
  Anchors anchors{{"Test Root", chain.root.cert},
                  {"test-intermediate", chain.intermediate.cert},
                  {"pinned.localhost", chain.leaf.cert}};
  auto der = writeJavaTruststore(anchors, kPassword);
  REQUIRE(der);

  SECTION("PKCS12_parse with the password yields all certificates and no key") {
    auto p = parse(*der, kPassword);
    REQUIRE(p.ok);
    CHECK(p.key == nullptr);
    CHECK(p.cert == nullptr);
    CHECK(caFingerprints(p) == std::set<std::string>{chain.root.cert->sha256(),
                                                     chain.intermediate.cert->sha256(),
                                                     chain.leaf.cert->sha256()});
  }
  SECTION("each bag carries its alias and the trusted-key-usage attribute") {
    auto bags = certBags(*der, kPassword);
    REQUIRE(bags.size() == anchors.size());
    for (std::size_t i = 0; i < bags.size(); ++i) {
      CHECK(bags[i].friendly_name == anchors[i].first);
      CHECK(bags[i].sha256 == anchors[i].second->sha256());
      CHECK(bags[i].trusted_for_any_usage);
    }
  }
  SECTION("a wrong password does not open it") {
    CHECK_FALSE(parse(*der, "wrong").ok);
  }
}

TEST_CASE("Pkcs12Writer: Java truststore aliases must be distinct ignoring case", "[truststore]") {
  TestPki pki(kNow);
  auto chain = pki.makeChain("Test");
  SECTION("aliases differing only in case are a DuplicateName") {
    auto der =
        writeJavaTruststore({{"Root", chain.root.cert}, {"root", chain.leaf.cert}}, kPassword);
    REQUIRE_FALSE(der);
    CHECK(der.error().code == ErrorCode::DuplicateName);
  }
  SECTION("an empty alias is an InvalidArgument") {
    auto der = writeJavaTruststore({{"", chain.root.cert}}, kPassword);
    REQUIRE_FALSE(der);
    CHECK(der.error().code == ErrorCode::InvalidArgument);
  }
}

TEST_CASE("Pkcs12Writer: keytool lists the Java truststore as trustedCertEntry lines",
          "[truststore]") {
  if (!keytoolAvailable()) {
    WARN("keytool is not on PATH; the Java interop check is skipped");
    return;
  }
  TestPki pki(kNow);
  TempDir dir;

  SECTION("every anchor appears under its alias, which Java lower-cases") {
    auto chain = pki.makeChain("Test");
    Anchors anchors{{"Test Root", chain.root.cert},
                    {"test-intermediate", chain.intermediate.cert},
                    {"pinned.localhost", chain.leaf.cert}};
    auto der = writeJavaTruststore(anchors, kPassword);
    REQUIRE(der);
    std::string out = keytoolList(dir.write("trust.p12", *der), kPassword);
    INFO(out);
    auto entries = linesContaining(out, ", trustedCertEntry,");
    REQUIRE(entries.size() == anchors.size());
    for (const auto& [alias, cert] : anchors) {
      std::string lower = alias;
      for (char& c : lower) {
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      }
      CHECK(linesContaining(out, lower + ", ").size() == 1);
    }
  }
  SECTION("an empty truststore lists with zero entries") {
    auto der = writeJavaTruststore({}, kPassword);
    REQUIRE(der);
    std::string out = keytoolList(dir.write("empty.p12", *der), kPassword);
    INFO(out);
    CHECK(out.find("Your keystore contains 0 entries") != std::string::npos);
  }
  SECTION("an identity lists as one PrivateKeyEntry") {
    auto chain = pki.makeChain("Test");
    auto der = writeIdentityPkcs12(chain.leaf.key, {chain.leaf.cert, chain.intermediate.cert},
                                   "client", kPassword);
    REQUIRE(der);
    std::string out = keytoolList(dir.write("id.p12", *der), kPassword);
    INFO(out);
    CHECK(linesContaining(out, "client, ").size() == 1);
    CHECK(linesContaining(out, ", PrivateKeyEntry,").size() == 1);
  }
}
