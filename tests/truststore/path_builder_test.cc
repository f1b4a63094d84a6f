// The path builder on generated PKIs: which path it finds, every path it tried, and its bounds.
#include <catch2/catch.hpp>

#include "tests/support/test_pki.h"
#include "truststore/path_builder.h"

namespace trustctl::truststore {
namespace {

using testing::CertOptions;
using testing::Issued;
using testing::TestPki;

constexpr UnixTime kNow = 1'800'000'000;

PathCandidate sent(const Issued& i) {
  return {i.cert, "presented", "", false, true};
}
PathCandidate known(const Issued& i) {
  return {i.cert, "catalog", "", false, false};
}

PathBuildRequest requestFor(const Issued& leaf, std::vector<PathCandidate> extra,
                            const AnchorSet* anchors) {
  PathBuildRequest r;
  r.leaf = leaf.cert;
  r.extra = std::move(extra);
  r.anchors = anchors;
  r.now = kNow;
  return r;
}

std::vector<std::string> subjectsOf(const CertPath& p) {
  std::vector<std::string> out;
  for (const auto& e : p.elements) {
    out.push_back(e.candidate.cert->info().subject_cn);
  }
  return out;
}

bool hasError(const CertPath& p, PathErrorCode code) {
  for (const auto& e : p.elements) {
    for (const auto& err : e.errors) {
      if (err.code == code) {
        return true;
      }
    }
  }
  return false;
}

TEST_CASE("path builder: a trusted chain sent out of order is valid", "[truststore][paths]") {
  TestPki pki(kNow);
  auto chain = pki.makeChain("Order");
  auto anchors = AnchorSet::fromCertificates({chain.root.cert});
  // The server sends the root first and the intermediate last: order does not matter.
  auto r = buildPaths(
      requestFor(chain.leaf, {sent(chain.root), sent(chain.intermediate)}, anchors.get()));
  REQUIRE(r.firstValid() != nullptr);
  CHECK(subjectsOf(*r.firstValid()) ==
        std::vector<std::string>{"localhost", "Order Intermediate CA", "Order Root CA"});
  CHECK(r.firstValid()->end == PathEnd::Anchored);
}

TEST_CASE("path builder: a trusted intermediate anchors (partial chain)", "[truststore][paths]") {
  TestPki pki(kNow);
  auto chain = pki.makeChain("Partial");
  auto anchors = AnchorSet::fromCertificates({chain.intermediate.cert});
  auto r = buildPaths(requestFor(chain.leaf, {}, anchors.get()));
  REQUIRE(r.firstValid() != nullptr);
  CHECK(r.firstValid()->elements.size() == 2);
  auto strict = requestFor(chain.leaf, {}, anchors.get());
  strict.any_trusted_is_anchor = false;
  CHECK(buildPaths(strict).firstValid() == nullptr);
}

TEST_CASE("path builder: cross-signed roots, an expired old root and a valid new one",
          "[truststore][paths]") {
  // The ISRG Root X1 / DST Root CA X3 shape: the server sends leaf, intermediate and the new
  // root cross-signed by the old, expired root; the self-signed new root is known elsewhere.
  TestPki pki(kNow);
  CertOptions long_expired;
  long_expired.not_before_offset = -3000LL * 86400;
  long_expired.not_after_offset = -30LL * 86400;
  auto old_root = pki.makeRoot("Old Root X3", long_expired);
  auto new_root = pki.makeRoot("New Root X1");
  CertOptions cross;
  cross.reuse_key = &new_root.key;
  auto new_by_old = pki.makeIntermediate(old_root, "New Root X1", cross);
  auto inter = pki.makeIntermediate(new_root, "Issuing R3");
  auto leaf = pki.makeLeaf(inter, "api.example.test");

  SECTION("nothing trusted: the best path ends at the valid self-signed new root") {
    auto anchors = AnchorSet::fromCertificates({});
    auto req = requestFor(leaf, {sent(inter), sent(new_by_old), known(old_root), known(new_root)},
                          anchors.get());
    auto r = buildPaths(req);
    REQUIRE(r.best() != nullptr);
    CHECK(r.best()->end == PathEnd::UntrustedRoot);
    CHECK(r.best()->flawless());
    CHECK(r.best()->elements.back().candidate.cert->sha256() == new_root.cert->sha256());
    // The path through the expired old root was tried too, and says why it is worse.
    bool tried_old = false;
    for (const auto& p : r.paths) {
      tried_old = tried_old || (p.elements.back().candidate.cert == old_root.cert &&
                                hasError(p, PathErrorCode::Expired));
    }
    CHECK(tried_old);
  }
  SECTION("trusting the new root: valid through either copy") {
    auto anchors = AnchorSet::fromCertificates({new_root.cert});
    auto r = buildPaths(requestFor(leaf, {sent(inter), sent(new_by_old)}, anchors.get()));
    REQUIRE(r.firstValid() != nullptr);
  }
  SECTION("trusting only the expired old root: anchored but expired") {
    auto anchors = AnchorSet::fromCertificates({old_root.cert});
    auto r = buildPaths(requestFor(leaf, {sent(inter), sent(new_by_old)}, anchors.get()));
    CHECK(r.firstValid() == nullptr);
    REQUIRE(r.best() != nullptr);
    CHECK(r.best()->end == PathEnd::Anchored);
    CHECK(hasError(*r.best(), PathErrorCode::Expired));
  }
}

TEST_CASE("path builder: cross-signing the other way (old root signed by the new)",
          "[truststore][paths]") {
  TestPki pki(kNow);
  auto new_root = pki.makeRoot("Bridge New");
  auto old_root = pki.makeRoot("Bridge Old");
  CertOptions cross;
  cross.reuse_key = &old_root.key;
  auto old_by_new = pki.makeIntermediate(new_root, "Bridge Old", cross);
  auto inter = pki.makeIntermediate(old_root, "Bridge Issuing");
  auto leaf = pki.makeLeaf(inter, "legacy.example.test");
  // A connector that trusts only the new root reaches it through the bridge certificate.
  auto anchors = AnchorSet::fromCertificates({new_root.cert});
  auto r = buildPaths(requestFor(leaf, {sent(inter), sent(old_by_new)}, anchors.get()));
  REQUIRE(r.firstValid() != nullptr);
  CHECK(subjectsOf(*r.firstValid()) == std::vector<std::string>{"legacy.example.test",
                                                                "Bridge Issuing", "Bridge Old",
                                                                "Bridge New"});
}

TEST_CASE("path builder: an expired intermediate with a valid re-issue backtracks",
          "[truststore][paths]") {
  TestPki pki(kNow);
  auto root = pki.makeRoot("Backtrack Root");
  CertOptions expired;
  expired.not_before_offset = -400LL * 86400;
  expired.not_after_offset = -1LL * 86400;
  auto old_inter = pki.makeIntermediate(root, "Backtrack Issuing", expired);
  CertOptions same_key;
  same_key.reuse_key = &old_inter.key;
  auto new_inter = pki.makeIntermediate(root, "Backtrack Issuing", same_key);
  auto leaf = pki.makeLeaf(old_inter, "svc.example.test");
  auto anchors = AnchorSet::fromCertificates({root.cert});
  auto r = buildPaths(requestFor(leaf, {sent(old_inter), sent(new_inter)}, anchors.get()));
  REQUIRE(r.firstValid() != nullptr);
  CHECK(r.firstValid()->elements[1].candidate.cert == new_inter.cert);
}

TEST_CASE("path builder: a CA:FALSE issuer is named, not called untrusted", "[truststore][paths]") {
  TestPki pki(kNow);
  auto root = pki.makeRoot("NotCa Root");
  CertOptions not_ca;
  not_ca.force_not_ca = true;
  auto fake = pki.makeIntermediate(root, "NotCa Issuing", not_ca);
  auto leaf = pki.makeLeaf(fake, "x.example.test");
  auto anchors = AnchorSet::fromCertificates({root.cert});
  auto r = buildPaths(requestFor(leaf, {sent(fake)}, anchors.get()));
  CHECK(r.firstValid() == nullptr);
  REQUIRE(r.best() != nullptr);
  CHECK(r.best()->end == PathEnd::Anchored);
  CHECK(hasError(*r.best(), PathErrorCode::IssuerNotCa));
}

TEST_CASE("path builder: a 30-certificate chain is built to its root", "[truststore][paths]") {
  TestPki pki(kNow);
  auto root = pki.makeRoot("Deep Root");
  std::vector<Issued> cas{root};
  for (int i = 0; i < 28; ++i) {
    cas.push_back(pki.makeIntermediate(cas.back(), "Deep CA " + std::to_string(i)));
  }
  auto leaf = pki.makeLeaf(cas.back(), "deep.example.test");
  std::vector<PathCandidate> extra;
  for (size_t i = cas.size(); i-- > 1;) {
    extra.push_back(sent(cas[i]));
  }
  SECTION("untrusted: the path reaches the root the server did not send") {
    extra.push_back(known(root));
    auto anchors = AnchorSet::fromCertificates({});
    auto r = buildPaths(requestFor(leaf, extra, anchors.get()));
    REQUIRE(r.best() != nullptr);
    CHECK(r.best()->elements.size() == 30);
    CHECK(r.best()->end == PathEnd::UntrustedRoot);
    CHECK_FALSE(r.limit_reached);
  }
  SECTION("trusted: valid") {
    auto anchors = AnchorSet::fromCertificates({root.cert});
    auto r = buildPaths(requestFor(leaf, extra, anchors.get()));
    REQUIRE(r.firstValid() != nullptr);
    CHECK(r.firstValid()->elements.size() == 30);
  }
}

TEST_CASE("path builder: 200 candidate issuers with one good one", "[truststore][paths]") {
  TestPki pki(kNow);
  auto root = pki.makeRoot("Crowd Root");
  auto good = pki.makeIntermediate(root, "Crowd Issuing");
  auto leaf = pki.makeLeaf(good, "crowd.example.test");
  std::vector<PathCandidate> extra;
  // 199 CAs with the issuer's name and other keys, from another root, sent first.
  auto other_root = pki.makeRoot("Crowd Other Root");
  for (int i = 0; i < 199; ++i) {
    extra.push_back(sent(pki.makeIntermediate(other_root, "Crowd Issuing")));
  }
  extra.push_back(sent(good));
  auto anchors = AnchorSet::fromCertificates({root.cert});
  auto r = buildPaths(requestFor(leaf, extra, anchors.get()));
  REQUIRE(r.firstValid() != nullptr);
  CHECK(r.firstValid()->elements[1].candidate.cert == good.cert);
}

TEST_CASE("path builder: loops end, and hostile chains stop at a bound", "[truststore][paths]") {
  TestPki pki(kNow);
  SECTION("two CAs cross-signed by each other, nothing trusted") {
    auto a = pki.makeRoot("Loop A");
    auto b = pki.makeRoot("Loop B");
    CertOptions key_a, key_b;
    key_a.reuse_key = &a.key;
    key_b.reuse_key = &b.key;
    auto a_by_b = pki.makeIntermediate(b, "Loop A", key_a);
    auto b_by_a = pki.makeIntermediate(a, "Loop B", key_b);
    auto leaf = pki.makeLeaf(a_by_b, "loop.example.test");
    auto anchors = AnchorSet::fromCertificates({});
    auto r = buildPaths(requestFor(leaf, {sent(a_by_b), sent(b_by_a)}, anchors.get()));
    CHECK(r.firstValid() == nullptr);
    for (const auto& p : r.paths) {
      CHECK(p.elements.size() <= 4);
    }
  }
  SECTION("a chain longer than the depth bound") {
    auto root = pki.makeRoot("Long Root");
    std::vector<Issued> cas{root};
    for (int i = 0; i < 45; ++i) {
      cas.push_back(pki.makeIntermediate(cas.back(), "Long CA " + std::to_string(i)));
    }
    auto leaf = pki.makeLeaf(cas.back(), "long.example.test");
    std::vector<PathCandidate> extra;
    for (const auto& c : cas) {
      extra.push_back(sent(c));
    }
    auto anchors = AnchorSet::fromCertificates({root.cert});
    auto r = buildPaths(requestFor(leaf, extra, anchors.get()));
    CHECK(r.limit_reached);
    CHECK(r.firstValid() == nullptr);
    REQUIRE(r.best() != nullptr);
    CHECK(r.best()->end == PathEnd::Limit);
  }
  SECTION("the step bound holds on a mesh of cross-signed CAs") {
    // 12 CAs with one name pair each cross-signing all others: exponential paths, bounded.
    std::vector<Issued> roots;
    for (int i = 0; i < 6; ++i) {
      roots.push_back(pki.makeRoot("Mesh " + std::to_string(i)));
    }
    std::vector<PathCandidate> extra;
    for (size_t i = 0; i < roots.size(); ++i) {
      for (size_t j = 0; j < roots.size(); ++j) {
        if (i != j) {
          CertOptions key;
          key.reuse_key = &roots[i].key;
          extra.push_back(sent(pki.makeIntermediate(roots[j], "Mesh " + std::to_string(i), key)));
        }
      }
    }
    auto leaf = pki.makeLeaf(roots[0], "mesh.example.test");
    auto anchors = AnchorSet::fromCertificates({});
    PathBuildRequest req = requestFor(leaf, extra, anchors.get());
    req.limits.max_steps = 500;
    auto r = buildPaths(req);
    CHECK(r.firstValid() == nullptr);
    CHECK(r.paths.size() <= static_cast<size_t>(req.limits.max_paths));
  }
}

TEST_CASE("path builder: a look-alike issuer with another key is not an issuer",
          "[truststore][paths]") {
  TestPki pki(kNow);
  auto prod = pki.makeChain("Env");
  auto test_root = pki.makeRoot("Env Root CA");  // same name, another key
  auto anchors = AnchorSet::fromCertificates({test_root.cert});
  auto r = buildPaths(requestFor(prod.leaf, {sent(prod.intermediate)}, anchors.get()));
  CHECK(r.firstValid() == nullptr);
  REQUIRE(r.best() != nullptr);
  CHECK(r.best()->end == PathEnd::NoIssuer);
}

}  // namespace
}  // namespace trustctl::truststore

namespace trustctl::truststore {
namespace {

TEST_CASE("path builder: constraints of the issuers are named on the path", "[truststore][paths]") {
  TestPki pki(kNow);
  auto root = pki.makeRoot("Rules Root");
  auto anchors = AnchorSet::fromCertificates({root.cert});
  SECTION("name constraints that exclude the leaf's name") {
    CertOptions nc;
    nc.name_constraints = "critical,excluded;DNS:blocked.example.test";
    auto ca = pki.makeIntermediate(root, "Rules Constrained CA", nc);
    CertOptions names;
    names.sans = {"DNS:blocked.example.test"};
    auto leaf = pki.makeLeaf(ca, "blocked.example.test", names);
    auto r = buildPaths(requestFor(leaf, {sent(ca)}, anchors.get()));
    CHECK(r.firstValid() == nullptr);
    REQUIRE(r.best() != nullptr);
    CHECK(r.best()->end == PathEnd::Anchored);
    CHECK(hasError(*r.best(), PathErrorCode::NameConstraints));
  }
  SECTION("a sub-CA below pathlen:0") {
    CertOptions zero;
    zero.path_len = 0;
    auto ca = pki.makeIntermediate(root, "Rules Pathlen CA", zero);
    auto sub = pki.makeIntermediate(ca, "Rules Sub CA");
    auto leaf = pki.makeLeaf(sub, "sub.example.test");
    auto r = buildPaths(requestFor(leaf, {sent(sub), sent(ca)}, anchors.get()));
    REQUIRE(r.best() != nullptr);
    CHECK(hasError(*r.best(), PathErrorCode::PathLength));
  }
  SECTION("a leaf for clientAuth only") {
    auto ca = pki.makeIntermediate(root, "Rules Issuing CA");
    CertOptions client;
    client.eku = {"clientAuth"};
    auto leaf = pki.makeLeaf(ca, "client.example.test", client);
    auto request = requestFor(leaf, {sent(ca)}, anchors.get());
    CHECK(hasError(*buildPaths(request).best(), PathErrorCode::NotForServerAuth));
    request.require_server_auth = false;
    CHECK(buildPaths(request).firstValid() != nullptr);
  }
}

}  // namespace
}  // namespace trustctl::truststore
