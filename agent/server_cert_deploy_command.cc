// trustctl server-cert edit / check: where a server certificate is served, and the proof that
// those listeners present exactly it (agent/server_cert_deploy.h).
#include <algorithm>
#include <iostream>
#include <memory>

#include "agent/server_cert_deploy.h"
#include "agent/server_cert_view.h"
#include "truststore/server_cert.h"
#include "truststore/store.h"
#include "truststore/target_url.h"

namespace trustctl::agent {

namespace {

namespace ts = truststore;

struct DeployArgs {
  std::string name;
  std::vector<std::string> names;
  std::vector<std::string> served_at;
  bool no_served_at = false;
  double timeout_seconds = 5;
};

void runEdit(CliContext& ctx, const DeployArgs& a) {
  if (a.served_at.empty() == !a.no_served_at) {
    ctx.fail(
        {ErrorCode::Usage, "server-cert edit: give --served-at URL (repeat) or --no-served-at"});
    return;
  }
  auto urls = normalizeServedAt(a.served_at);
  if (!urls) {
    ctx.fail(urls.error());
    return;
  }
  auto generation =
      ctx.store().update(ctx.updateOptions(), [&](ts::Transaction& tx) -> Result<void> {
        auto it = tx.state().server_certs.find(a.name);
        if (it == tx.state().server_certs.end()) {
          return tl::unexpected(ts::serverCertNotFoundError(a.name));
        }
        if (it->second.served_at != *urls) {
          it->second.served_at = *urls;
          it->second.updated_at = tx.now();
          tx.audit("server-cert.edit", a.name, "", "served_at " + std::to_string(urls->size()));
        }
        return {};
      });
  if (!generation) {
    ctx.fail(generation.error());
    return;
  }
  if (ctx.options.json) {
    ctx.printJson({{"name", a.name}, {"served_at", *urls}});
  } else if (urls->empty()) {
    std::cout << "Server certificate " << a.name << " is served nowhere the agent checks\n";
  } else {
    std::cout << "Server certificate " << a.name << " is served at";
    for (const auto& u : *urls) {
      std::cout << " " << u;
    }
    std::cout << "; prove it with 'trustctl server-cert check " << a.name << "'\n";
  }
}

void runCheck(CliContext& ctx, const DeployArgs& a) {
  ts::Store store = ctx.store();
  auto snapshot = store.load();
  if (!snapshot) {
    ctx.fail(snapshot.error());
    return;
  }
  for (const auto& n : a.names) {
    if (snapshot->state.server_certs.count(n) == 0) {
      ctx.fail(ts::serverCertNotFoundError(n));
      return;
    }
  }
  auto records = loadDeployments(store.dir());
  if (!records) {
    records = DeploymentRecords{};  // a damaged record file is rewritten by this check
  }
  auto proved = proveServerCerts(snapshot->state, a.names, wallClockNow(), a.timeout_seconds);
  for (auto& [name, d] : proved) {
    (*records)[name] = d;
  }
  if (auto saved = saveDeployments(store.dir(), *records); !saved) {
    std::cerr << "trustctl: warning: " << saved.error().message << "\n";
  }
  bool all_yes = true;
  for (const auto& [name, d] : proved) {
    for (const auto& v : d.listeners) {
      all_yes = all_yes && v.overall == probes::DeployState::Yes;
    }
  }
  ctx.exit_code = all_yes ? kExitOk : kExitProblem;
  if (ctx.options.json) {
    nlohmann::json all = nlohmann::json::array();
    for (const auto& [name, d] : proved) {
      all.push_back(deploymentJson(d));
    }
    ctx.printJson(all);
    return;
  }
  if (proved.empty()) {
    std::cout << "No server certificate names where it is served; add one with "
                 "'trustctl server-cert edit NAME --served-at https://host:port'\n";
    return;
  }
  std::vector<std::string> only(a.names);
  printServerCertTable(ctx, snapshot->state, *records, only);
  for (const auto& [name, d] : proved) {
    for (const auto& v : d.listeners) {
      if (!v.default_certificate) {
        continue;
      }
      const auto& r = *v.default_certificate;
      std::cout << name << " at " << v.url << " without SNI (default certificate): "
                << (r.state == probes::DeployState::Yes     ? "this certificate"
                    : r.state == probes::DeployState::Other ? "SHA-256 " + r.detail
                                                            : "unreachable: " + r.detail)
                << "\n";
    }
  }
}

}  // namespace

Result<std::vector<std::string>> normalizeServedAt(const std::vector<std::string>& urls) {
  std::vector<std::string> out;
  for (const auto& u : urls) {
    auto target = ts::parseTarget(u);
    if (!target) {
      return tl::unexpected(target.error());
    }
    std::string url = target->url();
    if (std::find(out.begin(), out.end(), url) == out.end()) {
      out.push_back(url);
    }
  }
  return out;
}

void addServerCertDeployCommands(CLI::App* group, CliContext& ctx) {
  auto a = std::make_shared<DeployArgs>();
  CLI::App* edit = group->add_subcommand("edit", "Change where a server certificate is served");
  edit->add_option("name", a->name, "Server certificate name")->required();
  edit->add_option("--served-at", a->served_at,
                   "Listener serving it: https://host:port, ldaps://host:port or "
                   "ldap://host:port (StartTLS); repeat; replaces the list");
  edit->add_flag("--no-served-at", a->no_served_at, "Served nowhere the agent checks");
  edit->callback([&ctx, a] { runEdit(ctx, *a); });

  CLI::App* check = group->add_subcommand(
      "check", "Probe where server certificates are served: is it exactly this certificate?");
  check->add_option("names", a->names, "Server certificate names (default: all with served_at)");
  check->add_option("--timeout", a->timeout_seconds, "Seconds per handshake (default 5)")
      ->check(CLI::Range(0.1, 120.0));
  check->footer(
      "One TLS handshake per domain with SNI = the domain, and one without SNI (reported as\n"
      "the listener's default certificate, not part of the verdict). Exit 1 unless every\n"
      "listener presents the certificate for every domain.");
  check->callback([&ctx, a] { runCheck(ctx, *a); });
}

}  // namespace trustctl::agent
