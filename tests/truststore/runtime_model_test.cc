#include <catch2/catch.hpp>

#include "tests/support/test_pki.h"
#include "truststore/file_util.h"
#include "truststore/runtime_model.h"

using namespace trustctl;
using namespace trustctl::truststore;
using trustctl::testing::CertOptions;
using trustctl::testing::TestPki;

namespace {

CertificatePtr leafWith(TestPki& pki, const std::string& cn, std::vector<std::string> sans) {
  auto root = pki.makeRoot("Host Root");
  CertOptions o;
  o.no_san = sans.empty();
  o.sans = std::move(sans);
  return pki.makeLeaf(root, cn, o).cert;
}

bool matches(ConnectorRuntime r, const CertificatePtr& leaf, const std::string& host) {
  return runtimeMatchesHost(runtimeModel(r), *leaf, host);
}

}  // namespace

TEST_CASE("runtime models: names round-trip and every runtime has its own row", "[runtime-model]") {
  for (ConnectorRuntime r : allRuntimes()) {
    const RuntimeModel& m = runtimeModel(r);
    CAPTURE(m.name);
    CHECK(m.runtime == r);
    CHECK(runtimeName(r) == m.name);
    CHECK(runtimeFromName(m.name) == r);
    CHECK_FALSE(m.display.empty());
    CHECK_FALSE(m.loads.empty());
    CHECK_FALSE(m.explicit_trust.empty());
    CHECK(runtimeNameList().find(std::string(m.name)) != std::string::npos);
    CHECK(anchorRuleName(m.anchors) != "?");
    CHECK(pinRuleName(m.pinned_leaf) != "?");
    CHECK(cnFallbackName(m.cn_fallback) != "?");
    CHECK(ekuRuleName(m.eku) != "?");
  }
  CHECK_FALSE(runtimeFromName("perl").has_value());
  CHECK(runtimeNameList().rfind("trustctl, openssl, curl", 0) == 0);
}

TEST_CASE("the README's runtime model table is the one runtime_models.def generates",
          "[runtime-model]") {
  auto readme = readWholeFile(std::string(TRUSTCTL_SOURCE_DIR) + "/README.md");
  REQUIRE(readme);
  INFO("regenerate the block in README.md from truststore/runtime_models.def");
  CHECK(readme->find("<!-- runtime-models:begin -->\n" + runtimeModelTable() +
                     "<!-- runtime-models:end -->") != std::string::npos);
}

TEST_CASE("runtimeMatchesHost: SANs, wildcards and the CN as each runtime reads them",
          "[runtime-model]") {
  TestPki pki(1'800'000'000);
  SECTION("a DNS SAN and an IP SAN match everywhere, brackets and case aside") {
    auto leaf = leafWith(pki, "api.example.test", {"DNS:api.example.test", "IP:::1"});
    for (ConnectorRuntime r : allRuntimes()) {
      CHECK(matches(r, leaf, "API.example.test."));
      CHECK(matches(r, leaf, "[::1]"));
      CHECK(matches(r, leaf, "0:0::1"));
      CHECK_FALSE(matches(r, leaf, "127.0.0.1"));
      CHECK_FALSE(matches(r, leaf, "example.test"));
    }
  }
  SECTION("a wildcard covers one left-most label, and never a whole public suffix") {
    auto leaf = leafWith(pki, "x", {"DNS:*.example.test", "DNS:*.test"});
    for (ConnectorRuntime r : allRuntimes()) {
      CHECK(matches(r, leaf, "a.example.test"));
      CHECK_FALSE(matches(r, leaf, "a.b.example.test"));
      CHECK_FALSE(matches(r, leaf, "example.test"));
      CHECK_FALSE(matches(r, leaf, "other.test"));
    }
  }
  SECTION("partial-label wildcards only where the runtime takes them") {
    auto leaf = leafWith(pki, "x", {"DNS:a*.example.test", "DNS:xn--*.example.test"});
    CHECK(matches(ConnectorRuntime::Openssl, leaf, "abc.example.test"));
    CHECK(matches(ConnectorRuntime::Node, leaf, "a.example.test"));
    CHECK_FALSE(matches(ConnectorRuntime::Openssl, leaf, "xn--abc.example.test"));
    CHECK_FALSE(matches(ConnectorRuntime::Openssl, leaf, "b.example.test"));
    CHECK_FALSE(matches(ConnectorRuntime::Curl, leaf, "abc.example.test"));
    CHECK_FALSE(matches(ConnectorRuntime::Go, leaf, "abc.example.test"));
  }
  SECTION("the CN: by type for OpenSSL, only without DNS/IP SANs for curl, always for GnuTLS") {
    auto ip_san = leafWith(pki, "db.example.test", {"IP:10.0.0.1"});
    CHECK(matches(ConnectorRuntime::Python, ip_san, "db.example.test"));
    CHECK_FALSE(matches(ConnectorRuntime::Curl, ip_san, "db.example.test"));
    CHECK_FALSE(matches(ConnectorRuntime::Go, ip_san, "db.example.test"));
    auto other_san = leafWith(pki, "db.example.test", {"DNS:other.example.test"});
    CHECK(matches(ConnectorRuntime::Libldap, other_san, "db.example.test"));
    CHECK_FALSE(matches(ConnectorRuntime::Java, other_san, "db.example.test"));
    auto ip_cn = leafWith(pki, "10.0.0.1", {});
    CHECK(matches(ConnectorRuntime::Curl, ip_cn, "10.0.0.1"));
    CHECK(matches(ConnectorRuntime::Libldap, ip_cn, "10.0.0.1"));
    CHECK_FALSE(matches(ConnectorRuntime::Openssl, ip_cn, "10.0.0.1"));
    CHECK_FALSE(matches(ConnectorRuntime::Trustctl, ip_cn, "10.0.0.1"));
  }
}

TEST_CASE("judgeAsRuntime: verdict codes and sentences name the fault and the runtime",
          "[runtime-model]") {
  TestPki pki(1'800'000'000);
  auto c = pki.makeChain("Codes");
  std::vector<CertificatePtr> presented{c.leaf.cert, c.intermediate.cert};
  VerifyOptions at{pki.now(), "localhost"};
  auto judge = [&](ConnectorRuntime r, const std::vector<CertificatePtr>& trusted,
                   const std::vector<CertificatePtr>& sent, const std::string& host) {
    VerifyOptions o = at;
    o.host = host;
    return judgeAsRuntime(runtimeModel(r), sent, *AnchorSet::fromCertificates(trusted), o);
  };
  auto ok = judge(ConnectorRuntime::Curl, {c.root.cert}, presented, "localhost");
  CHECK(ok.code == "ok");
  CHECK(ok.sentence.find(std::string(runtimeModel(ConnectorRuntime::Curl).display)) == 0);
  auto inter = judge(ConnectorRuntime::Python, {c.intermediate.cert}, presented, "localhost");
  CHECK(inter.code == "needs_self_signed_root");
  CHECK(inter.sentence.find("Python") != std::string::npos);
  CHECK(judge(ConnectorRuntime::Node, {c.leaf.cert}, presented, "localhost").code ==
        "needs_self_signed_root");
  CHECK(judge(ConnectorRuntime::Libldap, {c.leaf.cert}, presented, "localhost").code ==
        "pin_not_used");
  CHECK(judge(ConnectorRuntime::Libldap, {c.leaf.cert}, {c.leaf.cert}, "localhost").accepted);
  CHECK(judge(ConnectorRuntime::Go, {c.root.cert}, presented, "other.test").code ==
        "hostname_mismatch");
  CHECK(judge(ConnectorRuntime::Curl, {c.root.cert}, {c.leaf.cert}, "localhost").code ==
        "untrusted");
  CHECK(
      judgeAsRuntime(runtimeModel(ConnectorRuntime::Java), {}, *AnchorSet::fromCertificates({}), at)
          .code == "untrusted");
  SECTION("a CN-only certificate is cn_only where the CN is ignored") {
    CertOptions o;
    o.no_san = true;
    auto cn_only = pki.makeLeaf(c.intermediate, "localhost", o).cert;
    auto go =
        judge(ConnectorRuntime::Go, {c.root.cert}, {cn_only, c.intermediate.cert}, "localhost");
    CHECK(go.code == "cn_only");
    CHECK(go.sentence.find("subjectAltName") != std::string::npos);
  }
  SECTION("path faults keep the path error names") {
    CertOptions o;
    o.not_before_offset = -30 * 86400;
    o.not_after_offset = -86400;
    auto expired = pki.makeLeaf(c.intermediate, "localhost", o).cert;
    CHECK(
        judge(ConnectorRuntime::Openssl, {c.root.cert}, {expired, c.intermediate.cert}, "localhost")
            .code == "expired");
    CertOptions weak;
    weak.key = testing::KeyType::Rsa1024;
    auto small = pki.makeLeaf(c.intermediate, "localhost", weak).cert;
    auto curl =
        judge(ConnectorRuntime::Curl, {c.root.cert}, {small, c.intermediate.cert}, "localhost");
    CHECK(curl.code == "weak_crypto");
    CHECK(curl.sentence.find("2048") != std::string::npos);
    CHECK(judge(ConnectorRuntime::Java, {c.root.cert}, {small, c.intermediate.cert}, "localhost")
              .accepted);
  }
}

TEST_CASE("installPlanFor: a self-signed-root runtime gets the missing intermediate and root",
          "[runtime-model]") {
  TestPki pki(1'800'000'000);
  auto c = pki.makeChain("Plan");
  std::vector<CertificatePtr> path{c.leaf.cert, c.intermediate.cert, c.root.cert};
  const RuntimeModel& python = runtimeModel(ConnectorRuntime::Python);
  SECTION("the server does not send its intermediate") {
    auto plan = installPlanFor(python, path, {c.leaf.cert});
    REQUIRE(plan.possible);
    REQUIRE(plan.install.size() == 2);
    CHECK(plan.install[0]->sha256() == c.intermediate.cert->sha256());
    CHECK(plan.install[1]->sha256() == c.root.cert->sha256());
    CHECK(plan.reason.find("whole chain") != std::string::npos);
    // The plan is what the model then accepts.
    auto trusted = AnchorSet::fromCertificates(plan.install);
    CHECK(judgeAsRuntime(python, {c.leaf.cert}, *trusted, {pki.now(), "localhost"}).accepted);
  }
  SECTION("the server sends its chain: the root alone") {
    auto plan = installPlanFor(python, path, {c.leaf.cert, c.intermediate.cert});
    REQUIRE(plan.possible);
    REQUIRE(plan.install.size() == 1);
    CHECK(plan.install[0]->sha256() == c.root.cert->sha256());
    CHECK(plan.reason.empty());
  }
  SECTION("a path that stops below the root cannot be trusted by it") {
    auto plan = installPlanFor(python, {c.leaf.cert, c.intermediate.cert}, {c.leaf.cert});
    CHECK_FALSE(plan.possible);
    CHECK(plan.install.empty());
    CHECK(plan.reason.find("self-signed root") != std::string::npos);
    CHECK(installPlanFor(runtimeModel(ConnectorRuntime::Curl), {c.leaf.cert, c.intermediate.cert},
                         {c.leaf.cert})
              .possible);
  }
  SECTION("libldap takes no pin; curl and Java do") {
    CHECK_FALSE(installPlanFor(runtimeModel(ConnectorRuntime::Libldap), {c.leaf.cert},
                               {c.leaf.cert, c.intermediate.cert})
                    .possible);
    CHECK(installPlanFor(runtimeModel(ConnectorRuntime::Java), {c.leaf.cert}, {c.leaf.cert})
              .possible);
    CHECK_FALSE(installPlanFor(python, {}, {c.leaf.cert}).possible);
  }
}

TEST_CASE("whyRuntimeCannotAnchor: intermediates and pins per runtime", "[runtime-model]") {
  TestPki pki(1'800'000'000);
  auto c = pki.makeChain("Why");
  for (ConnectorRuntime r : allRuntimes()) {
    CAPTURE(runtimeName(r));
    CHECK(whyRuntimeCannotAnchor(runtimeModel(r), *c.root.cert).empty());
  }
  auto why = [&](ConnectorRuntime r, const CertificatePtr& cert) {
    return whyRuntimeCannotAnchor(runtimeModel(r), *cert);
  };
  CHECK(why(ConnectorRuntime::Openssl, c.intermediate.cert).find("self-signed root") !=
        std::string::npos);
  CHECK_FALSE(why(ConnectorRuntime::Node, c.leaf.cert).empty());
  CHECK(why(ConnectorRuntime::Curl, c.intermediate.cert).empty());
  CHECK(why(ConnectorRuntime::Libldap, c.intermediate.cert).empty());
  CHECK(why(ConnectorRuntime::Libldap, c.leaf.cert).find("pinned") != std::string::npos);
  CHECK(why(ConnectorRuntime::Java, c.leaf.cert).empty());
  CHECK(why(ConnectorRuntime::Go, c.leaf.cert).empty());
}
