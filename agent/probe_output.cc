// Human output of `trustctl probe`: one screen per target that says whether it works, what the
// server presented, the cause in plain words (with the messages the user saw elsewhere) and the
// command to copy. Everything that came from a certificate or the server (names, library
// error strings, LDAP messages) is printed through safe(): a subject may carry escape sequences.
#include <iomanip>
#include <iostream>
#include <map>
#include <sstream>

#include "agent/probe_command.h"
#include "agent/table.h"
#include "probes/diagnosis.h"
#include "truststore/certificate_status.h"
#include "truststore/text_escape.h"

namespace trustctl::agent {

namespace {

using probes::DiagnosisCode;

std::string safe(const std::string& text) {
  return truststore::escapeControl(text);
}

std::string name(const truststore::Certificate& c) {
  const auto& i = c.info();
  return safe(i.subject_cn.empty() ? i.subject : i.subject_cn);
}

std::string kindOf(const truststore::Certificate& c) {
  return std::string(truststore::certificateKindName(truststore::classifyCertificate(c.info())));
}

std::string seconds(double s) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(s < 1 ? 3 : 1) << s << " s";
  return out.str();
}

std::string heading(const CliContext& ctx, const probes::ProbeResult& r) {
  const auto& c = r.capture;
  std::string verdict = probes::connectorOk(r) ? ctx.green("OK  ") : ctx.red("FAIL");
  std::string line =
      verdict + "  " + ctx.bold(c.target.url()) + "  (" +
      std::string(probes::protocolName(c.target.protocol)) +
      (r.connector.empty() ? ", no connector: nothing trusted" : ", connector " + r.connector) +
      ")";
  if (!c.tls_version.empty()) {
    line += "  " + safe(c.tls_version) + (c.cipher.empty() ? "" : " " + safe(c.cipher));
  }
  return line + "  " + seconds(c.elapsed_seconds);
}

// Which way the probe went: through which proxy (never with credentials), and what it said.
void printRoute(const CliContext& ctx, const probes::ProbeResult& r) {
  const auto& c = r.capture;
  if (!c.proxy.empty()) {
    std::cout << "  via proxy " << safe(c.proxy) << " (" << safe(c.proxy_source) << ")"
              << (c.proxy_status_line.empty() ? "" : ": " + safe(c.proxy_status_line))
              << (c.direct_attempted
                      ? (c.direct_chain_der.empty() ? "; direct: " + safe(c.direct_detail)
                                                    : "; also reached directly to compare")
                      : "")
              << "\n";
  }
  for (const auto& note : r.notes) {
    std::cout << "  " << ctx.yellow("note: " + safe(note)) << "\n";
  }
}

// The connector's runtime's verdict: always for a runtime other than trustctl, and whenever it
// differs from trustctl's own judgement of the server (the line above it).
void printRuntimeVerdict(const CliContext& ctx, const probes::ProbeResult& r, std::ostream& out) {
  const truststore::RuntimeVerdict& v = r.runtime_verdict;
  bool differs = v.accepted != r.diagnosis.ok();
  if (v.runtime == truststore::ConnectorRuntime::Trustctl && !differs) {
    return;
  }
  out << "  runtime " << truststore::runtimeName(v.runtime) << ": "
      << (v.accepted ? ctx.green("accepts") : ctx.red("refuses")) << " (" << v.code
      << "): " << safe(v.sentence) << "\n";
  if (differs) {
    out << "  "
        << ctx.dim(
               "(the line above it is trustctl's own judgement of the server; the "
               "connector's runtime decides the verdict)")
        << "\n";
  }
}

}  // namespace

void printProbeReport(const CliContext& ctx, const probes::ProbeResult& r) {
  const probes::Diagnosis& d = r.diagnosis;
  std::ostream& out = std::cout;
  out << heading(ctx, r) << "\n";
  printRoute(ctx, r);
  out << "  "
      << (d.ok() ? ctx.green(std::string(probes::diagnosisCodeName(d.code)))
                 : ctx.red(std::string(probes::diagnosisCodeName(d.code))))
      << ": " << safe(d.summary) << "\n";
  printRuntimeVerdict(ctx, r, out);
  std::map<std::string, std::vector<std::string>> issues_by_cert;
  for (const auto& p : d.problems) {
    if (!p.certificate.empty()) {
      issues_by_cert[p.certificate].push_back(std::string(probes::diagnosisCodeName(p.code)));
    }
  }
  // The chain as a tree: what the server sent, then what the path needs that it did not send.
  std::vector<truststore::CertificatePtr> shown = d.presented;
  for (const auto& c : d.path) {
    bool sent = false;
    for (const auto& p : d.presented) {
      sent = sent || p->sha256() == c->sha256();
    }
    if (!sent) {
      shown.push_back(c);
    }
  }
  if (!shown.empty()) {
    out << "\n  Chain (" << d.presented.size() << " presented):\n";
  }
  for (size_t i = 0; i < shown.size(); ++i) {
    const auto& c = shown[i];
    bool sent = i < d.presented.size();
    std::string marks;
    for (const auto& code : issues_by_cert[c->sha256()]) {
      marks += " " + ctx.red("<- " + code);
    }
    out << "  " << std::string(i * 2, ' ') << (i == 0 ? "" : "└ ") << name(*c) << "  ["
        << kindOf(*c) << ", expires " << formatDate(c->info().not_after) << ", "
        << truststore::shortFingerprint(c->sha256()) << (sent ? "" : ", not sent by the server")
        << "]" << marks << "\n";
  }
  if (!d.ok()) {
    out << "\n  Problems:\n";
    for (const auto& p : d.problems) {
      out << "    " << ctx.red(std::string(probes::diagnosisCodeName(p.code))) << "  "
          << safe(p.detail) << "\n";
    }
    auto elsewhere = probes::messagesSeenElsewhere(d.code);
    if (!elsewhere.empty()) {
      out << "\n  Elsewhere this shows up as:\n";
      for (const auto& m : elsewhere) {
        out << "    " << ctx.dim(m) << "\n";
      }
    }
  }
  const probes::Capture& c = r.capture;
  if (c.ldap_bind_result != -1) {
    out << "\n  LDAP bind: "
        << (c.ldap_bind_result == 0 ? ctx.green(safe(c.ldap_bind_message))
                                    : ctx.yellow(safe(c.ldap_bind_message)))
        << "\n";
  }
  const probes::Recommendation& rec = r.recommendation;
  if (rec.action == probes::RecommendedAction::None) {
    return;
  }
  out << "\n  " << ctx.bold("Recommendation") << ": ";
  switch (rec.action) {
    case probes::RecommendedAction::Install:
      if (!rec.runtime_plan.empty()) {
        // The runtime's plan replaces trustctl's one certificate: say it as the thing to do.
        out << "for the connector's runtime, trust " << rec.runtime_plan.size()
            << (rec.runtime_plan.size() == 1 ? " certificate" : " certificates") << "\n";
        for (const auto& cert : rec.runtime_plan) {
          out << "    " << (cert->info().self_signed ? "root         " : "intermediate ") << "'"
              << name(*cert) << "' (sha256 " << cert->sha256() << ")\n";
        }
      } else if (rec.cert) {
        out << "trust the " << rec.kind << " certificate '" << name(*rec.cert) << "' (sha256 "
            << rec.cert->sha256() << ", found: " << rec.source
            << (rec.entry.empty() ? "" : ", library entry " + rec.entry) << ")\n";
      } else if (rec.runtime_adjusted) {
        out << "nothing to install: no known certificate makes the connector's runtime accept "
               "the server\n";
      } else {
        out << "trust the " << (rec.kind.empty() ? "issuing CA" : rec.kind)
            << " certificate; it is not available on this machine\n";
      }
      break;
    case probes::RecommendedAction::FixServer:
      out << "the server must be fixed; nothing to install on this side\n";
      break;
    case probes::RecommendedAction::ConfigureIdentity:
      out << "give the connector a client certificate (identity)\n";
      break;
    case probes::RecommendedAction::CheckNetwork:
      out << "check the network path and the address\n";
      break;
    default:
      break;
  }
  if (!rec.command.empty()) {
    out << "    " << ctx.green(safe(rec.command)) << "\n";
  }
  if (!rec.note.empty()) {
    out << "    " << ctx.yellow(safe(rec.note)) << "\n";
  }
  if (!rec.request_text.empty()) {
    out << "    Ask the system owner: \"" << safe(rec.request_text) << "\"\n";
  }
}

void printProbeSummary(const CliContext& ctx, const std::vector<probes::ProbeResult>& results) {
  Table table({"TARGET", "CONNECTOR", "VERDICT", "DIAGNOSIS", "TLS", "TIME"});
  size_t failed = 0;
  for (const auto& r : results) {
    bool ok = probes::connectorOk(r);
    failed += ok ? 0 : 1;
    const truststore::RuntimeVerdict& v = r.runtime_verdict;
    std::string diagnosis(probes::diagnosisCodeName(r.diagnosis.code));
    if (v.accepted != r.diagnosis.ok()) {
      diagnosis += " (" + std::string(truststore::runtimeName(v.runtime)) + ": " + v.code + ")";
    }
    table.addRow({r.capture.target.url(), r.connector.empty() ? "-" : r.connector,
                  ok ? ctx.green("ok") : ctx.red("fail"), diagnosis,
                  r.capture.tls_version.empty() ? "-" : safe(r.capture.tls_version),
                  seconds(r.capture.elapsed_seconds)});
  }
  table.print(std::cout);
  std::cout << "\n"
            << results.size() << " targets, " << (results.size() - failed) << " ok, " << failed
            << " failing\n";
  for (const auto& r : results) {
    if (probes::connectorOk(r)) {
      continue;
    }
    std::cout << "\n"
              << ctx.red(std::string(probes::diagnosisCodeName(r.diagnosis.code))) << "  "
              << r.capture.target.url() << "\n  "
              << safe(r.diagnosis.ok() ? r.runtime_verdict.sentence : r.diagnosis.summary) << "\n";
    if (!r.recommendation.command.empty()) {
      std::cout << "  fix: " << ctx.green(safe(r.recommendation.command)) << "\n";
    } else if (!r.recommendation.request_text.empty()) {
      std::cout << "  ask the owner: " << safe(r.recommendation.request_text) << "\n";
    }
  }
}

}  // namespace trustctl::agent
