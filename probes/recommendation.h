#pragma once
// Turns a diagnosis into the one thing to do, in the seeds' order of preference: trust the
// root that anchors the path; for a missing intermediate trust the intermediate (and ask the
// owner to send it); pin the server certificate only when it is self-signed. When the needed
// certificate is nowhere to be found, say what to ask the system owner for. Pure; returns a
// structured choice (action, kind, certificate, source, entry) and the words for the owner.

#include <string>

#include "probes/diagnosis.h"

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
};

struct RecommendContext {
  std::string url;         // as the user typed it (normalized)
  std::string connector;   // "" when probing without a connector
  std::string servername;  // "" unless --servername was given
};

Recommendation recommend(const Diagnosis& diagnosis, const Capture& capture,
                         const RecommendContext& context);

}  // namespace trustctl::probes
