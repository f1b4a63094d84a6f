// The table's second part: the long tail of certificate faults of issue 13. In each the
// connector trusts the root, so none may be reported as untrusted_root, and nothing installed
// fixes it: the server must.
#include <openssl/ssl.h>

#include "tests/support/fault_scenarios.h"
#include "tests/support/servers.h"

namespace trustctl::testing {

using probes::DiagnosisCode;
using probes::FetchPurpose;

namespace {

// root -> issuing CA (with `ca_opts`) -> leaf (with `leaf_opts`); the server sends leaf and CA.
struct Built {
  Issued root, ca, leaf;
};

Built build(TestPki& pki, const std::string& prefix, CertOptions ca_opts, CertOptions leaf_opts,
            const std::string& cn = "localhost") {
  Built b;
  b.root = pki.makeRoot(prefix + " Root CA");
  b.ca = pki.makeIntermediate(b.root, prefix + " Issuing CA", std::move(ca_opts));
  b.leaf = pki.makeLeaf(b.ca, cn, std::move(leaf_opts));
  return b;
}

ScenarioSetup served(const Built& b) {
  ScenarioSetup s;
  s.chain = {b.leaf.cert, b.ca.cert};
  s.key = b.leaf.key;
  s.trusted = {b.root.cert};
  return s;
}

ScenarioSetup clientAuthOnly(TestPki& pki) {
  auto o = loopbackLeafOptions();
  o.eku = {"clientAuth"};
  return served(build(pki, "Eku", {}, o));
}

// The CA excludes exactly the one name the leaf carries and the probe asks for.
ScenarioSetup nameConstraints(TestPki& pki, bool ip) {
  CertOptions ca;
  ca.name_constraints =
      ip ? "critical,excluded;IP:127.0.0.1/255.255.255.255" : "critical,excluded;DNS:localhost";
  CertOptions leaf;
  leaf.sans = {ip ? "IP:127.0.0.1" : "DNS:localhost"};
  auto s = served(build(pki, ip ? "Constrained Ip" : "Constrained Dns", ca, leaf));
  s.host = ip ? "127.0.0.1" : "localhost";
  return s;
}

ScenarioSetup pathLength(TestPki& pki) {
  auto root = pki.makeRoot("Pathlen Root CA");
  CertOptions zero;
  zero.path_len = 0;
  auto ca = pki.makeIntermediate(root, "Pathlen Zero CA", zero);
  auto sub = pki.makeIntermediate(ca, "Pathlen Sub CA");
  auto leaf = pki.makeLeaf(sub, "localhost", loopbackLeafOptions());
  ScenarioSetup s;
  s.chain = {leaf.cert, sub.cert, ca.cert};
  s.key = leaf.key;
  s.trusted = {root.cert};
  // Trusting the sub-CA itself makes it an anchor: the constraint above it no longer applies
  // (RFC 5280 starts the path there). That hides the fault rather than fixing it.
  s.fix_exempt = {sub.cert};
  return s;
}

ScenarioSetup issuerNotCa(TestPki& pki) {
  CertOptions not_ca;
  not_ca.force_not_ca = true;
  return served(build(pki, "NotCa", not_ca, loopbackLeafOptions()));
}

ScenarioSetup badSignature(TestPki& pki) {
  auto b = build(pki, "Badsig", {}, loopbackLeafOptions());
  auto s = served(b);
  s.chain[0] = withBadSignature(b.leaf.cert);
  return s;
}

ScenarioSetup unknownCritical(TestPki& pki) {
  auto o = loopbackLeafOptions();
  o.unknown_critical_oids = {"1.3.6.1.4.1.55555.13.1"};
  return served(build(pki, "Critical", {}, o));
}

ScenarioSetup cnOnly(TestPki& pki) {
  CertOptions o;
  o.no_san = true;
  auto s = served(build(pki, "Cnonly", {}, o, "localhost"));
  s.host = "localhost";
  return s;
}

ScenarioSetup tooLarge(TestPki& pki) {
  CertOptions o;
  for (int i = 0; i < 10000; ++i) {
    o.sans.push_back("DNS:host" + std::to_string(i) + ".wide.example");
  }
  o.sans.push_back("IP:127.0.0.1");
  auto s = served(build(pki, "Wide", {}, o));
  // The client refuses the Certificate message before it parses a certificate.
  s.replay.failure = probes::CaptureFailure::HandshakeFailed;
  s.replay.handshake_completed = false;
  s.replay.tls_version = "";
  s.replay.http_status = 0;
  s.replay.chain_received = false;
  s.replay.detail = "error:0A000098:SSL routines::excessive message size";
  s.replay.tls_error_library = "SSL routines";
  s.replay.tls_error_reason = SSL_R_EXCESSIVE_MESSAGE_SIZE;
  s.replay.tls_error_reason_text = "excessive message size";
  s.replay.certificate_message_bytes = s.chain[0]->der().size() + s.chain[1]->der().size();
  return s;
}

ScenarioSetup compromisedRoot(TestPki& pki) {
  auto b = build(pki, "Interception", {}, loopbackLeafOptions());
  ScenarioSetup s;
  s.chain = {b.leaf.cert, b.ca.cert, b.root.cert};
  s.key = b.leaf.key;
  s.catalog = {b.root.cert};
  s.env = {{"TRUSTCTL_TEST_COMPROMISED_SPKI", b.root.cert->info().spki_sha256}};
  s.never_recommend = {b.root.cert};
  return s;
}

// The leaf names a CRL at http://127.0.0.1:<port>/leaf.crl; `revoke` puts it on the CRL,
// `reachable` serves the CRL from nginx (else nothing listens on the port).
ScenarioSetup withCrl(TestPki& pki, const std::string& prefix, bool revoke, bool reachable) {
  int port = freeLoopbackPort();
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/leaf.crl";
  auto o = loopbackLeafOptions();
  o.crl_urls = {url};
  auto b = build(pki, prefix, {}, o);
  auto s = served(b);
  std::string crl = makeCrlDer(
      b.ca, revoke ? std::vector<long>{serialOf(b.leaf.cert)} : std::vector<long>{}, pki.now());
  probes::FetchedObject fetched{FetchPurpose::Crl, url, b.leaf.cert->sha256(), crl, ""};
  if (reachable) {
    s.http_port = port;
    s.http_files = {{"leaf.crl", crl}};
  } else {
    fetched.body.clear();
    fetched.error = "connection refused";
  }
  s.replay.fetched = {fetched};
  return s;
}

}  // namespace

std::vector<FaultScenario> longTailCertificateScenarios() {
  return {
      {"a clientAuth-only server certificate",
       DiagnosisCode::NotForServerAuth,
       {},
       true,
       true,
       clientAuthOnly},
      {"name constraints exclude the DNS name",
       DiagnosisCode::NameConstraintsViolated,
       {},
       true,
       true,
       [](TestPki& p) { return nameConstraints(p, false); }},
      {"name constraints exclude the IP address",
       DiagnosisCode::NameConstraintsViolated,
       {},
       true,
       true,
       [](TestPki& p) { return nameConstraints(p, true); }},
      {"a sub-CA under pathlen:0", DiagnosisCode::PathLengthExceeded, {}, true, true, pathLength},
      {"a CA:FALSE certificate issuing", DiagnosisCode::IssuerNotCa, {}, true, true, issuerNotCa},
      {"a server certificate with a flipped signature byte",
       DiagnosisCode::BadSignature,
       {},
       true,
       true,
       badSignature},
      {"an unknown critical extension",
       DiagnosisCode::UnknownCriticalExtension,
       {},
       true,
       true,
       unknownCritical},
      {"a CN-only server certificate", DiagnosisCode::NoSubjectAltName, {}, true, true, cnOnly},
      {"a certificate with 10,000 names",
       DiagnosisCode::CertificateTooLarge,
       {},
       true,
       true,
       tooLarge},
      {"a chain ending at a compromised root",
       DiagnosisCode::CompromisedRoot,
       {},
       true,
       true,
       compromisedRoot},
      {"a revoked server certificate (CRL on nginx)",
       DiagnosisCode::Revoked,
       {},
       true,
       true,
       [](TestPki& p) {
         auto s = withCrl(p, "Revoked", true, true);
         s.fix = Fix::NothingToInstall;
         return s;
       }},
      {"a CRL distribution point nobody answers",
       DiagnosisCode::RevocationUnknown,
       {},
       true,
       true,
       [](TestPki& p) {
         auto s = withCrl(p, "Nocrl", false, false);
         s.fix = Fix::NotApplicable;
         return s;
       }},
  };
}

}  // namespace trustctl::testing
