// The connector runtime's verdict of a probe: see runtime_judgement.h.
#include "probes/runtime_judgement.h"

#include "truststore/chain_verifier.h"

namespace trustctl::probes {

namespace {

// trustctl's path, extended upwards with known issuers (the catalog, loaded) until a
// self-signed certificate: a runtime that anchors only at roots needs the root even where
// trustctl anchors at a trusted intermediate.
std::vector<truststore::CertificatePtr> pathToRoot(const Diagnosis& d, const Catalog& catalog) {
  std::vector<truststore::CertificatePtr> path = d.path.empty() ? d.presented : d.path;
  if (d.candidate && !path.empty() && path.back()->sha256() != d.candidate->cert->sha256() &&
      !path.back()->info().self_signed) {
    path.push_back(d.candidate->cert);
  }
  for (int hop = 0; hop < 8 && !path.empty() && !path.back()->info().self_signed; ++hop) {
    auto issuers = catalog.issuersOf(*path.back());
    if (issuers.empty()) {
      break;
    }
    path.push_back(issuers.front().cert);
  }
  return path;
}

}  // namespace

void judgeForRuntime(ProbeResult& result, const ProbeJob& job, const Capture& capture,
                     const Catalog& catalog, UnixTime now) {
  const truststore::RuntimeModel& model = truststore::runtimeModel(job.runtime);
  const Diagnosis& d = result.diagnosis;
  truststore::RuntimeVerdict& v = result.runtime_verdict;
  if (d.presented.empty()) {
    v.runtime = job.runtime;
    v.accepted = false;
    v.code = "no_certificate";
    v.sentence = std::string(model.display) + " got no certificate to judge: " + d.summary;
    return;
  }
  std::string host = capture.servername.empty() ? capture.target.host : capture.servername;
  truststore::VerifyOptions options{now, truststore::bareHost(host)};
  v = truststore::judgeAsRuntime(model, d.presented, job.trust->set(), options);
  if (!v.accepted) {
    auto plan = truststore::installPlanFor(model, pathToRoot(d, catalog), d.presented);
    recommendForRuntime(result.recommendation, v, plan, capture);
  }
}

bool connectorOk(const ProbeResult& r) {
  const Diagnosis& d = r.diagnosis;
  if (r.runtime_verdict.runtime == truststore::ConnectorRuntime::Trustctl) {
    return d.ok();
  }
  if (!r.runtime_verdict.accepted) {
    return false;
  }
  // The causes the runtime's model judges itself; any other failure trustctl found (network,
  // TLS, identity, revocation, a compromised root) fails the connector's connection too.
  for (const auto& p : d.problems) {
    switch (p.code) {
      case DiagnosisCode::UntrustedRoot:
      case DiagnosisCode::MissingIntermediate:
      case DiagnosisCode::SelfSigned:
      case DiagnosisCode::WrongEnvironment:
      case DiagnosisCode::Expired:
      case DiagnosisCode::NotYetValid:
      case DiagnosisCode::HostnameMismatch:
      case DiagnosisCode::NoSubjectAltName:
      case DiagnosisCode::WeakCrypto:
      case DiagnosisCode::NotForServerAuth:
        break;
      default:
        if (!p.warning) {
          return false;
        }
    }
  }
  return true;
}

}  // namespace trustctl::probes
