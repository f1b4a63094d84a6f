#pragma once
// Turns a diagnosis into the one thing to do, in the seeds' order of preference: trust the
// root that anchors the path; for a missing intermediate trust the intermediate (and ask the
// owner to send it); pin the server certificate only when it is self-signed. When the needed
// certificate is nowhere to be found, say what to ask the system owner for. Pure; returns a
// structured choice (action, kind, certificate, source, entry) and the words for the owner.

#include <string>
#include <vector>

#include "probes/diagnosis.h"
#include "truststore/runtime_model.h"

namespace trustctl::probes {

enum class RecommendedAction { None, Install, FixServer, ConfigureIdentity, CheckNetwork };
std::string_view recommendedActionName(RecommendedAction a);

struct Recommendation {
  RecommendedAction action = RecommendedAction::None;
  std::string kind;  // "root", "intermediate", "server", "" (null)
  truststore::CertificatePtr cert;
  std::string
      source;  // "presented", "catalog", "library", "connector:NAME", "aia", "unavailable", ""
  std::string entry;  // library entry holding it, "" when none
  // The trustctl command that does it, "" (null) when none: written by agent/ from the
  // structured choice above (agent/recommendation_command.h), never here.
  std::string command;
  std::string request_text;  // what to ask the system owner, "" (null) when nothing
  std::string note;          // a warning or explanation for the human output
  // The certificate is a TLS-intercepting proxy's root: installing it needs an explicit
  // --allow-interception-root, since the connector then trusts whatever the proxy re-signs.
  bool interception_root = false;
  // When the connector's runtime cannot anchor where trustctl does: every certificate to
  // trust so that it accepts the server (path order, root last); `--install` installs them
  // all. Empty when `cert` alone serves the runtime, or when no plan exists (then `cert` is
  // null and `note` says why).
  std::vector<truststore::CertificatePtr> runtime_plan;
  bool runtime_adjusted = false;  // the runtime's needs changed this recommendation
};

struct RecommendContext {
  std::string url;         // as the user typed it (normalized)
  std::string connector;   // "" when probing without a connector
  std::string servername;  // "" unless --servername was given
};

Recommendation recommend(const Diagnosis& diagnosis, const Capture& capture,
                         const RecommendContext& context);

// Pure: adjusts `r` (made by recommend()) for the connector's runtime when its verdict
// refused the server for lack of a usable anchor ("untrusted", "needs_self_signed_root",
// "pin_not_used") and trustctl recommends nothing, or a certificate it cannot anchor at: the plan's
// certificates (e.g. intermediate and root for Python after a missing intermediate), with the
// request to the server owner to send the chain; no certificate, and why, when `plan` is not
// possible.
void recommendForRuntime(Recommendation& r, const truststore::RuntimeVerdict& verdict,
                         const truststore::RuntimeInstallPlan& plan, const Capture& capture);

}  // namespace trustctl::probes
