// Hostile chains, as a server could send them: a thousand copies of one intermediate, a chain
// of a thousand certificates, a loop, hundreds of issuers with one name, certificates carrying
// hundreds of KiB of extensions, a search the signature bound cuts. Each must end by itself
// within the path builder's bounds and give one clear cause, from truststore::buildPaths and
// from probes::diagnose on a capture. No wall-time assertion: finishing is the check.
#include <algorithm>
#include <random>

#include <openssl/evp.h>
#include <openssl/x509v3.h>
#include <catch2/catch.hpp>

#include "probes/diagnosis.h"
#include "probes/tls_evidence.h"
#include "tests/support/test_pki.h"
#include "truststore/ossl.h"
#include "truststore/path_builder.h"

using namespace trustctl;
using probes::DiagnosisCode;
using testing::CertOptions;
using testing::Issued;
using testing::TestPki;
using truststore::AnchorSet;
using truststore::CertificatePtr;
using truststore::PathBuildRequest;
using truststore::PathEnd;

namespace {

constexpr UnixTime kNow = 1'800'000'000;

truststore::PathBuildResult build(const CertificatePtr& leaf,
                                  const std::vector<CertificatePtr>& rest, const AnchorSet& anchors,
                                  truststore::PathBuilderLimits limits = {}) {
  PathBuildRequest r;
  r.leaf = leaf;
  for (const auto& c : rest) {
    r.extra.push_back({c, "presented", "", false, true});
  }
  r.anchors = &anchors;
  r.now = kNow;
  r.limits = limits;
  return truststore::buildPaths(r);
}

// What the HTTPS capture records for `chain`; with `measured`, the Certificate message size
// the capture measures too (a chain over 100 KiB reaches the probe only through its retry).
probes::Capture captureOf(const std::vector<CertificatePtr>& chain, bool measured) {
  probes::Capture c;
  c.target = *probes::parseTarget("https://localhost:8443/");
  c.servername = "localhost";
  c.handshake_completed = true;
  c.tls_version = "TLSv1.3";
  c.http_status = 200;
  for (const auto& cert : chain) {
    c.chain_der.push_back(cert->der());
  }
  if (measured) {
    c.certificate_message_bytes = probes::certificateMessageBytes(c.chain_der);
  }
  return c;
}

probes::Diagnosis diagnose(const std::vector<CertificatePtr>& chain,
                           const std::vector<CertificatePtr>& anchors, bool measured = false) {
  probes::TrustAnchors trust(AnchorSet::fromCertificates(anchors));
  return probes::diagnose(captureOf(chain, measured), trust, probes::Catalog(), {kNow, "", false});
}

bool hasCode(const probes::Diagnosis& d, DiagnosisCode code) {
  return std::any_of(d.problems.begin(), d.problems.end(),
                     [&](const probes::Problem& p) { return p.code == code; });
}

// Every path within the bounds the builder was given.
void checkBounded(const truststore::PathBuildResult& r, truststore::PathBuilderLimits limits = {}) {
  CHECK(r.paths.size() <= static_cast<size_t>(limits.max_paths));
  for (const auto& p : r.paths) {
    CHECK(p.elements.size() <= static_cast<size_t>(limits.max_depth));
  }
}

ossl::EvpPkeyPtr newKey() {
  ossl::EvpPkeyPtr key(EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"));
  REQUIRE(key);
  return key;
}

// A certificate without key identifiers (so only a signature check tells its issuer), and
// optionally a non-critical private extension carrying `filler` bytes.
CertificatePtr bareCert(const std::string& cn, const std::string& issuer_cn, EVP_PKEY* key,
                        EVP_PKEY* signer, bool ca, size_t filler = 0) {
  static long serial = 1;
  ossl::X509Ptr x(X509_new());
  REQUIRE(x);
  X509_set_version(x.get(), X509_VERSION_3);
  ASN1_INTEGER_set(X509_get_serialNumber(x.get()), serial++);
  auto name = [](X509_NAME* n, const std::string& value) {
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(value.c_str()), -1, -1, 0);
  };
  name(X509_get_subject_name(x.get()), cn);
  name(X509_get_issuer_name(x.get()), issuer_cn);
  time_t base = static_cast<time_t>(kNow);
  X509_time_adj_ex(X509_getm_notBefore(x.get()), -1, 0, &base);
  X509_time_adj_ex(X509_getm_notAfter(x.get()), 365, 0, &base);
  X509_set_pubkey(x.get(), key);
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, nullptr, x.get(), nullptr, nullptr, 0);
  auto add = [&](int nid, const char* value) {
    ossl::X509ExtensionPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
    REQUIRE(ext);
    X509_add_ext(x.get(), ext.get(), -1);
  };
  if (ca) {
    add(NID_basic_constraints, "critical,CA:TRUE");
    add(NID_key_usage, "critical,keyCertSign,cRLSign");
  } else {
    add(NID_basic_constraints, "critical,CA:FALSE");
    add(NID_key_usage, "critical,digitalSignature");
    add(NID_ext_key_usage, "serverAuth");
    add(NID_subject_alt_name, "DNS:localhost");
  }
  if (filler > 0) {
    // An OCTET STRING of `filler` zero bytes, as the value of an extension nobody knows.
    std::string der = "\x04\x83";
    der += static_cast<char>((filler >> 16) & 0xff);
    der += static_cast<char>((filler >> 8) & 0xff);
    der += static_cast<char>(filler & 0xff);
    der += std::string(filler, '\0');
    ossl::Asn1ObjectPtr oid(OBJ_txt2obj("1.3.6.1.4.1.55555.13.1", 1));
    ossl::Asn1OctetStringPtr value(ASN1_OCTET_STRING_new());
    ASN1_OCTET_STRING_set(value.get(), reinterpret_cast<const unsigned char*>(der.data()),
                          static_cast<int>(der.size()));
    ossl::X509ExtensionPtr ext(X509_EXTENSION_create_by_OBJ(nullptr, oid.get(), 0, value.get()));
    REQUIRE(ext);
    X509_add_ext(x.get(), ext.get(), -1);
  }
  REQUIRE(X509_sign(x.get(), signer, EVP_sha256()) > 0);
  auto cert = truststore::Certificate::fromX509(x.get());
  REQUIRE(cert);
  return *cert;
}

}  // namespace

TEST_CASE("hostile chains: a thousand copies of the intermediate count once",
          "[truststore][paths][hostile]") {
  TestPki pki(kNow);
  auto c = pki.makeChain("Dup");
  std::vector<CertificatePtr> copies(1000, c.intermediate.cert);
  auto anchors = AnchorSet::fromCertificates({c.root.cert});
  auto r = build(c.leaf.cert, copies, *anchors);
  REQUIRE(r.firstValid() != nullptr);
  CHECK(r.paths.size() == 1);
  CHECK_FALSE(r.limit_reached);

  std::vector<CertificatePtr> chain{c.leaf.cert};
  chain.insert(chain.end(), copies.begin(), copies.end());
  CHECK(diagnose(chain, {c.root.cert}).ok());
  // As a live capture measures it: the copies make the Certificate message too large.
  auto d = diagnose(chain, {c.root.cert}, true);
  CHECK(d.code == DiagnosisCode::CertificateTooLarge);
  CHECK(d.problems.size() == 1);
}

TEST_CASE("hostile chains: a chain of a thousand certificates stops at the depth bound",
          "[truststore][paths][hostile]") {
  TestPki pki(kNow);
  auto root = pki.makeRoot("Ladder Root");
  auto cas = pki.makeCaLadder(root, "Ladder CA", 998);
  auto leaf = pki.makeLeaf(cas.back(), "localhost");
  std::vector<CertificatePtr> rest{root.cert};
  for (const auto& ca : cas) {
    rest.push_back(ca.cert);
  }
  std::shuffle(rest.begin(), rest.end(), std::mt19937(13));
  auto anchors = AnchorSet::fromCertificates({root.cert});
  auto r = build(leaf.cert, rest, *anchors);
  CHECK(r.limit_reached);
  CHECK_THAT(r.limit_detail, Catch::Contains("longer than 40"));
  CHECK(r.firstValid() == nullptr);
  REQUIRE(r.best() != nullptr);
  CHECK(r.best()->end == PathEnd::Limit);
  checkBounded(r);

  std::vector<CertificatePtr> chain{leaf.cert};
  chain.insert(chain.end(), rest.begin(), rest.end());
  REQUIRE(chain.size() == 1000);
  auto d = diagnose(chain, {root.cert});
  CHECK(d.code == DiagnosisCode::PathBuildingLimit);
  CHECK(d.problems.size() == 1);
  auto measured = diagnose(chain, {root.cert}, true);
  CHECK(measured.code == DiagnosisCode::CertificateTooLarge);
  CHECK(hasCode(measured, DiagnosisCode::PathBuildingLimit));
}

TEST_CASE("hostile chains: a loop of thirty CAs ends where it closes",
          "[truststore][paths][hostile]") {
  // CA i is certified by CA i+1, and the last by the first: every CA has an issuer.
  std::vector<ossl::EvpPkeyPtr> keys;
  for (int i = 0; i < 30; ++i) {
    keys.push_back(newKey());
  }
  std::vector<CertificatePtr> ring;
  for (int i = 0; i < 30; ++i) {
    int up = (i + 1) % 30;
    ring.push_back(bareCert("Ring " + std::to_string(i), "Ring " + std::to_string(up),
                            keys[i].get(), keys[up].get(), true));
  }
  auto leaf_key = newKey();
  auto leaf = bareCert("localhost", "Ring 0", leaf_key.get(), keys[0].get(), false);
  auto anchors = AnchorSet::fromCertificates({});
  auto r = build(leaf, ring, *anchors);
  CHECK(r.firstValid() == nullptr);
  REQUIRE(r.best() != nullptr);
  CHECK(r.best()->end == PathEnd::NoIssuer);
  CHECK(r.best()->elements.size() == 31);
  checkBounded(r);
  std::vector<CertificatePtr> chain{leaf};
  chain.insert(chain.end(), ring.begin(), ring.end());
  auto d = diagnose(chain, {});
  CHECK(d.code == DiagnosisCode::UntrustedRoot);
  CHECK(d.problems.size() == 1);
}

TEST_CASE("hostile chains: three hundred issuers with one name and different keys",
          "[truststore][paths][hostile]") {
  TestPki pki(kNow);
  SECTION("with key identifiers, the look-alikes cost no signature check") {
    auto root = pki.makeRoot("Flood Root");
    std::vector<CertificatePtr> flood;
    for (int i = 0; i < 300; ++i) {
      flood.push_back(pki.makeIntermediate(root, "Flood CA").cert);
    }
    Issued real = pki.makeIntermediate(root, "Flood CA");
    flood.insert(flood.begin() + 150, real.cert);
    auto leaf = pki.makeLeaf(real, "localhost");
    auto anchors = AnchorSet::fromCertificates({root.cert});
    truststore::PathBuilderLimits few;
    few.max_signature_checks = 4;  // the leaf's and the real CA's, nothing for the flood
    auto r = build(leaf.cert, flood, *anchors, few);
    REQUIRE(r.firstValid() != nullptr);
    CHECK_FALSE(r.limit_reached);
    std::vector<CertificatePtr> chain{leaf.cert};
    chain.insert(chain.end(), flood.begin(), flood.end());
    CHECK(diagnose(chain, {root.cert}).ok());
  }
  SECTION("without key identifiers, each is checked once and only the signer is kept") {
    std::vector<ossl::EvpPkeyPtr> keys;
    std::vector<CertificatePtr> flood;
    for (int i = 0; i < 300; ++i) {
      keys.push_back(newKey());
      flood.push_back(bareCert("Flood CA", "Flood CA", keys[i].get(), keys[i].get(), true));
    }
    auto leaf_key = newKey();
    auto leaf = bareCert("localhost", "Flood CA", leaf_key.get(), keys[250].get(), false);
    auto none = AnchorSet::fromCertificates({});
    auto r = build(leaf, flood, *none);
    REQUIRE(r.paths.size() == 1);
    CHECK(r.best()->end == PathEnd::UntrustedRoot);
    CHECK(r.best()->elements.back().candidate.cert == flood[250]);
    std::vector<CertificatePtr> chain{leaf};
    chain.insert(chain.end(), flood.begin(), flood.end());
    auto d = diagnose(chain, {});
    CHECK(d.code == DiagnosisCode::UntrustedRoot);
    CHECK(d.problems.size() == 1);
    REQUIRE(d.candidate);
    CHECK(d.candidate->cert->sha256() == flood[250]->sha256());
    CHECK(diagnose(chain, {flood[250]}).ok());

    truststore::PathBuilderLimits few;
    few.max_signature_checks = 100;
    auto cut = build(leaf, flood, *none, few);
    CHECK(cut.limit_reached);
    CHECK_THAT(cut.limit_detail, Catch::Contains("signature checks"));
    REQUIRE(cut.paths.size() == 1);
    CHECK(cut.best()->end == PathEnd::Limit);
    checkBounded(cut, few);
  }
  SECTION("three hundred cross-certificates of one CA, each under another root") {
    // Every "Flood Mid" has the same key, so each one verifies the leaf; each is certified
    // by a different "Flood Top". The connector trusts one Top only.
    auto mid_key = newKey();
    std::vector<ossl::EvpPkeyPtr> top_keys;
    std::vector<CertificatePtr> mids;
    std::vector<CertificatePtr> tops;
    for (int i = 0; i < 300; ++i) {
      top_keys.push_back(newKey());
      EVP_PKEY* top = top_keys.back().get();
      tops.push_back(bareCert("Flood Top", "Flood Top", top, top, true));
      mids.push_back(bareCert("Flood Mid", "Flood Top", mid_key.get(), top, true));
    }
    auto leaf_key = newKey();
    auto leaf = bareCert("localhost", "Flood Mid", leaf_key.get(), mid_key.get(), false);
    std::vector<CertificatePtr> rest = mids;
    rest.insert(rest.end(), tops.begin(), tops.end());
    std::vector<CertificatePtr> chain{leaf};
    chain.insert(chain.end(), rest.begin(), rest.end());
    for (size_t trusted : {size_t{0}, size_t{150}, size_t{299}}) {
      auto anchors = AnchorSet::fromCertificates({tops[trusted]});
      auto r = build(leaf, rest, *anchors);
      checkBounded(r);
      auto d = diagnose(chain, {tops[trusted]});
      INFO("trusted Top " << trusted << ": " << r.limit_detail << "; " << d.summary);
      if (r.limit_reached) {
        // Cut by the signature bound before the trusted Top was reached: the diagnosis fails
        // closed, with one cause, from the best path found before the cut.
        CHECK_THAT(r.limit_detail, Catch::Contains("signature checks"));
        CHECK_FALSE(d.ok());
      } else {
        CHECK(r.firstValid() != nullptr);
        CHECK(d.ok());
      }
      CHECK(d.problems.size() <= 1);
    }
  }
}

TEST_CASE("hostile chains: certificates with hundreds of KiB of extensions",
          "[truststore][paths][hostile]") {
  TestPki pki(kNow);
  SECTION("a leaf with 8,000 subject alternative names") {
    auto root = pki.makeRoot("San Flood Root");
    auto ca = pki.makeIntermediate(root, "San Flood CA");
    CertOptions many;
    for (int i = 0; i < 8000; ++i) {
      many.sans.push_back("DNS:host-" + std::to_string(i) + ".san-flood.example.test");
    }
    many.sans.push_back("DNS:localhost");
    auto leaf = pki.makeLeaf(ca, "localhost", many);
    CHECK(leaf.cert->der().size() > 200 * 1024);
    auto anchors = AnchorSet::fromCertificates({root.cert});
    auto r = build(leaf.cert, {ca.cert}, *anchors);
    CHECK(r.firstValid() != nullptr);
    CHECK(diagnose({leaf.cert, ca.cert}, {root.cert}).ok());
    auto d = diagnose({leaf.cert, ca.cert}, {root.cert}, true);
    CHECK(d.code == DiagnosisCode::CertificateTooLarge);
    CHECK(d.problems.size() == 1);
  }
  SECTION("a leaf with a 200 KiB extension nobody knows, not critical") {
    auto root_key = newKey();
    auto root = bareCert("Blob Root", "Blob Root", root_key.get(), root_key.get(), true);
    auto leaf_key = newKey();
    auto leaf =
        bareCert("localhost", "Blob Root", leaf_key.get(), root_key.get(), false, 200 * 1024);
    auto anchors = AnchorSet::fromCertificates({root});
    auto r = build(leaf, {}, *anchors);
    REQUIRE(r.firstValid() != nullptr);
    CHECK(diagnose({leaf}, {root}).ok());
    auto d = diagnose({leaf}, {root}, true);
    CHECK(d.code == DiagnosisCode::CertificateTooLarge);
    CHECK(d.problems.size() == 1);
  }
}

TEST_CASE("hostile chains: a search cut by a bound is the cause, never ok",
          "[truststore][paths][hostile]") {
  // Thirty-five CAs all named "F", each certified by the next, under a trusted "F" root, and
  // eighty-five self-signed "F" decoys: every "F" is a candidate issuer of every other, so
  // each step costs ~120 signature checks and the bound (4,000) is met before any path ends.
  std::vector<ossl::EvpPkeyPtr> keys;
  for (int i = 0; i <= 35; ++i) {
    keys.push_back(newKey());
  }
  auto top = bareCert("F", "F", keys[35].get(), keys[35].get(), true);
  std::vector<CertificatePtr> sent_certs;
  for (int i = 0; i < 35; ++i) {
    sent_certs.push_back(bareCert("F", "F", keys[i].get(), keys[i + 1].get(), true));
  }
  std::vector<ossl::EvpPkeyPtr> decoy_keys;
  for (int i = 0; i < 85; ++i) {
    decoy_keys.push_back(newKey());
    EVP_PKEY* k = decoy_keys.back().get();
    sent_certs.push_back(bareCert("F", "F", k, k, true));
  }
  auto leaf_key = newKey();
  auto leaf = bareCert("localhost", "F", leaf_key.get(), keys[0].get(), false);
  auto anchors = AnchorSet::fromCertificates({top});
  auto r = build(leaf, sent_certs, *anchors);
  CHECK(r.limit_reached);
  CHECK_THAT(r.limit_detail, Catch::Contains("signature checks"));
  CHECK(r.firstValid() == nullptr);
  REQUIRE(r.best() != nullptr);
  CHECK(r.best()->end == PathEnd::Limit);
  checkBounded(r);

  std::vector<CertificatePtr> chain{leaf};
  chain.insert(chain.end(), sent_certs.begin(), sent_certs.end());
  auto d = diagnose(chain, {top});
  INFO(d.summary);
  CHECK(d.code == DiagnosisCode::PathBuildingLimit);
  CHECK(d.problems.size() == 1);
}
