// The chain cases of differential_cases.h. Each case builds only what it needs from one
// TestPki; EC P-256 unless the case is about RSA.
#include "tests/support/differential_cases.h"

#include <openssl/x509v3.h>

#include <utility>

#include "tests/support/test_pki_edit.h"

namespace trustctl::testing {

namespace {

constexpr std::int64_t kDay = 86400;

class Cases {
 public:
  explicit Cases(TestPki& pki) : pki_(pki) {}

  std::vector<DifferentialCase> take() { return std::move(out_); }

  void add(std::string name, const Issued& leaf, std::vector<CertificatePtr> untrusted,
           std::vector<CertificatePtr> anchors, std::string host = "") {
    out_.push_back(
        {std::move(name), leaf.cert, std::move(untrusted), std::move(anchors), std::move(host)});
  }

  // root -> intermediate -> leaf "a.example.test", the intermediate sent, the root trusted.
  void chain(const std::string& name, CertOptions leaf_opts = {}, CertOptions inter_opts = {},
             CertOptions root_opts = {}, const std::string& host = "") {
    Issued root = pki_.makeRoot(name + " Root", root_opts);
    Issued inter = pki_.makeIntermediate(root, name + " CA", inter_opts);
    Issued leaf = pki_.makeLeaf(inter, "a.example.test", leaf_opts);
    add(name, leaf, {inter.cert}, {root.cert}, host);
  }

  // A leaf named by `sans` (or its CN only when empty) checked against `host`.
  void host(const std::string& name, std::vector<std::string> sans, const std::string& host) {
    CertOptions o;
    o.sans = std::move(sans);
    o.no_san = o.sans.empty();
    Issued root = pki_.makeRoot(name + " Root");
    Issued leaf = pki_.makeLeaf(root, "a.example.test", o);
    add(name, leaf, {}, {root.cert}, host);
  }

  // An intermediate whose extension `nid` is `value`, or removed when `value` is "",
  // re-signed by the root. The leaf is issued with the original's name and key, which the
  // edited copy shares.
  void interExtension(const std::string& name, int nid, const std::string& value) {
    Issued root = pki_.makeRoot(name + " Root");
    Issued original = pki_.makeIntermediate(root, name + " CA");
    Issued inter = value.empty() ? withoutExtension(original, root, nid)
                                 : withExtension(original, root, nid, value);
    Issued leaf = pki_.makeLeaf(original, "a.example.test");
    add(name, leaf, {inter.cert}, {root.cert});
  }

  // A leaf whose extension `nid` is `value`, or removed when `value` is "".
  void leafExtension(const std::string& name, int nid, const std::string& value) {
    Issued root = pki_.makeRoot(name + " Root");
    Issued inter = pki_.makeIntermediate(root, name + " CA");
    Issued leaf = pki_.makeLeaf(inter, "a.example.test");
    leaf =
        value.empty() ? withoutExtension(leaf, inter, nid) : withExtension(leaf, inter, nid, value);
    add(name, leaf, {inter.cert}, {root.cert});
  }

  // An intermediate with `constraints` issuing a leaf named `sans`.
  void constrained(const std::string& name, const std::string& constraints,
                   std::vector<std::string> sans, bool no_san = false) {
    CertOptions ca;
    ca.name_constraints = constraints;
    CertOptions leaf;
    leaf.sans = std::move(sans);
    leaf.no_san = no_san;
    Issued root = pki_.makeRoot(name + " Root");
    Issued inter = pki_.makeIntermediate(root, name + " CA", ca);
    Issued l = pki_.makeLeaf(inter, no_san ? "other.test" : "a.example.test", leaf);
    add(name, l, {inter.cert}, {root.cert});
  }

  TestPki& pki() { return pki_; }

 private:
  TestPki& pki_;
  std::vector<DifferentialCase> out_;
};

CertOptions validity(std::int64_t not_before, std::int64_t not_after) {
  CertOptions o;
  o.not_before_offset = not_before;
  o.not_after_offset = not_after;
  return o;
}

CertOptions keyed(KeyType key, const std::string& digest = "sha256") {
  CertOptions o;
  o.key = key;
  o.digest = digest;
  return o;
}

void validChains(Cases& c) {
  TestPki& pki = c.pki();
  Issued root = pki.makeRoot("Direct Root");
  c.add("valid-ec-no-intermediate", pki.makeLeaf(root, "a.example.test"), {}, {root.cert});
  c.chain("valid-ec-intermediate");
  c.chain("valid-rsa-intermediate", keyed(KeyType::Rsa2048), keyed(KeyType::Rsa2048),
          keyed(KeyType::Rsa2048));
  c.chain("valid-rsa-root-ec-leaf", {}, {}, keyed(KeyType::Rsa2048));
  Issued top = pki.makeRoot("Ladder Root");
  auto ladder = pki.makeCaLadder(top, "Ladder CA", 3);
  Issued deep = pki.makeLeaf(ladder[2], "a.example.test");
  c.add("valid-three-intermediates-in-order", deep,
        {ladder[2].cert, ladder[1].cert, ladder[0].cert}, {top.cert});
  c.add("valid-three-intermediates-out-of-order", deep,
        {ladder[0].cert, ladder[2].cert, ladder[1].cert}, {top.cert});
  Issued stray = pki.makeRoot("Stray Root");
  c.add("valid-with-unrelated-extra", deep,
        {stray.cert, ladder[1].cert, ladder[2].cert, ladder[0].cert}, {top.cert});
  c.add("valid-root-also-sent", deep, {ladder[2].cert, ladder[1].cert, ladder[0].cert, top.cert},
        {top.cert});
  c.add("missing-intermediate", deep, {ladder[2].cert, ladder[0].cert}, {top.cert});
}

void validityCases(Cases& c) {
  c.chain("leaf-expired", validity(-30 * kDay, -kDay));
  c.chain("leaf-not-yet-valid", validity(kDay, 30 * kDay));
  c.chain("leaf-not-after-is-now", validity(-30 * kDay, 0));
  c.chain("leaf-not-before-is-now", validity(0, 30 * kDay));
  c.chain("intermediate-expired", {}, validity(-300 * kDay, -kDay));
  c.chain("intermediate-not-yet-valid", {}, validity(kDay, 300 * kDay));
  c.chain("root-expired", {}, {}, validity(-900 * kDay, -kDay));
  c.chain("root-not-yet-valid", {}, {}, validity(kDay, 900 * kDay));
}

void trustCases(Cases& c) {
  TestPki& pki = c.pki();
  Issued root = pki.makeRoot("Partial Root");
  Issued inter = pki.makeIntermediate(root, "Partial CA");
  Issued leaf = pki.makeLeaf(inter, "a.example.test");
  c.add("trusted-intermediate", leaf, {}, {inter.cert});
  c.add("trusted-intermediate-root-sent", leaf, {inter.cert, root.cert}, {inter.cert});
  c.add("trusted-leaf-pin", leaf, {}, {leaf.cert});
  c.add("trusted-leaf-pin-chain-sent", leaf, {inter.cert, root.cert}, {leaf.cert});
  Issued self = pki.makeSelfSignedLeaf("a.example.test");
  c.add("trusted-self-signed-leaf", self, {}, {self.cert});
  c.add("untrusted-self-signed-leaf", self, {}, {root.cert});
  Issued other = pki.makeRoot("Other Root");
  c.add("untrusted-root-sent", leaf, {inter.cert, root.cert}, {other.cert});
  c.add("untrusted-no-root", leaf, {inter.cert}, {other.cert});
  Issued old_root = pki.makeRoot("Old Root", validity(-900 * kDay, -kDay));
  Issued old_inter = pki.makeIntermediate(old_root, "Old Root CA");
  Issued old_leaf = pki.makeLeaf(old_inter, "a.example.test");
  c.add("trusted-intermediate-under-expired-trusted-root", old_leaf, {},
        {old_inter.cert, old_root.cert});
  Issued dead_inter = pki.makeIntermediate(root, "Dead Partial CA", validity(-300 * kDay, -kDay));
  c.add("trusted-expired-intermediate-root-trusted", pki.makeLeaf(dead_inter, "a.example.test"), {},
        {dead_inter.cert, root.cert});
  Issued reissued = pki.reissueRoot(old_root, "Old Root");
  c.add("expired-root-and-its-reissue-trusted", old_leaf, {old_inter.cert},
        {old_root.cert, reissued.cert});
}

// ISRG Root X1 / DST Root CA X3: a new root, cross-signed by an old one.
void crossCases(Cases& c) {
  TestPki& pki = c.pki();
  Issued old_root = pki.makeRoot("DST Like Root", validity(-3000 * kDay, 3000 * kDay));
  Issued new_root = pki.makeRoot("ISRG Like Root");
  Issued cross = pki.crossSign(old_root, new_root, "ISRG Like Root");
  Issued inter = pki.makeIntermediate(new_root, "R3 Like CA");
  Issued leaf = pki.makeLeaf(inter, "a.example.test");
  c.add("cross-signed-trust-old-root", leaf, {inter.cert, cross.cert}, {old_root.cert});
  c.add("cross-signed-trust-new-root", leaf, {inter.cert, cross.cert}, {new_root.cert});
  c.add("cross-signed-trust-both", leaf, {inter.cert, cross.cert}, {old_root.cert, new_root.cert});
  Issued dead_old = pki.makeRoot("Dead Old Root", validity(-3000 * kDay, -kDay));
  Issued cross2 = pki.crossSign(dead_old, new_root, "ISRG Like Root");
  c.add("cross-signed-old-root-expired-new-trusted", leaf, {inter.cert, cross2.cert},
        {dead_old.cert, new_root.cert});
  c.add("cross-signed-old-root-expired-only", leaf, {inter.cert, cross2.cert}, {dead_old.cert});
}

void caCases(Cases& c) {
  CertOptions not_ca;
  not_ca.force_not_ca = true;
  c.chain("issuer-ca-false", {}, not_ca);
  c.chain("root-ca-false", {}, {}, not_ca);
  CertOptions path0;
  path0.path_len = 0;
  c.chain("pathlen0-issues-leaf", {}, path0);
  TestPki& pki = c.pki();
  Issued root = pki.makeRoot("Pathlen Root");
  Issued inter = pki.makeIntermediate(root, "Pathlen 0 CA", path0);
  Issued sub = pki.makeIntermediate(inter, "Pathlen Sub CA");
  c.add("pathlen0-with-sub-ca", pki.makeLeaf(sub, "a.example.test"), {sub.cert, inter.cert},
        {root.cert});
  Issued root0 = pki.makeRoot("Root Pathlen 0", path0);
  Issued below = pki.makeIntermediate(root0, "Below Pathlen Root CA");
  c.add("root-pathlen0-with-intermediate", pki.makeLeaf(below, "a.example.test"), {below.cert},
        {root0.cert});
  CertOptions leaf_ca;
  leaf_ca.ca = true;
  c.chain("leaf-is-ca", leaf_ca);
  c.interExtension("issuer-without-keycertsign", NID_key_usage, "critical,digitalSignature");
  c.interExtension("issuer-bc-not-critical", NID_basic_constraints, "CA:TRUE");
  c.leafExtension("leaf-without-aki", NID_authority_key_identifier, "");
  c.interExtension("issuer-without-ski", NID_subject_key_identifier, "");
  c.leafExtension("leaf-keyusage-keycertsign-only", NID_key_usage, "critical,keyCertSign");
  c.leafExtension("leaf-without-keyusage", NID_key_usage, "");
  c.leafExtension("leaf-without-bc", NID_basic_constraints, "");
}

void ekuCases(Cases& c) {
  CertOptions client;
  client.eku = {"clientAuth"};
  c.chain("leaf-eku-client-only", client);
  CertOptions server;
  server.eku = {"serverAuth"};
  c.chain("leaf-eku-server-only", server);
  CertOptions any;
  any.eku = {"anyExtendedKeyUsage"};
  c.chain("leaf-eku-any", any);
  c.interExtension("intermediate-eku-client-only", NID_ext_key_usage, "clientAuth");
  c.interExtension("intermediate-eku-server", NID_ext_key_usage, "serverAuth,clientAuth");
  TestPki& pki = c.pki();
  Issued root = pki.makeRoot("EKU Root");
  Issued eku_root = withExtension(root, root, NID_ext_key_usage, "clientAuth");
  Issued inter = pki.makeIntermediate(root, "EKU Root CA");
  c.add("trusted-root-eku-client-only", pki.makeLeaf(inter, "a.example.test"), {inter.cert},
        {eku_root.cert});
}

void nameConstraintCases(Cases& c) {
  c.constrained("nc-permitted-dns-inside", "critical,permitted;DNS:example.test",
                {"DNS:a.example.test"});
  c.constrained("nc-permitted-dns-outside", "critical,permitted;DNS:example.test",
                {"DNS:a.other.test"});
  c.constrained("nc-excluded-dns-hit", "critical,excluded;DNS:example.test",
                {"DNS:a.example.test"});
  c.constrained("nc-excluded-dns-miss", "critical,excluded;DNS:other.test", {"DNS:a.example.test"});
  c.constrained("nc-permitted-ip-inside", "critical,permitted;IP:127.0.0.0/255.0.0.0",
                {"IP:127.0.0.1"});
  c.constrained("nc-permitted-ip-outside", "critical,permitted;IP:10.0.0.0/255.0.0.0",
                {"IP:127.0.0.1"});
  c.constrained("nc-excluded-ip-hit", "critical,excluded;IP:127.0.0.1/255.255.255.255",
                {"IP:127.0.0.1"});
  c.constrained("nc-permitted-dns-cn-only-leaf", "critical,permitted;DNS:example.test", {}, true);
  c.constrained("nc-permitted-dns-ip-san-leaf", "critical,permitted;DNS:example.test",
                {"IP:127.0.0.1"});
  TestPki& pki = c.pki();
  CertOptions nc;
  nc.name_constraints = "critical,permitted;DNS:example.test";
  Issued root = pki.makeRoot("NC Root", nc);
  Issued inter = pki.makeIntermediate(root, "NC Root CA");
  CertOptions out;
  out.sans = {"DNS:a.other.test"};
  c.add("nc-on-trusted-root-outside", pki.makeLeaf(inter, "a.other.test", out), {inter.cert},
        {root.cert});
}

void hostCases(Cases& c) {
  c.host("host-san-match", {"DNS:a.example.test"}, "a.example.test");
  c.host("host-san-match-case", {"DNS:a.example.test"}, "A.Example.TEST");
  c.host("host-san-mismatch", {"DNS:a.example.test"}, "b.example.test");
  c.host("host-cn-only", {}, "a.example.test");
  c.host("host-wildcard-one-label", {"DNS:*.example.test"}, "a.example.test");
  c.host("host-wildcard-two-labels", {"DNS:*.example.test"}, "b.a.example.test");
  c.host("host-wildcard-apex", {"DNS:*.example.test"}, "example.test");
  c.host("host-partial-wildcard", {"DNS:a*.example.test"}, "ab.example.test");
  c.host("host-ip-san", {"IP:127.0.0.1"}, "127.0.0.1");
  c.host("host-ip-san-mismatch", {"IP:127.0.0.1"}, "127.0.0.2");
  c.host("host-ip-only-dns-san", {"DNS:localhost"}, "127.0.0.1");
  c.host("host-ip-as-dns-san", {"DNS:127.0.0.1"}, "127.0.0.1");
  c.host("host-ipv6-san", {"IP:::1"}, "::1");
}

void cryptoCases(Cases& c) {
  TestPki& pki = c.pki();
  Issued root = pki.makeRoot("Signature Root");
  Issued inter = pki.makeIntermediate(root, "Signature CA");
  Issued leaf = pki.makeLeaf(inter, "a.example.test");
  c.add("leaf-bad-signature", Issued{withBadSignature(leaf.cert), leaf.key}, {inter.cert},
        {root.cert});
  c.add("intermediate-bad-signature", leaf, {withBadSignature(inter.cert)}, {root.cert});
  CertOptions unknown;
  unknown.unknown_critical_oids = {"1.3.6.1.4.1.55555.1"};
  c.chain("leaf-unknown-critical", unknown);
  c.chain("intermediate-unknown-critical", {}, unknown);
  c.chain("leaf-sha1", keyed(KeyType::EcP256, "sha1"));
  c.chain("intermediate-sha1", {}, keyed(KeyType::EcP256, "sha1"));
  c.chain("root-sha1-self-signature", {}, {}, keyed(KeyType::EcP256, "sha1"));
  c.chain("leaf-rsa-sha1", keyed(KeyType::Rsa2048, "sha1"), keyed(KeyType::Rsa2048));
  c.chain("leaf-rsa1024", keyed(KeyType::Rsa1024));
  c.chain("root-rsa1024", {}, {}, keyed(KeyType::Rsa1024));
}

}  // namespace

std::vector<DifferentialCase> makeDifferentialCases(TestPki& pki) {
  Cases c(pki);
  validChains(c);
  validityCases(c);
  trustCases(c);
  crossCases(c);
  caCases(c);
  ekuCases(c);
  nameConstraintCases(c);
  hostCases(c);
  cryptoCases(c);
  return c.take();
}

}  // namespace trustctl::testing
