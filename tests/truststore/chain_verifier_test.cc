#include <openssl/x509_vfy.h>

#include <catch2/catch.hpp>

#include "tests/support/test_pki.h"
#include "truststore/anchor_set.h"
#include "truststore/chain_verifier.h"

using namespace trustctl;
using namespace trustctl::truststore;
using trustctl::testing::CertOptions;
using trustctl::testing::TestPki;

namespace {

VerifyOutcome verify(const std::vector<CertificatePtr>& presented,
                     const std::vector<CertificatePtr>& anchors, UnixTime now,
                     const std::string& host) {
  return verifyChain(presented, *AnchorSet::fromCertificates(anchors), {now, host});
}

}  // namespace

TEST_CASE("ChainVerifier: root, intermediate or server certificate alone is enough trust",
          "[truststore]") {
  TestPki pki(1'800'000'000);
  auto c = pki.makeChain("Verify");
  std::vector<CertificatePtr> presented{c.leaf.cert, c.intermediate.cert};
  SECTION("trusting the root builds leaf -> intermediate -> root") {
    auto out = verify(presented, {c.root.cert}, pki.now(), "localhost");
    REQUIRE(out.ok);
    REQUIRE(out.path.size() == 3);
    CHECK(out.path.back()->sha256() == c.root.cert->sha256());
  }
  SECTION("trusting only the intermediate works (partial chain)") {
    auto out = verify(presented, {c.intermediate.cert}, pki.now(), "localhost");
    CHECK(out.ok);
    CHECK(out.path.size() == 2);
  }
  SECTION("trusting only the server certificate works (pinning fallback)") {
    auto out = verify({c.leaf.cert}, {c.leaf.cert}, pki.now(), "localhost");
    CHECK(out.ok);
  }
  SECTION("an IP literal is matched against IP SANs") {
    CHECK(verify(presented, {c.root.cert}, pki.now(), "127.0.0.1").ok);
  }
}

TEST_CASE("ChainVerifier: failures carry OpenSSL's code and the partial path", "[truststore]") {
  TestPki pki(1'800'000'000);
  auto c = pki.makeChain("Fail");
  auto other = pki.makeRoot("Unrelated Root");
  std::vector<CertificatePtr> presented{c.leaf.cert, c.intermediate.cert};
  SECTION("untrusted root") {
    auto out = verify(presented, {other.cert}, pki.now(), "");
    CHECK_FALSE(out.ok);
    CHECK(out.error == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);
    CHECK(out.path.size() == 2);
  }
  SECTION("nothing trusted at all") {
    auto out = verify(presented, {}, pki.now(), "");
    CHECK_FALSE(out.ok);
  }
  SECTION("expired, judged at a later instant") {
    auto out = verify(presented, {c.root.cert}, pki.now() + 400LL * 86400, "");
    CHECK(out.error == X509_V_ERR_CERT_HAS_EXPIRED);
  }
  SECTION("host name mismatch") {
    auto out = verify(presented, {c.root.cert}, pki.now(), "other.example");
    CHECK(out.error == X509_V_ERR_HOSTNAME_MISMATCH);
  }
  SECTION("IP mismatch") {
    auto out = verify(presented, {c.root.cert}, pki.now(), "10.1.2.3");
    CHECK(out.error == X509_V_ERR_IP_ADDRESS_MISMATCH);
  }
}

TEST_CASE("AnchorSet: the indexed form loads without parsing and finds anchors by subject",
          "[truststore]") {
  TestPki pki(1'800'000'000);
  std::vector<CertificatePtr> roots;
  for (int i = 0; i < 200; ++i) {
    roots.push_back(pki.makeRoot("Bulk Root " + std::to_string(i)).cert);
  }
  auto c = pki.makeChain("Indexed");
  roots.push_back(c.root.cert);
  roots.push_back(c.root.cert);  // duplicates are dropped
  std::string blob, index;
  AnchorSet::encodeIndexed(roots, &blob, &index);
  trustctl::testing::TempDir dir;
  auto loaded = AnchorSet::loadIndexed(dir.write("a.der", blob), dir.write("a.idx", index));
  REQUIRE(loaded);
  CHECK((*loaded)->size() == 201);
  CHECK((*loaded)->containsFingerprint(c.root.cert->sha256()));
  auto found = (*loaded)->findBySubject(X509_get_subject_name(c.root.cert->x509()));
  REQUIRE(found.size() == 1);
  for (int i = 0; i < 3; ++i) {  // repeated use of one set hits its cache of parsed anchors
    auto out = verifyChain({c.leaf.cert, c.intermediate.cert}, **loaded, {pki.now(), ""});
    CHECK(out.ok);
  }
  SECTION("a damaged index is reported, not trusted") {
    auto bad =
        AnchorSet::loadIndexed(dir.write("b.der", blob), dir.write("b.idx", index.substr(0, 20)));
    REQUIRE_FALSE(bad);
    CHECK(bad.error().code == ErrorCode::StoreCorrupt);
  }
}
