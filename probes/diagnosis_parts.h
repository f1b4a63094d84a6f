#pragma once
// Internal to diagnose(): how a certificate is named in a problem, and the step that turns
// the path builder's result into problems, the path shown and the certificate to install.

#include <string>

#include "probes/diagnosis.h"
#include "truststore/path_builder.h"

namespace trustctl::probes::detail {

// 'CN' of the certificate, or its whole subject when it has no CN.
std::string quoted(const truststore::Certificate& c);
// "the server certificate 'x'", "root 'y'" or "intermediate 'z'".
std::string role(const Diagnosis& d, const truststore::CertificatePtr& c);
void addProblem(Diagnosis& d, DiagnosisCode code, const truststore::CertificatePtr& cert,
                std::string detail, bool warning = false);

// Adds compromised_root when `cert` has a key on the compromised list; true when it did.
bool reportCompromisedKey(Diagnosis& d, const truststore::CertificatePtr& cert);

// Fills d.path, d.problems (what is wrong on the chosen path, and why it is not trusted),
// d.candidate (only a certificate whose installation makes a flawless path) and
// d.unknown_issuer_of, from every path the builder tried.
void explainPaths(Diagnosis& d, const truststore::PathBuildResult& result,
                  const TrustAnchors& trust, UnixTime now);

}  // namespace trustctl::probes::detail
