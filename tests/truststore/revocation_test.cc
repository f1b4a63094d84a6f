// judgeRevocation on CRLs and OCSP responses generated at test time, at an injected instant.
#include "truststore/revocation.h"

#include <catch2/catch.hpp>

#include "tests/support/test_revocation.h"

using namespace trustctl;
using namespace trustctl::testing;
using truststore::judgeRevocation;
using truststore::RevocationEvidence;
using truststore::RevocationState;

namespace {

constexpr UnixTime kNow = 1'800'000'000;
constexpr UnixTime kDay = 86400;

struct Fixture {
  TestPki pki{kNow};
  Issued root = pki.makeRoot("Rev Root CA");
  Issued ca = pki.makeIntermediate(root, "Rev Intermediate CA");
  Issued leaf = makeRevocableLeaf(ca, "leaf.example", kNow, {"http://crl.example/ca.crl"},
                                  {"http://ocsp.example/"});
  Issued other = makeRevocableLeaf(ca, "other.example", kNow, {"http://crl.example/ca.crl"},
                                   {"http://ocsp.example/"});

  RevocationEvidence crl(const std::string& body) const {
    RevocationEvidence e;
    e.crls.push_back(body);
    return e;
  }
  RevocationEvidence ocsp(const std::string& body) const {
    RevocationEvidence e;
    e.ocsp_responses.push_back(body);
    return e;
  }
  truststore::RevocationVerdict judge(const RevocationEvidence& e, UnixTime at = kNow) const {
    return judgeRevocation(*leaf.cert, *ca.cert, e, at);
  }
};

OcspAnswer good(UnixTime now = kNow) {
  OcspAnswer a;
  a.this_update = now - 60;
  a.next_update = now + kDay;
  return a;
}

}  // namespace

TEST_CASE("revocation URLs are read from the certificate's extensions",
          "[truststore][revocation]") {
  Fixture f;
  CHECK(truststore::crlDistributionPoints(*f.leaf.cert) ==
        std::vector<std::string>{"http://crl.example/ca.crl"});
  CHECK(truststore::ocspResponderUrls(*f.leaf.cert) ==
        std::vector<std::string>{"http://ocsp.example/"});
  CHECK(truststore::crlDistributionPoints(*f.ca.cert).empty());
  Issued ldap_only = makeRevocableLeaf(f.ca, "x", kNow, {"ldap://dir.example/cn=crl"}, {});
  CHECK(truststore::crlDistributionPoints(*ldap_only.cert).empty());
}

TEST_CASE("a certificate naming no revocation source is not checked", "[truststore][revocation]") {
  Fixture f;
  auto v = judgeRevocation(*f.ca.cert, *f.root.cert, {}, kNow);
  CHECK(v.state == RevocationState::NotChecked);
}

TEST_CASE("a CRL listing the serial says revoked with reason and date",
          "[truststore][revocation]") {
  Fixture f;
  std::string der = makeCrl(f.ca, kNow - kDay, kNow + kDay, {{f.leaf.cert, kNow - 3600, 1}});
  auto v = f.judge(f.crl(der));
  CHECK(v.state == RevocationState::Revoked);
  CHECK(v.reason == "keyCompromise");
  CHECK(v.revoked_at == kNow - 3600);
  CHECK(v.source == "crl");

  SECTION("the same CRL in PEM") {
    auto pem = f.judge(f.crl(crlToPem(der)));
    CHECK(pem.state == RevocationState::Revoked);
    CHECK(pem.reason == "keyCompromise");
  }
  SECTION("an entry without a reason") {
    auto bare = f.judge(f.crl(makeCrl(f.ca, kNow - kDay, kNow + kDay, {{f.leaf.cert, kNow, -1}})));
    CHECK(bare.state == RevocationState::Revoked);
    CHECK(bare.reason.empty());
  }
}

TEST_CASE("a current CRL not listing the serial says good", "[truststore][revocation]") {
  Fixture f;
  auto v = f.judge(f.crl(makeCrl(f.ca, kNow - kDay, kNow + kDay, {{f.other.cert, kNow, 4}})));
  CHECK(v.state == RevocationState::Good);
  auto no_next = f.judge(f.crl(makeCrl(f.ca, kNow - kDay, std::nullopt, {})));
  CHECK(no_next.state == RevocationState::Good);
}

TEST_CASE("a CRL that is stale, early, foreign or badly signed is not evidence",
          "[truststore][revocation]") {
  Fixture f;
  std::vector<CrlRevocation> listed{{f.leaf.cert, kNow - 3600, 1}};
  SECTION("nextUpdate has passed") {
    auto v = f.judge(f.crl(makeCrl(f.ca, kNow - 3 * kDay, kNow - kDay, listed)));
    CHECK(v.state == RevocationState::Unknown);
    CHECK_THAT(v.detail, Catch::Contains("stale"));
  }
  SECTION("thisUpdate is in the future") {
    auto v = f.judge(f.crl(makeCrl(f.ca, kNow + kDay, kNow + 2 * kDay, listed)));
    CHECK(v.state == RevocationState::Unknown);
    CHECK_THAT(v.detail, Catch::Contains("future"));
  }
  SECTION("signed by another key under the issuer's name") {
    Issued impostor = f.pki.makeRoot("Impostor");
    auto v = f.judge(f.crl(makeCrl(f.ca, kNow - kDay, kNow + kDay, listed, &impostor.key)));
    CHECK(v.state == RevocationState::Unknown);
    CHECK_THAT(v.detail, Catch::Contains("signature"));
  }
  SECTION("issued by another CA") {
    auto v = f.judge(f.crl(makeCrl(f.root, kNow - kDay, kNow + kDay, listed)));
    CHECK(v.state == RevocationState::Unknown);
    CHECK_THAT(v.detail, Catch::Contains("another CA"));
  }
  SECTION("not a CRL at all, with the fetch errors named") {
    RevocationEvidence e = f.crl("<html>not found</html>");
    e.fetch_errors.push_back("http://ocsp.example/: Connection refused");
    auto v = f.judge(e);
    CHECK(v.state == RevocationState::Unknown);
    CHECK_THAT(v.detail, Catch::Contains("not a DER or PEM CRL"));
    CHECK_THAT(v.detail, Catch::Contains("Connection refused"));
  }
}

TEST_CASE("an OCSP response signed by the issuer says good or revoked",
          "[truststore][revocation]") {
  Fixture f;
  auto v = f.judge(f.ocsp(makeOcspResponse(f.leaf.cert, f.ca, f.ca, good())));
  CHECK(v.state == RevocationState::Good);
  CHECK(v.source == "ocsp");

  OcspAnswer revoked = good();
  revoked.status = OcspAnswer::Status::Revoked;
  revoked.revoked_at = kNow - 7200;
  revoked.reason = 5;
  auto r = f.judge(f.ocsp(makeOcspResponse(f.leaf.cert, f.ca, f.ca, revoked)));
  CHECK(r.state == RevocationState::Revoked);
  CHECK(r.reason == "cessationOfOperation");
  CHECK(r.revoked_at == kNow - 7200);

  OcspAnswer unknown = good();
  unknown.status = OcspAnswer::Status::Unknown;
  auto u = f.judge(f.ocsp(makeOcspResponse(f.leaf.cert, f.ca, f.ca, unknown)));
  CHECK(u.state == RevocationState::Unknown);
  CHECK_THAT(u.detail, Catch::Contains("does not know"));
}

TEST_CASE("a delegated OCSP responder counts only with the OCSPSigning usage",
          "[truststore][revocation]") {
  Fixture f;
  Issued delegate = makeOcspSigner(f.ca, kNow, true);
  auto v = f.judge(f.ocsp(makeOcspResponse(f.leaf.cert, f.ca, delegate, good())));
  CHECK(v.state == RevocationState::Good);

  Issued no_eku = makeOcspSigner(f.ca, kNow, false);
  auto n = f.judge(f.ocsp(makeOcspResponse(f.leaf.cert, f.ca, no_eku, good())));
  CHECK(n.state == RevocationState::Unknown);
  CHECK_THAT(n.detail, Catch::Contains("OCSPSigning"));

  Issued foreign = makeOcspSigner(f.root, kNow, true);
  auto o = f.judge(f.ocsp(makeOcspResponse(f.leaf.cert, f.ca, foreign, good())));
  CHECK(o.state == RevocationState::Unknown);
  CHECK_THAT(o.detail, Catch::Contains("not issued by"));
}

TEST_CASE("an OCSP response about another certificate, stale or failed is not evidence",
          "[truststore][revocation]") {
  Fixture f;
  auto other = f.judge(f.ocsp(makeOcspResponse(f.other.cert, f.ca, f.ca, good())));
  CHECK(other.state == RevocationState::Unknown);
  CHECK_THAT(other.detail, Catch::Contains("another certificate"));

  auto stale = f.judge(f.ocsp(makeOcspResponse(f.leaf.cert, f.ca, f.ca, good())), kNow + 2 * kDay);
  CHECK(stale.state == RevocationState::Unknown);
  CHECK_THAT(stale.detail, Catch::Contains("stale"));

  auto early = f.judge(f.ocsp(makeOcspResponse(f.leaf.cert, f.ca, f.ca, good())), kNow - 3600);
  CHECK(early.state == RevocationState::Unknown);
  CHECK_THAT(early.detail, Catch::Contains("future"));

  Issued impostor = f.pki.makeIntermediate(f.root, "Rev Intermediate CA");
  auto forged = f.judge(f.ocsp(makeOcspResponse(f.leaf.cert, f.ca, impostor, good())));
  CHECK(forged.state == RevocationState::Unknown);

  // Without certificates the response ends with its signature: one flipped bit breaks it.
  std::string tampered = makeOcspResponse(f.leaf.cert, f.ca, f.ca, good());
  tampered.back() = static_cast<char>(tampered.back() ^ 1);
  auto broken = f.judge(f.ocsp(tampered));
  CHECK(broken.state == RevocationState::Unknown);
  CHECK_THAT(broken.detail, Catch::Contains("signature does not verify"));

  auto refused = f.judge(f.ocsp(makeOcspErrorResponse(6)));
  CHECK(refused.state == RevocationState::Unknown);
  CHECK_THAT(refused.detail, Catch::Contains("unauthorized"));
}

TEST_CASE("revoked evidence wins over good, and a stapled response is named",
          "[truststore][revocation]") {
  Fixture f;
  RevocationEvidence e;
  e.ocsp_stapled = true;
  e.ocsp_responses.push_back(makeOcspResponse(f.leaf.cert, f.ca, f.ca, good()));
  auto stapled = f.judge(e);
  CHECK(stapled.state == RevocationState::Good);
  CHECK(stapled.source == "ocsp-stapled");
  e.crls.push_back(makeCrl(f.ca, kNow - kDay, kNow + kDay, {{f.leaf.cert, kNow - 60, 1}}));
  CHECK(f.judge(e).state == RevocationState::Revoked);
}

TEST_CASE("the shell's cache learns when evidence stops being current",
          "[truststore][revocation]") {
  Fixture f;
  CHECK(truststore::evidenceNextUpdate(makeCrl(f.ca, kNow, kNow + kDay, {}), false) == kNow + kDay);
  CHECK(truststore::evidenceNextUpdate(makeOcspResponse(f.leaf.cert, f.ca, f.ca, good()), true) ==
        kNow + kDay);
  CHECK_FALSE(truststore::evidenceNextUpdate("junk", true).has_value());
}
