// The runtime models against what the real runtimes did: each row below was observed on
// Debian 12 (OpenSSL 3.0 s_client, curl 7.88, JDK 17 JSSE, Python 3.11 ssl, Node 20 tls,
// OpenLDAP 2.5 ldapsearch on GnuTLS, Go 1.19) against a loopback server presenting that chain.
// The automated differential matrix re-measures them; these rows keep the model pure-tested.

#include <map>

#include <catch2/catch.hpp>

#include "tests/support/test_pki.h"
#include "truststore/runtime_model.h"

using namespace trustctl;
using namespace trustctl::truststore;
using trustctl::testing::CertOptions;
using trustctl::testing::Issued;
using trustctl::testing::KeyType;
using trustctl::testing::TestPki;

namespace {

constexpr std::int64_t kDay = 86400;

// The runtimes of a row's verdict string, in its order: 'A' accepts, 'r' refuses, '-' was not
// measured (libldap needs a name the resolver knows, so the wildcard rows skip it).
constexpr ConnectorRuntime kOrder[] = {ConnectorRuntime::Openssl, ConnectorRuntime::Curl,
                                       ConnectorRuntime::Java,    ConnectorRuntime::Python,
                                       ConnectorRuntime::Node,    ConnectorRuntime::Libldap,
                                       ConnectorRuntime::Go};

struct World {
  TestPki pki{1'800'000'000};
  Issued root, inter, inter_sha1, other, root_expired, inter_expired;
  std::map<std::string, std::vector<CertificatePtr>> presented;

  World() {
    root = pki.makeRoot("Rt Root");
    inter = pki.makeIntermediate(root, "Rt Intermediate");
    CertOptions sha1;
    sha1.digest = "sha1";
    sha1.reuse_key = &inter.key;
    inter_sha1 = pki.makeIntermediate(root, "Rt Intermediate", sha1);
    other = pki.makeRoot("Other Root");
    CertOptions gone;
    gone.not_before_offset = -60 * kDay;
    gone.not_after_offset = -kDay;
    root_expired = pki.reissueRoot(root, "Rt Root", gone);
    inter_expired = pki.crossSign(root, inter, "Rt Intermediate", gone);
    const std::vector<std::string> full{"DNS:server.test", "IP:127.0.0.1"};
    auto leaf = [&](const std::string& cn, CertOptions o) {
      if (o.sans.empty() && !o.no_san) {
        o.sans = full;
      }
      return pki.makeLeaf(inter, cn, o).cert;
    };
    auto with = [&](auto edit) {
      CertOptions o;
      edit(o);
      return o;
    };
    CertificatePtr valid = leaf("server.test", {});
    presented["valid"] = {valid, inter.cert};
    presented["missing"] = {valid};
    presented["leaf_root"] = {valid, inter.cert, root.cert};
    presented["sha1int"] = {valid, inter_sha1.cert};
    auto expired = leaf("server.test", with([](CertOptions& o) {
                          o.not_before_offset = -30 * kDay;
                          o.not_after_offset = -kDay;
                        }));
    presented["expired"] = {expired, inter.cert};
    presented["expired_alone"] = {expired};
    auto rsa1024 = leaf("server.test", with([](CertOptions& o) { o.key = KeyType::Rsa1024; }));
    presented["rsa1024"] = {rsa1024, inter.cert};
    presented["rsa1024_alone"] = {rsa1024};
    auto sha1leaf = leaf("server.test", with([](CertOptions& o) { o.digest = "sha1"; }));
    presented["sha1leaf"] = {sha1leaf, inter.cert};
    presented["sha1leaf_alone"] = {sha1leaf};
    auto client = leaf("server.test", with([](CertOptions& o) { o.eku = {"clientAuth"}; }));
    presented["eku_client"] = {client, inter.cert};
    presented["ekuc_alone"] = {client};
    auto named = [&](const std::string& name, const std::string& cn,
                     std::vector<std::string> sans) {
      CertOptions o;
      o.no_san = sans.empty();
      o.sans = std::move(sans);
      presented[name] = {leaf(cn, o), inter.cert};
    };
    named("mismatch", "other.test", {"DNS:other.test", "IP:10.9.9.9"});
    named("cnonly_dns", "server.test", {});
    named("cnonly_ip", "127.0.0.1", {});
    named("ipsan_cn", "server.test", {"IP:127.0.0.1"});
    named("dnssan_cnip", "127.0.0.1", {"DNS:server.test"});
    named("othersan_cn", "server.test", {"DNS:other.test", "IP:10.9.9.9"});
    named("partialwc", "ab.example.test", {"DNS:a*.example.test"});
    named("wholewc", "x.example.test", {"DNS:*.example.test"});
  }

  std::vector<CertificatePtr> trust(const std::string& server, const std::string& t) {
    bool sha1 = server == "sha1int";
    const Issued& i = sha1 ? inter_sha1 : inter;
    if (t == "root") {
      return {root.cert};
    }
    if (t == "inter") {
      return {i.cert};
    }
    if (t == "inter_root") {
      return {i.cert, root.cert};
    }
    if (t == "pin") {
      return {presented.at(server).front()};
    }
    if (t == "root_expired") {
      return {root_expired.cert};
    }
    if (t == "inter_expired") {
      return {inter_expired.cert};
    }
    return {other.cert};
  }
};

struct Row {
  const char* server;
  const char* trust;
  const char* host;
  const char* verdicts;  // kOrder
};

// clang-format off
constexpr Row kObserved[] = {
    {"valid", "root", "server.test", "AAAAAAA"},
    {"valid", "inter", "server.test", "rAArrAA"},
    {"valid", "pin", "server.test", "rAArrrA"},
    {"valid", "other", "server.test", "rrrrrrr"},
    {"valid", "inter_root", "server.test", "AAAAAAA"},
    {"missing", "root", "server.test", "rrrrrrr"},
    {"missing", "inter", "server.test", "rAArrAA"},
    {"missing", "pin", "server.test", "rAArrAA"},
    {"missing", "inter_root", "server.test", "AAAAAAA"},
    {"expired", "root", "server.test", "rrrrrrr"},
    {"expired", "inter", "server.test", "rrrrrrr"},
    {"expired", "pin", "server.test", "rrArrrr"},
    {"expired", "inter_root", "server.test", "rrrrrrr"},
    {"rsa1024", "root", "server.test", "rrArAAA"},
    {"rsa1024", "inter", "server.test", "rrArrAA"},
    {"rsa1024", "pin", "server.test", "rrArrrA"},
    {"rsa1024", "inter_root", "server.test", "rrArAAA"},
    {"sha1int", "root", "server.test", "rrArrrr"},
    {"sha1int", "inter", "server.test", "rAArrAA"},
    {"sha1int", "pin", "server.test", "rAArrrA"},
    {"sha1int", "inter_root", "server.test", "rAArrAA"},
    {"sha1leaf", "root", "server.test", "rrArrrr"},
    {"sha1leaf", "inter", "server.test", "rrArrrr"},
    {"sha1leaf", "pin", "server.test", "rrArrrA"},
    {"sha1leaf", "inter_root", "server.test", "rrArrrr"},
    {"eku_client", "root", "server.test", "rrrrrAr"},
    {"eku_client", "inter", "server.test", "rrrrrAr"},
    {"eku_client", "pin", "server.test", "rrArrrr"},
    {"eku_client", "inter_root", "server.test", "rrrrrAr"},
    {"valid", "root", "127.0.0.1", "AAAAAAA"},
    {"valid", "pin", "127.0.0.1", "rAArrrA"},
    {"mismatch", "root", "server.test", "rrrrrrr"},
    {"mismatch", "root", "127.0.0.1", "rrrrrrr"},
    {"cnonly_dns", "root", "server.test", "AAAAAAr"},
    {"cnonly_ip", "root", "127.0.0.1", "rArrrAr"},
    {"ipsan_cn", "root", "server.test", "ArAAAAr"},
    {"dnssan_cnip", "root", "127.0.0.1", "rrrrrAr"},
    {"othersan_cn", "root", "server.test", "rrrrrAr"},
    {"partialwc", "root", "ab.example.test", "ArArA-r"},
    {"wholewc", "root", "x.example.test", "AAAAA-A"},
    {"wholewc", "root", "a.b.example.test", "rrrrr-r"},
    {"mismatch", "pin", "server.test", "rrrrrrr"},
    {"cnonly_dns", "pin", "server.test", "rAArrrr"},
    {"valid", "root_expired", "server.test", "rrArrrr"},
    {"valid", "inter_expired", "server.test", "rrArrrr"},
    {"missing", "inter_expired", "server.test", "rrArrrr"},
    {"expired_alone", "pin", "server.test", "rrArrrr"},
    {"ekuc_alone", "pin", "server.test", "rrArrAr"},
    {"sha1leaf_alone", "pin", "server.test", "-----A-"},
    {"rsa1024_alone", "pin", "server.test", "-----A-"},
    {"leaf_root", "pin", "server.test", "rAArrrA"},
    {"leaf_root", "root", "server.test", "AAAAAAA"},
};
// clang-format on

}  // namespace

TEST_CASE("judgeAsRuntime: every runtime decides each observed cell as the real one did",
          "[runtime-model]") {
  World w;
  for (const Row& row : kObserved) {
    auto anchors = AnchorSet::fromCertificates(w.trust(row.server, row.trust));
    VerifyOptions options{w.pki.now(), row.host};
    for (size_t k = 0; k < std::size(kOrder); ++k) {
      if (row.verdicts[k] == '-') {
        continue;
      }
      const RuntimeModel& model = runtimeModel(kOrder[k]);
      RuntimeVerdict v = judgeAsRuntime(model, w.presented.at(row.server), *anchors, options);
      INFO(row.server << " / trust " << row.trust << " / " << row.host << ": " << model.name
                      << " said " << v.code << " (" << v.sentence << ")");
      CHECK(v.accepted == (row.verdicts[k] == 'A'));
      CHECK(v.runtime == model.runtime);
      CHECK(v.accepted == (v.code == "ok"));
    }
  }
}

TEST_CASE("judgeAsRuntime: the trustctl model is trustctl's own verification", "[runtime-model]") {
  World w;
  const RuntimeModel& model = runtimeModel(ConnectorRuntime::Trustctl);
  for (const Row& row : kObserved) {
    auto anchors = AnchorSet::fromCertificates(w.trust(row.server, row.trust));
    VerifyOptions options{w.pki.now(), row.host};
    const auto& presented = w.presented.at(row.server);
    INFO(row.server << " / trust " << row.trust << " / " << row.host);
    CHECK(judgeAsRuntime(model, presented, *anchors, options).accepted ==
          verifyChain(presented, *anchors, options).ok);
  }
}
