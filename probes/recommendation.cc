#include "probes/recommendation.h"

namespace trustctl::probes {

namespace {

std::string connectorOrPlaceholder(const RecommendContext& ctx) {
  return ctx.connector.empty() ? "<connector>" : ctx.connector;
}

std::string displayName(const truststore::CertificateInfo& i) {
  return i.subject_cn.empty() ? i.subject : i.subject_cn;
}

// Modelled on how vendors ask customers for a CA (seed 003): name it by subject, issuer and key
// identifier, ask for Base64 PEM, and say no private key is wanted.
std::string requestIssuer(const truststore::Certificate& top, const std::string& host) {
  const auto& i = top.info();
  std::string text = "Please send the certificate of the CA that issued the certificate of " +
                     host + ": issuer \"" + i.issuer + "\"";
  if (!i.authority_key_id.empty()) {
    text += ", key identifier " + i.authority_key_id;
  }
  return text +
         ". We need it as a Base64-encoded X.509 (.pem/.cer) file, together with the root CA "
         "it chains to. Only the certificate, never a private key.";
}

// A proxy failure is fixed on the network path: which words depend on what the proxy said.
std::string proxyNote(DiagnosisCode code, const Capture& capture) {
  switch (code) {
    case DiagnosisCode::ProxyUnreachable:
      return "Check the proxy's address (" + capture.proxy +
             (capture.proxy_source == "configured" ? "" : ", from " + capture.proxy_source) +
             ") and that it runs; give --proxy none to test the direct path.";
    case DiagnosisCode::ProxyAuthRequired:
      return capture.proxy_credentials_sent
                 ? "The proxy refused the credentials: check the user and password in the "
                   "proxy credentials file."
                 : "Put user:password in a file only you can read (chmod 600) and give "
                   "--proxy-credentials-file FILE, or set the connector's "
                   "proxy_credentials_file.";
    default:
      return "Ask the proxy's owner to allow CONNECT to " + capture.target.urlHost() + ":" +
             std::to_string(capture.target.port) + ", or exempt the host (no_proxy).";
  }
}

// The proxy's root is named, and installed only on explicit request: trusting it trusts every
// connection the proxy re-signs, not only this server.
Recommendation interceptionRoot(const Diagnosis& d, const Capture& capture,
                                const std::string& host) {
  Recommendation r;
  r.action = RecommendedAction::Install;
  r.kind = "root";
  r.interception_root = true;
  std::string proxy = capture.proxy.empty() ? "the proxy" : "the proxy " + capture.proxy;
  r.note =
      "The proxy decrypts this connection and re-signs it. Trusting its root makes the "
      "connector trust whatever " +
      proxy +
      " presents, for every host; install it only if that proxy is meant to inspect this "
      "traffic (--install needs --allow-interception-root), or have it exempt " +
      host + ".";
  if (!d.candidate) {
    r.source = "unavailable";
    r.request_text = "Please send the root CA certificate that " + proxy +
                     " signs intercepted TLS connections with, as a Base64-encoded X.509 "
                     "(.pem/.cer) file, or exempt " +
                     host + " from TLS inspection.";
    return r;
  }
  r.kind = d.candidate->kind;
  r.cert = d.candidate->cert;
  r.source = d.candidate->source;
  r.entry = d.candidate->entry;
  return r;
}

}  // namespace

std::string_view recommendedActionName(RecommendedAction a) {
  switch (a) {
    case RecommendedAction::None:
      return "none";
    case RecommendedAction::Install:
      return "install";
    case RecommendedAction::FixServer:
      return "fix_server";
    case RecommendedAction::ConfigureIdentity:
      return "configure_identity";
    case RecommendedAction::CheckNetwork:
      return "check_network";
  }
  return "none";
}

Recommendation recommend(const Diagnosis& d, const Capture& capture, const RecommendContext& ctx) {
  Recommendation r;
  std::string host = capture.servername.empty() ? capture.target.host : capture.servername;
  const std::string detail = d.problems.empty() ? "" : d.problems[0].detail;
  switch (d.code) {
    case DiagnosisCode::Ok:
      return r;
    case DiagnosisCode::DnsFailure:
    case DiagnosisCode::ConnectionRefused:
    case DiagnosisCode::Timeout:
    case DiagnosisCode::NotTls:
      r.action = RecommendedAction::CheckNetwork;
      r.note = d.code == DiagnosisCode::NotTls
                   ? "Check the scheme and port: https:// and ldaps:// expect TLS at once, ldap:// "
                     "uses StartTLS."
                   : "Check the host name, the port and the firewalls between this machine and " +
                         host + ".";
      return r;
    case DiagnosisCode::ProxyUnreachable:
    case DiagnosisCode::ProxyAuthRequired:
    case DiagnosisCode::ProxyConnectRefused:
      r.action = RecommendedAction::CheckNetwork;
      r.note = proxyNote(d.code, capture);
      return r;
    case DiagnosisCode::TlsInterception:
      return interceptionRoot(d, capture, host);
    case DiagnosisCode::StartTlsOnLdapsPort:
      r.action = RecommendedAction::CheckNetwork;
      r.note = "Use ldaps://" + capture.target.urlHost() + ":" +
               std::to_string(capture.target.port) +
               " for this port (or the server's StartTLS port, usually 389, with ldap://).";
      return r;
    case DiagnosisCode::ClientCertificateRequired:
      r.action = RecommendedAction::ConfigureIdentity;
      r.request_text =
          "Please tell us which CA your server accepts client certificates from, and issue "
          "a client certificate for our connection from it.";
      return r;
    case DiagnosisCode::CompromisedRoot:
      r.action = RecommendedAction::FixServer;
      r.note =
          "Nothing to install, and never trust this root: its private key is public. A chain "
          "ending there usually means TLS interception (an antivirus, a proxy or adware "
          "re-signing connections): remove it from this machine and connect without it.";
      r.request_text = "The TLS service at " + ctx.url +
                       " is presented with a certificate from a root whose private key is "
                       "public: " +
                       detail + ". Please check for TLS interception on the path.";
      return r;
    case DiagnosisCode::UntrustedRoot:
    case DiagnosisCode::MissingIntermediate:
    case DiagnosisCode::SelfSigned:
    case DiagnosisCode::WrongEnvironment:
      break;
    default:
      if (d.candidate) {
        break;  // e.g. an expired trusted root whose re-issue is known: install the re-issue
      }
      r.action = RecommendedAction::FixServer;
      r.note =
          "Nothing to install: no certificate the connector could trust would fix this; "
          "the server owner must change the server's certificate or configuration.";
      r.request_text =
          "The TLS service at " + ctx.url + " needs a fix on the server side: " + detail + ".";
      return r;
  }
  if (!d.candidate) {
    r.action = RecommendedAction::Install;
    r.source = "unavailable";
    if (d.unknown_issuer_of) {
      r.kind = "root";
      r.request_text = requestIssuer(*d.unknown_issuer_of, host);
    } else {
      r.request_text = "Please send the root CA certificate of " + host +
                       " as a Base64-encoded X.509 (.pem/.cer) file.";
    }
    r.note = "The certificate to trust is not known on this machine; ask the owner of " + host +
             " for it, then import it and trust it: trustctl import FILE --name NAME && "
             "trustctl connector trust " +
             connectorOrPlaceholder(ctx) + " NAME";
    return r;
  }
  const InstallCandidate& c = *d.candidate;
  r.action = RecommendedAction::Install;
  r.kind = c.kind;
  r.cert = c.cert;
  r.source = c.source;
  r.entry = c.entry;
  if (c.kind == "server") {
    r.note =
        "This pins the server's own certificate: it must be replaced at every renewal. "
        "Prefer the CA that issues it if the owner has one.";
  } else if (c.kind == "intermediate") {
    r.request_text = "Please configure " + host + " to send its intermediate certificate \"" +
                     displayName(c.cert->info()) +
                     "\" with its own (the full chain); clients that "
                     "do not trust the intermediate directly cannot connect today.";
    r.note =
        "Trusting the intermediate works now; the server owner should still send the full chain.";
  } else if (d.code == DiagnosisCode::WrongEnvironment) {
    r.note =
        "The connector trusts a look-alike of this CA; check that the test and production "
        "certificates are not mixed up, then untrust the wrong one.";
  }
  return r;
}

void recommendForRuntime(Recommendation& r, const truststore::RuntimeVerdict& verdict,
                         const truststore::RuntimeInstallPlan& plan, const Capture& capture) {
  if (verdict.accepted ||
      (verdict.code != "untrusted" && verdict.code != "needs_self_signed_root" &&
       verdict.code != "pin_not_used")) {
    return;
  }
  const truststore::RuntimeModel& model = truststore::runtimeModel(verdict.runtime);
  // Only where trustctl says nothing is needed, or recommends a certificate this runtime cannot
  // anchor at: a server to fix, a network to check or a root to refuse stays as it is, and
  // trustctl's own recommendation is already the trustctl runtime's.
  bool ok_for_trustctl = r.action == RecommendedAction::None;
  bool unusable = r.action == RecommendedAction::Install && r.cert &&
                  !truststore::whyRuntimeCannotAnchor(model, *r.cert).empty();
  if (verdict.runtime == truststore::ConnectorRuntime::Trustctl ||
      (!ok_for_trustctl && !unusable)) {
    return;
  }
  std::string host = capture.servername.empty() ? capture.target.host : capture.servername;
  r.runtime_adjusted = true;
  r.action = RecommendedAction::Install;
  if (!plan.possible || plan.install.empty()) {
    r.note = "Nothing to install for " + std::string(model.display) + ": " +
             (plan.reason.empty() ? verdict.sentence : plan.reason) + ". Ask the owner of " + host +
             " for the root CA.";
    r.request_text = "Please send the root CA certificate that the certificate of " + host +
                     " chains to, as a Base64-encoded X.509 (.pem/.cer) file, and configure " +
                     host + " to send its full chain.";
    r.cert = nullptr;
    r.kind = "root";
    r.source = "unavailable";
    r.entry.clear();
    return;
  }
  r.runtime_plan = plan.install;
  if (!r.cert) {
    r.cert = plan.install.back();
    r.kind = "root";
    r.source = "catalog";
    r.entry.clear();
  }
  std::string names;
  for (const auto& c : plan.install) {
    names += (names.empty() ? "'" : ", '") + displayName(c->info()) + "'";
  }
  r.note = verdict.sentence + ". For " + std::string(model.name) + ", trust " + names +
           "; --install trusts them all." + (plan.reason.empty() ? "" : " " + plan.reason);
  r.request_text = "Please configure " + host +
                   " to send its full certificate chain (its certificate and every "
                   "intermediate); clients that trust only the root cannot connect today.";
}

}  // namespace trustctl::probes
