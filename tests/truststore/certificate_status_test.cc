#include <catch2/catch.hpp>

#include "tests/support/test_pki.h"
#include "truststore/certificate_status.h"

using namespace trustctl;
using namespace trustctl::truststore;
using trustctl::testing::CertOptions;
using trustctl::testing::KeyType;
using trustctl::testing::TestPki;

namespace {
constexpr std::int64_t kDay = 86400;
}

TEST_CASE("CertificateStatus: root, intermediate and server are told apart", "[truststore]") {
  TestPki pki(1'800'000'000);
  auto chain = pki.makeChain("Kinds");
  CHECK(classifyCertificate(chain.root.cert->info()) == CertificateKind::Root);
  CHECK(classifyCertificate(chain.intermediate.cert->info()) == CertificateKind::Intermediate);
  CHECK(classifyCertificate(chain.leaf.cert->info()) == CertificateKind::Server);
  auto self = pki.makeSelfSignedLeaf("self.example");
  CHECK(classifyCertificate(self.cert->info()) == CertificateKind::Server);
  CHECK(self.cert->info().self_signed);
}

TEST_CASE("CertificateStatus: validity is judged at the given instant", "[truststore]") {
  TestPki pki(1'800'000'000);
  CertOptions opts;
  opts.not_before_offset = -10 * kDay;
  opts.not_after_offset = 10 * kDay;
  auto root = pki.makeRoot("Validity Root", opts);
  const auto& info = root.cert->info();
  UnixTime now = pki.now();
  CHECK(assessCertificate(info, now, 5 * kDay, false).health == CertificateHealth::Ok);
  CHECK(assessCertificate(info, now, 30 * kDay, false).health == CertificateHealth::Expiring);
  CHECK(assessCertificate(info, now + 11 * kDay, 30 * kDay, false).health ==
        CertificateHealth::Expired);
  CHECK(assessCertificate(info, now - 11 * kDay, 30 * kDay, false).health ==
        CertificateHealth::NotYetValid);
  auto expired = assessCertificate(info, now + 12 * kDay, 30 * kDay, false);
  CHECK_THAT(expired.summary(), Catch::Contains("expired"));
}

TEST_CASE("CertificateStatus: small RSA keys and SHA-1 signatures are weak", "[truststore]") {
  TestPki pki(1'800'000'000);
  CertOptions small;
  small.key = KeyType::Rsa1024;
  auto root = pki.makeRoot("Weak Root", small);
  CHECK(assessCertificate(root.cert->info(), pki.now(), 0, false).health ==
        CertificateHealth::Weak);
  CertOptions sha1;
  sha1.digest = "sha1";
  auto good_root = pki.makeRoot("Good Root");
  auto leaf = pki.makeLeaf(good_root, "sha1.example", sha1);
  auto status = assessCertificate(leaf.cert->info(), pki.now(), 0, false);
  CHECK(status.health == CertificateHealth::Weak);
  CHECK_THAT(status.summary(), Catch::Contains("sha1", Catch::CaseSensitive::No));
  CHECK(assessCertificate(good_root.cert->info(), pki.now(), 0, false).health ==
        CertificateHealth::Ok);
}

TEST_CASE("CertificateStatus: a non-CA certificate that signs another is flagged", "[truststore]") {
  TestPki pki(1'800'000'000);
  auto root = pki.makeRoot("Root");
  CertOptions not_ca;
  not_ca.force_not_ca = true;
  auto fake = pki.makeIntermediate(root, "Not Really A CA", not_ca);
  CHECK_FALSE(fake.cert->info().is_ca);
  auto leaf = pki.makeLeaf(fake, "victim.example");
  CHECK(fake.cert->isIssuerOf(*leaf.cert));
  CHECK(assessCertificate(fake.cert->info(), pki.now(), 0, true).health ==
        CertificateHealth::NotCaUsedAsCa);
}
