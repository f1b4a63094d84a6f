// `trustctl probe --install`: one step from a diagnosis to a working connector. The recommended
// certificate goes into the library (or is reused when the library already holds it) and is
// attached to the connector in one transaction.
#include <unistd.h>

#include <cctype>
#include <iostream>

#include "agent/probe_command.h"
#include "truststore/library.h"
#include "truststore/runtime_model.h"

namespace trustctl::agent {

namespace {

// An entry name from the certificate's CN: "Demo Root CA" -> "demo-root-ca", made unique.
std::string entryNameFor(const truststore::Certificate& cert, const truststore::StoreState& state) {
  const auto& info = cert.info();
  std::string base;
  for (char ch : info.subject_cn.empty() ? info.subject : info.subject_cn) {
    auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c)) {
      base += static_cast<char>(std::tolower(c));
    } else if (!base.empty() && base.back() != '-') {
      base += '-';
    }
  }
  while (!base.empty() && base.back() == '-') {
    base.pop_back();
  }
  if (base.empty() || !std::isalnum(static_cast<unsigned char>(base[0]))) {
    base = "cert-" + info.sha256.substr(0, 12);
  }
  base = base.substr(0, 56);
  std::string name = base;
  for (int n = 2; state.findEntry(name) && n < 1000; ++n) {
    name = base + "-" + std::to_string(n);
  }
  return name;
}

bool confirm(const std::string& question) {
  std::cerr << question << " [y/N] " << std::flush;
  std::string answer;
  std::getline(std::cin, answer);
  return !answer.empty() && (answer[0] == 'y' || answer[0] == 'Y');
}

// A connector a config file declares gets exactly the file's trust at the next apply, SIGHUP
// or agent restart: without this note the install would be undone silently.
void warnDeclared(const truststore::Connector& c) {
  if (c.declared_by.empty()) {
    return;
  }
  std::string trust;
  for (const auto& t : c.trust) {
    trust += (trust.empty() ? "\"" : ", \"") + t + "\"";
  }
  std::cerr << "note: connector " << c.name << " is declared in " << c.declared_by
            << "; the next apply will undo this install. Add to that file:\n"
            << "  [connectors." << c.name << "]\n"
            << "  trust = [" << trust << "]\n";
}

}  // namespace

bool installRecommendation(CliContext& ctx, const ProbeArgs& args,
                           const probes::ProbeResult& result) {
  const probes::Recommendation& rec = result.recommendation;
  if (rec.action != probes::RecommendedAction::Install || !rec.cert) {
    ctx.fail(
        {ErrorCode::NothingToInstall,
         "--install: " + result.capture.target.url() + " needs " +
             std::string(probes::recommendedActionName(rec.action)) +
             (rec.action == probes::RecommendedAction::Install
                  ? ", but the certificate to trust is not available here; ask the owner for it"
                  : ", not a certificate; see the recommendation above")});
    return false;
  }
  if (rec.kind == "server" && !args.allow_server_pin) {
    ctx.fail({ErrorCode::ServerPinRefused,
              "--install: the only certificate to trust is the server's own ('" +
                  rec.cert->info().subject +
                  "'); pinning it breaks at every renewal. Add "
                  "--allow-server-pin to do it anyway"});
    return false;
  }
  if (rec.interception_root && !args.allow_interception_root) {
    ctx.fail({ErrorCode::InterceptionRootRefused,
              "--install: '" + rec.cert->info().subject +
                  "' is the root a TLS-intercepting proxy re-signs connections with; trusting "
                  "it trusts whatever that proxy presents. Add --allow-interception-root to do "
                  "it anyway"});
    return false;
  }
  // The runtime's plan (e.g. intermediate and root for Python), else the one certificate.
  std::vector<truststore::CertificatePtr> certs =
      rec.runtime_plan.empty() ? std::vector{rec.cert} : rec.runtime_plan;
  const truststore::RuntimeModel& model = truststore::runtimeModel(result.runtime_verdict.runtime);
  std::string unusable = truststore::whyRuntimeCannotAnchor(model, *certs.back());
  if (!unusable.empty() && !args.allow_unusable_trust) {
    ctx.fail({ErrorCode::UnusableTrustRefused,
              "--install: connector " + args.connector + " (runtime " + std::string(model.name) +
                  ") cannot use '" + certs.back()->info().subject + "': " + unusable +
                  "; add --allow-unusable-trust to trust it anyway"});
    return false;
  }
  std::string what;
  for (const auto& cert : certs) {
    std::string kind = cert == rec.cert           ? rec.kind
                       : cert->info().self_signed ? "root"
                                                  : "intermediate";
    what += (what.empty() ? "" : ", ") + kind + " certificate '" + cert->info().subject +
            "' sha256 " + cert->sha256();
  }
  if (!args.yes) {
    if (::isatty(STDIN_FILENO) == 0) {
      ctx.fail({ErrorCode::ConfirmationRequired,
                "--install: no terminal to confirm on; check the certificate above and add --yes"});
      return false;
    }
    if (!confirm("Trust the " + what + " in connector '" + args.connector + "'?")) {
      std::cerr << "Nothing installed.\n";
      ctx.exit_code = kExitProblem;
      return false;
    }
  }
  truststore::Store store = ctx.store();
  std::vector<std::string> entry_names;
  truststore::Connector declared;
  auto updated =
      store.update(ctx.updateOptions(), [&](truststore::Transaction& tx) -> Result<void> {
        entry_names.clear();
        for (const auto& cert : certs) {
          auto existing = tx.state().entryWithSameContent({cert->sha256()}, "");
          if (existing) {
            entry_names.push_back(*existing);
            continue;
          }
          entry_names.push_back(entryNameFor(*cert, tx.state()));
          truststore::ImportRequest request;
          request.name = entry_names.back();
          request.material.certificates = {cert};
          request.material.format = truststore::InputFormat::Der;
          request.source = result.capture.target.url() + " (" + rec.source + ")";
          request.note = "installed by trustctl probe --install";
          if (auto r = truststore::importEntry(tx, request); !r) {
            return r;
          }
        }
        auto attached = truststore::attachTrust(tx, args.connector, entry_names);
        if (const truststore::Connector* c = tx.state().findConnector(args.connector)) {
          declared = *c;
        }
        return attached;
      });
  if (!updated) {
    ctx.fail(updated.error());
    return false;
  }
  if (!ctx.options.json) {
    std::string entries;
    for (const auto& e : entry_names) {
      entries += (entries.empty() ? "'" : "', '") + e;
    }
    std::cout << "\n"
              << ctx.green("Installed") << ": " << what << "\n  as library "
              << (entry_names.size() == 1 ? "entry " : "entries ") << entries
              << "', trusted by connector '" << args.connector << "'\n";
  }
  warnDeclared(declared);
  return true;
}

}  // namespace trustctl::agent
