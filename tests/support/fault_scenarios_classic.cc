// The table's first part: the certificate faults the probe diagnosed before issue 13 (trust,
// dates, names, environments, weak crypto), each with what fixes it.
#include "tests/support/fault_scenarios.h"

namespace trustctl::testing {

using probes::DiagnosisCode;

namespace {

// A server presenting `leaf` (and `rest`), the connector trusting `root`.
ScenarioSetup served(const Issued& leaf, std::vector<CertificatePtr> rest,
                     std::vector<CertificatePtr> trusted) {
  ScenarioSetup s;
  s.chain = {leaf.cert};
  s.chain.insert(s.chain.end(), rest.begin(), rest.end());
  s.key = leaf.key;
  s.trusted = std::move(trusted);
  return s;
}

ScenarioSetup untrustedRoot(TestPki& pki) {
  auto c = pki.makeChain("Scenario");
  auto s = served(c.leaf, {c.intermediate.cert}, {});
  s.catalog = {c.root.cert};
  s.fix = Fix::InstallRecommended;
  s.recommended = c.root.cert;
  s.recommended_kind = "root";
  return s;
}

ScenarioSetup untrustedRootLdaps(TestPki& pki) {
  auto s = untrustedRoot(pki);
  s.server = ServerKind::Slapd;
  s.scheme = "ldaps";
  s.replay.http_status = 0;
  return s;
}

ScenarioSetup missingIntermediate(TestPki& pki) {
  auto c = pki.makeChain("Lazy");
  auto s = served(c.leaf, {}, {c.root.cert});
  s.catalog = {c.intermediate.cert, c.root.cert};
  s.fix = Fix::InstallRecommended;
  s.recommended = c.intermediate.cert;
  s.recommended_kind = "intermediate";
  return s;
}

ScenarioSetup selfSigned(TestPki& pki) {
  auto self = pki.makeSelfSignedLeaf("localhost", loopbackLeafOptions());
  auto s = served(self, {}, {});
  s.fix = Fix::InstallRecommended;
  s.install_args = {"--allow-server-pin"};
  s.recommended = self.cert;
  s.recommended_kind = "server";
  return s;
}

ScenarioSetup leafWith(TestPki& pki, const std::string& prefix, CertOptions o) {
  auto root = pki.makeRoot(prefix + " Root CA");
  auto inter = pki.makeIntermediate(root, prefix + " Issuing CA");
  auto leaf = pki.makeLeaf(inter, "localhost", std::move(o));
  return served(leaf, {inter.cert}, {root.cert});
}

ScenarioSetup expiredLeaf(TestPki& pki) {
  auto o = loopbackLeafOptions();
  o.not_before_offset = -10 * 86400;
  o.not_after_offset = -86400;
  return leafWith(pki, "Expired", o);
}

ScenarioSetup notYetValid(TestPki& pki) {
  auto o = loopbackLeafOptions();
  o.not_before_offset = 86400;
  return leafWith(pki, "Future", o);
}

ScenarioSetup hostnameMismatch(TestPki& pki) {
  CertOptions o;
  o.sans = {"DNS:api.example.com"};
  return leafWith(pki, "Names", o);
}

ScenarioSetup wrongEnvironment(TestPki& pki) {
  auto prod = pki.makeChain("Env");
  auto test = pki.makeChain("Env");  // same names, other keys
  auto s = served(prod.leaf, {prod.intermediate.cert}, {test.root.cert});
  s.catalog = {prod.root.cert};
  s.fix = Fix::InstallRecommended;
  s.recommended = prod.root.cert;
  s.recommended_kind = "root";
  return s;
}

ScenarioSetup weakLeaf(TestPki& pki) {
  auto o = loopbackLeafOptions();
  o.key = KeyType::Rsa1024;
  o.digest = "sha1";
  auto s = leafWith(pki, "Weak", o);
  s.server_args = {"-cipher", "DEFAULT@SECLEVEL=0"};
  return s;
}

ScenarioSetup sha1Intermediate(TestPki& pki) {
  auto root = pki.makeRoot("Sha1 Root CA");
  CertOptions o;
  o.digest = "sha1";
  auto inter = pki.makeIntermediate(root, "Sha1 Issuing CA", o);
  auto leaf = pki.makeLeaf(inter, "localhost", loopbackLeafOptions());
  auto s = served(leaf, {inter.cert}, {root.cert});
  s.server_args = {"-cipher", "DEFAULT@SECLEVEL=0"};
  // Trusting the SHA-1 intermediate itself makes it an anchor, whose own signature nobody
  // checks: that hides the weakness rather than fixing it.
  s.fix_exempt = {inter.cert};
  return s;
}

}  // namespace

std::vector<FaultScenario> classicCertificateScenarios() {
  return {
      {"untrusted root, found in the catalog",
       DiagnosisCode::UntrustedRoot,
       {},
       true,
       true,
       untrustedRoot},
      {"untrusted root over LDAPS",
       DiagnosisCode::UntrustedRoot,
       {},
       true,
       true,
       untrustedRootLdaps},
      {"the server forgets its intermediate",
       DiagnosisCode::MissingIntermediate,
       {},
       true,
       true,
       missingIntermediate},
      {"a self-signed server", DiagnosisCode::SelfSigned, {}, true, true, selfSigned},
      {"an expired server certificate", DiagnosisCode::Expired, {}, true, true, expiredLeaf},
      {"a server certificate not yet valid",
       DiagnosisCode::NotYetValid,
       {},
       true,
       true,
       notYetValid},
      {"a certificate for another name",
       DiagnosisCode::HostnameMismatch,
       {},
       true,
       true,
       hostnameMismatch},
      {"a test CA with the production CA's name",
       DiagnosisCode::WrongEnvironment,
       {},
       true,
       true,
       wrongEnvironment},
      {"a SHA-1 signed RSA-1024 server certificate",
       DiagnosisCode::WeakCrypto,
       {},
       true,
       true,
       weakLeaf},
      {"a SHA-1 signed intermediate", DiagnosisCode::WeakCrypto, {}, true, true, sha1Intermediate},
  };
}

}  // namespace trustctl::testing
