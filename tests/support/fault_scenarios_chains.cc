// The table's third part: chains whose shape is the fault. Cross-signed roots (the ISRG X1 /
// expired DST Root X3 shape), a root re-issued with its key, deep chains, an issuer nobody has,
// and hostile chains (a loop, hundreds of certificates) that must end within a bound.
#include "tests/support/fault_scenarios.h"
#include "tests/support/servers.h"

namespace trustctl::testing {

using probes::DiagnosisCode;
using probes::FetchPurpose;

namespace {

constexpr std::int64_t kDay = 86400;
constexpr std::int64_t kYear = 365 * kDay;

CertOptions expiredCa(const std::string& organization = "") {
  CertOptions o;
  o.not_before_offset = -20 * kYear;
  o.not_after_offset = -kDay;
  o.organization = organization;
  return o;
}

CertOptions organization(const std::string& o) {
  CertOptions opts;
  opts.organization = o;
  return opts;
}

// leaf <- R3 <- X1-cross-signed-by-X3; X3 expired; X1 self-signed known to the catalog.
ScenarioSetup crossSigned(TestPki& pki) {
  auto old_root = pki.makeRoot("Scenario Root X3", expiredCa("Scenario Trust Co."));
  auto new_root = pki.makeRoot("Scenario Root X1", organization("Scenario Research Group"));
  auto cross = pki.crossSign(old_root, new_root, "Scenario Root X1",
                             organization("Scenario Research Group"));
  auto r3 = pki.makeIntermediate(new_root, "Scenario R3", organization("Scenario Encrypt"));
  auto leaf = pki.makeLeaf(r3, "localhost", loopbackLeafOptions());
  ScenarioSetup s;
  s.chain = {leaf.cert, r3.cert, cross.cert};
  s.key = leaf.key;
  s.catalog = {old_root.cert, new_root.cert};
  s.fix = Fix::InstallRecommended;
  s.recommended = new_root.cert;
  s.recommended_kind = "root";
  return s;
}

// The connector trusts a root that expired; the same subject and key, re-issued, is known.
ScenarioSetup reissuedRoot(TestPki& pki) {
  auto old_root = pki.makeRoot("Reissue Root CA", expiredCa());
  auto new_root = pki.reissueRoot(old_root, "Reissue Root CA");
  auto inter = pki.makeIntermediate(old_root, "Reissue Issuing CA");
  auto leaf = pki.makeLeaf(inter, "localhost", loopbackLeafOptions());
  ScenarioSetup s;
  s.chain = {leaf.cert, inter.cert};
  s.key = leaf.key;
  s.trusted = {old_root.cert};
  s.catalog = {new_root.cert};
  s.fix = Fix::InstallRecommended;
  s.recommended = new_root.cert;
  s.recommended_kind = "root";
  return s;
}

// root -> (n - 2) CAs -> leaf, all n sent, leaf first.
struct Deep {
  Issued root, leaf;
  std::vector<CertificatePtr> chain;
};

Deep deepChain(TestPki& pki, const std::string& prefix, int n) {
  Deep d;
  d.root = pki.makeRoot(prefix + " Root CA");
  auto cas = pki.makeCaLadder(d.root, prefix + " CA", n - 2);
  d.leaf = pki.makeLeaf(cas.back(), "localhost", loopbackLeafOptions());
  d.chain = {d.leaf.cert};
  for (auto it = cas.rbegin(); it != cas.rend(); ++it) {
    d.chain.push_back(it->cert);
  }
  d.chain.push_back(d.root.cert);
  return d;
}

ScenarioSetup deepUntrusted(TestPki& pki) {
  auto d = deepChain(pki, "Deep", 25);
  ScenarioSetup s;
  s.chain = d.chain;
  s.key = d.leaf.key;
  s.catalog = {d.root.cert};
  s.fix = Fix::InstallRecommended;
  s.recommended = d.root.cert;
  s.recommended_kind = "root";
  return s;
}

ScenarioSetup hostileDeep(TestPki& pki, int n) {
  auto d = deepChain(pki, "Hostile", n);
  ScenarioSetup s;
  s.chain = d.chain;
  s.key = d.leaf.key;
  s.fix = Fix::NotApplicable;  // the point is the bound: the probe ends, and says why
  s.probe_args = {"--timeout", "10"};
  return s;
}

// The server sends only its leaf; its issuer is nowhere, and the AIA URL is a closed port.
ScenarioSetup deadAia(TestPki& pki) {
  auto root = pki.makeRoot("Deadaia Root CA");
  auto inter = pki.makeIntermediate(root, "Deadaia Issuing CA");
  std::string url = "http://127.0.0.1:" + std::to_string(closedLoopbackPort()) + "/issuer.cer";
  auto o = loopbackLeafOptions();
  o.aia_ca_issuers = {url};
  auto leaf = pki.makeLeaf(inter, "localhost", o);
  ScenarioSetup s;
  s.chain = {leaf.cert};
  s.key = leaf.key;
  s.trusted = {root.cert};
  s.fix = Fix::NothingFound;
  s.replay.fetched = {
      {FetchPurpose::CaIssuers, url, leaf.cert->sha256(), "", "connection refused"}};
  s.probe_args = {"--timeout", "5"};
  return s;
}

// A certifies B and B certifies A: a path builder that does not remember where it has been
// walks forever.
ScenarioSetup chainLoop(TestPki& pki) {
  auto b_root = pki.makeRoot("Loop B CA");
  auto a = pki.makeIntermediate(b_root, "Loop A CA");
  auto b = pki.crossSign(a, b_root, "Loop B CA");
  auto leaf = pki.makeLeaf(a, "localhost", loopbackLeafOptions());
  ScenarioSetup s;
  s.chain = {leaf.cert, a.cert, b.cert};
  s.key = leaf.key;
  s.fix = Fix::NotApplicable;
  s.probe_args = {"--timeout", "10"};
  return s;
}

}  // namespace

std::vector<FaultScenario> chainScenarios() {
  const std::vector<DiagnosisCode> bounded{DiagnosisCode::UntrustedRoot};
  return {
      {"a cross-signed root whose old root expired",
       DiagnosisCode::UntrustedRoot,
       {},
       true,
       true,
       crossSigned},
      {"an expired trusted root, re-issued with the same key",
       DiagnosisCode::Expired,
       {},
       true,
       true,
       reissuedRoot},
      {"a 25-certificate chain ending at an untrusted root",
       DiagnosisCode::UntrustedRoot,
       {},
       true,
       true,
       deepUntrusted},
      {"an issuer nobody has, AIA URL dead",
       DiagnosisCode::MissingIntermediate,
       {},
       true,
       true,
       deadAia},
      {"a chain loop", DiagnosisCode::PathBuildingLimit, bounded, true, true, chainLoop},
      {"a chain of 150 certificates", DiagnosisCode::PathBuildingLimit, bounded, true, true,
       [](TestPki& p) { return hostileDeep(p, 150); }},
      // 1,000 certificates reach diagnose() only in a replay: live, no client accepts a
      // Certificate message that large, which the next scenario checks. Replayed, that size
      // is also the first thing wrong, so it may rank before the path building bound.
      {"a chain of 1,000 certificates",
       DiagnosisCode::PathBuildingLimit,
       {DiagnosisCode::UntrustedRoot, DiagnosisCode::CertificateTooLarge},
       true,
       false,
       [](TestPki& p) { return hostileDeep(p, 1000); }},
      {"a chain of 1,000 certificates, sent",
       DiagnosisCode::CertificateTooLarge,
       {},
       false,
       true,
       [](TestPki& p) { return hostileDeep(p, 1000); }},
  };
}

}  // namespace trustctl::testing
