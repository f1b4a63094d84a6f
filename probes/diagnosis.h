#pragma once
// The pure core of a probe: from a recorded Capture, the connector's anchors, a catalog of
// known certificates, an instant and a host name, find every reason the connection fails and
// pick the primary one. No clock, no network, no files: captures replay in unit tests.

#include <mutex>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "probes/capture.h"
#include "probes/catalog.h"
#include "truststore/anchor_set.h"
#include "truststore/chain_verifier.h"
#include "truststore/ossl.h"
#include "truststore/path_builder.h"
#include "truststore/revocation.h"
#include "truststore/time_util.h"

namespace trustctl::probes {

// The JSON contract's diagnosis codes; names are stable (support scripts depend on them).
enum class DiagnosisCode {
#define TRUSTCTL_DIAGNOSIS(id, name, severity, meaning, action, elsewhere) id,
#include "probes/diagnosis_codes.def"
#undef TRUSTCTL_DIAGNOSIS
};
std::string_view diagnosisCodeName(DiagnosisCode code);
std::vector<DiagnosisCode> allDiagnosisCodes();
std::optional<DiagnosisCode> diagnosisCodeFromName(std::string_view name);
// A warning is reported but does not fail the probe (revocation unknown under soft-fail).
bool isWarning(DiagnosisCode code);
// The README's table of codes, generated from the list (a test keeps the README in step).
std::string diagnosisCodeTable();

struct Problem {
  DiagnosisCode code = DiagnosisCode::Ok;
  // A warning (isWarning(code), or revocation unknown under soft-fail) does not fail the probe.
  std::string certificate;  // sha256 of the certificate it is about, "" when none
  std::string detail;       // one sentence naming the certificate and what is wrong
  bool warning = false;
};

// The certificate that would make the connector trust the server, when one was identified.
struct InstallCandidate {
  truststore::CertificatePtr cert;
  std::string kind;    // "root", "intermediate", "server"
  std::string source;  // "presented", "catalog", "library", "connector:NAME", "aia"
  std::string entry;   // library entry holding it, "" when not in the library
};

struct Diagnosis {
  DiagnosisCode code = DiagnosisCode::Ok;
  std::string summary;            // one plain sentence about the primary cause
  std::vector<Problem> problems;  // every cause found, primary first; empty when ok
  std::vector<truststore::CertificatePtr> presented;  // parsed, as sent
  std::vector<truststore::CertificatePtr> path;       // verified or best partial, leaf first
  std::optional<InstallCandidate> candidate;
  // The certificate whose issuer nobody knows (for asking the owner), or null.
  truststore::CertificatePtr unknown_issuer_of;
  // Every path the builder tried, best first (for --json's paths_tried and the human tree).
  std::vector<truststore::CertPath> paths_tried;
  bool ok() const { return code == DiagnosisCode::Ok; }
};

// A connector's anchors, shared by every diagnosis of that connector (thread-safe).
class TrustAnchors {
 public:
  explicit TrustAnchors(truststore::AnchorSetPtr anchors);
  const truststore::AnchorSet& set() const { return *anchors_; }

 private:
  truststore::AnchorSetPtr anchors_;
};

// Parses a presented certificate, reusing the object when the same DER was parsed before in
// this process (bounded), since parsing costs more than a handshake's signature checks.
Result<truststore::CertificatePtr> parsePresentedCertificate(const std::string& der);

struct DiagnoseOptions {
  // `now` is required: diagnose() has no clock, and there is no default instant.
  DiagnoseOptions(UnixTime at, std::string host_name = "", bool identity = false)
      : now(at), host(std::move(host_name)), identity_configured(identity) {}
  UnixTime now;
  std::string host;  // the name the certificate must carry; "" = capture.servername
  bool identity_configured = false;
  truststore::RevocationMode revocation = truststore::RevocationMode::Soft;
};

// Pure: reads no file and no store. The catalog is consulted only for certificates it has
// already loaded (the shell calls Catalog::load() first when it wants them searched).
Diagnosis diagnose(const Capture& capture, const TrustAnchors& trust, const Catalog& catalog,
                   const DiagnoseOptions& options);

// The certificates the capture's AIA fetches brought, as path candidates (source "aia").
std::vector<truststore::PathCandidate> fetchedIssuers(const Capture& capture);

// For the human output: the messages users meet elsewhere for this cause (Java, OpenSSL/curl,
// LDAP), so a search for the ticket's error text lands here.
std::vector<std::string> messagesSeenElsewhere(DiagnosisCode code);

}  // namespace trustctl::probes
