// trustctl probe: connect to targets, capture what they present, diagnose, recommend, and
// optionally install the fix.
#include <sys/stat.h>
#include <unistd.h>

#include <fstream>
#include <iostream>
#include <set>

#include <CLI/CLI.hpp>

#include "agent/commands.h"
#include "agent/probe_command.h"
#include "agent/probe_inputs.h"
#include "agent/recommendation_command.h"
#include "truststore/connector_runtime.h"
#include "truststore/file_util.h"
#include "truststore/output_file.h"
#include "truststore/secret_wipe.h"

namespace trustctl::agent {

namespace {

using probes::ProbeJob;

struct TargetPlan {
  probes::Target target;
  std::string connector;
};

Result<std::vector<TargetPlan>> planTargets(const ProbeArgs& args,
                                            const truststore::StoreState& state) {
  std::vector<TargetPlan> out;
  auto add = [&](const std::string& url, const std::string& connector) -> Result<void> {
    auto target = probes::parseTarget(url);
    if (!target) {
      return tl::unexpected(target.error());
    }
    out.push_back({*target, connector});
    return {};
  };
  for (const auto& url : args.urls) {
    if (auto r = add(url, args.connector); !r) {
      return tl::unexpected(r.error());
    }
  }
  if (!args.urls.empty()) {
    return out;
  }
  for (const auto& [name, connector] : state.connectors) {
    if (!args.all && name != args.connector) {
      continue;
    }
    for (const auto& url : connector.targets) {
      if (auto r = add(url, name); !r) {
        return tl::unexpected(r.error());
      }
    }
  }
  if (out.empty()) {
    if (args.all || !args.connector.empty()) {
      std::string who = args.all ? "no connector" : "connector '" + args.connector + "'";
      return fail(ErrorCode::Usage, who +
                                        " lists any target; give a URL, or add one with "
                                        "'trustctl connector target NAME --add URL'");
    }
    return fail(ErrorCode::Usage,
                "give a URL to probe, --connector NAME (probes its targets) or --all");
  }
  return out;
}

using ProxyMap = std::map<std::string, std::unique_ptr<ProbeProxy>>;

// One route per connector ("" for none), read once: its credentials file is read only once.
Result<const ProbeProxy*> proxyOf(const ProbeArgs& args, const truststore::StoreState& state,
                                  const std::string& connector, ProxyMap& proxies) {
  auto it = proxies.find(connector);
  if (it == proxies.end()) {
    auto made = proxyFor(args.proxy, args.proxy_credentials_file, state.findConnector(connector));
    if (!made) {
      return tl::unexpected(made.error());
    }
    it = proxies.emplace(connector, std::move(*made)).first;
  }
  return it->second.get();
}

class Progress {
 public:
  explicit Progress(size_t total) : total_(total), on_(total > 1 && ::isatty(STDERR_FILENO) != 0) {}
  void step() {
    if (on_) {
      std::cerr << "\rprobing: " << ++done_ << "/" << total_ << std::flush;
    }
  }
  ~Progress() {
    if (on_) {
      std::cerr << "\r\033[K" << std::flush;
    }
  }

 private:
  size_t total_;
  size_t done_ = 0;
  bool on_;
};

void runProbe(CliContext& ctx, ProbeArgs& args) {
  UnixTime now = wallClockNow();
  if (!args.at.empty()) {
    auto at = parseInstant(args.at);
    if (!at || args.replay.empty()) {
      ctx.fail({ErrorCode::Usage,
                "--at " + args.at +
                    ": only with --replay, as YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or @SECONDS"});
      return;
    }
    now = *at;
  }
  if (args.install && args.connector.empty()) {
    ctx.fail({ErrorCode::Usage,
              "--install needs --connector NAME: the connector to trust the certificate in"});
    return;
  }
  if (args.bind_dn.empty() != args.bind_password_file.empty()) {
    ctx.fail({ErrorCode::Usage,
              "--bind-dn and --bind-password-file go together: the DN to bind as and "
              "the file holding its password"});
    return;
  }
  std::string bind_password;
  struct Wipe {
    std::string& s;
    ~Wipe() { truststore::wipeSecret(s); }
  } wipe{bind_password};
  if (!args.bind_password_file.empty()) {
    auto secret = ctx.requireSecret({args.bind_password_file, ""}, "the bind DN", false);
    if (!secret) {
      ctx.fail(secret.error());
      return;
    }
    bind_password = std::move(*secret);
  }
  truststore::Store store = ctx.store();
  auto snapshot = store.load();
  if (!snapshot) {
    ctx.fail(snapshot.error());
    return;
  }
  const truststore::StoreState& state = snapshot->state;
  if (!args.connector.empty() && !state.findConnector(args.connector)) {
    ctx.fail(truststore::connectorNotFoundError(args.connector));
    return;
  }
  std::vector<probes::Capture> replayed;
  std::vector<TargetPlan> plan;
  if (!args.replay.empty()) {
    auto r = readReplay(args.replay);
    if (!r) {
      ctx.fail(r.error());
      return;
    }
    replayed = std::move(*r);
    for (const auto& c : replayed) {
      plan.push_back({c.target, args.connector});
    }
  } else {
    auto p = planTargets(args, state);
    if (!p) {
      ctx.fail(p.error());
      return;
    }
    plan = std::move(*p);
  }
  if (args.install && plan.size() != 1) {
    ctx.fail({ErrorCode::Usage, "--install works on one target; give exactly one URL"});
    return;
  }
  probes::Catalog catalog;
  addLibrary(catalog, store, state);
  for (const auto& path : args.catalogs) {
    if (auto ok = probes::Catalog::checkPath(path); !ok) {
      ctx.fail(ok.error());
      return;
    }
    catalog.addPathLazily(path, "catalog");
  }
  if (!args.no_system_catalog && !probes::systemCaBundlePath().empty()) {
    catalog.addPathLazily(probes::systemCaBundlePath(), "catalog");
  }
  std::map<std::string, std::shared_ptr<const probes::TrustAnchors>> trust;
  std::map<std::string, std::unique_ptr<IdentityFiles>> identities;
  std::unique_ptr<IdentityFiles> explicit_identity;
  if (!args.identity.empty()) {
    auto id = loadIdentity(store, state, args.identity, "");
    if (!id) {
      ctx.fail(id.error());
      return;
    }
    explicit_identity = std::move(*id);
  }
  auto empty_trust = std::make_shared<const probes::TrustAnchors>(nullptr);
  std::vector<ProbeJob> jobs;
  ProxyMap proxies;
  for (const auto& p : plan) {
    ProbeJob job;
    auto proxy = proxyOf(args, state, p.connector, proxies);
    if (!proxy) {
      ctx.fail(proxy.error());
      return;
    }
    job.request.proxy = (*proxy)->choice;
    job.request.proxy_credentials =
        (*proxy)->credentials.empty() ? nullptr : &(*proxy)->credentials;
    job.proxy_argument = args.proxy;
    job.request.target = p.target;
    job.request.servername = args.servername;
    job.request.timeout_seconds = args.timeout_seconds;
    job.request.bind_dn = args.bind_dn;
    job.request.bind_password = args.bind_dn.empty() ? nullptr : &bind_password;
    job.connector = p.connector;
    job.trust = empty_trust;
    if (!p.connector.empty()) {
      if (!trust.count(p.connector)) {
        auto t = connectorTrust(store, p.connector);
        if (!t) {
          ctx.fail(t.error());
          return;
        }
        trust[p.connector] = *t;
        const truststore::Connector* c = state.findConnector(p.connector);
        if (c && !c->identity.empty() && !explicit_identity) {
          auto id = loadIdentity(store, state, c->identity, store.connectorPath(p.connector));
          if (!id) {
            ctx.fail(id.error());
            return;
          }
          identities[p.connector] = std::move(*id);
        }
      }
      job.trust = trust[p.connector];
    }
    IdentityFiles* id = explicit_identity               ? explicit_identity.get()
                        : identities.count(p.connector) ? identities[p.connector].get()
                                                        : nullptr;
    job.request.identity = id ? &id->identity : nullptr;
    job.identity_configured = id != nullptr;
    if (const truststore::Connector* c = state.findConnector(p.connector)) {
      job.revocation = c->revocation;
      job.runtime = c->runtime;
    }
    jobs.push_back(std::move(job));
  }

  std::vector<probes::ProbeResult> results(jobs.size());
  if (!replayed.empty()) {
    for (size_t i = 0; i < jobs.size(); ++i) {
      results[i] = probes::evaluateCapture(replayed[i], jobs[i], catalog, now);
      writeRecommendationCommand(results[i]);
    }
  } else {
    probes::RunnerOptions options;
    options.now = now;
    options.max_parallel_https = args.parallel;
    options.fetch_aia = !args.no_aia;
    Progress progress(jobs.size());
    probes::runProbes(jobs, catalog, options, [&](size_t i, probes::ProbeResult r) {
      writeRecommendationCommand(r);
      results[i] = std::move(r);
      progress.step();
    });
  }
  if (!args.record.empty()) {
    std::string lines;
    for (const auto& r : results) {
      lines += probes::captureToJson(r.capture).dump() + "\n";
    }
    if (auto w = truststore::writeOutputFile(args.record, lines, 0644); !w) {
      ctx.fail(w.error());
      return;
    }
  }
  bool all_ok = true;
  for (const auto& r : results) {
    all_ok = all_ok && probes::connectorOk(r);
  }
  ctx.exit_code = all_ok ? kExitOk : kExitProblem;
  if (ctx.options.json && results.size() == 1 && !args.install) {
    ctx.printJson(probes::probeResultJson(results[0]));
  } else if (ctx.options.json) {
    for (const auto& r : results) {
      std::cout << probes::probeResultJson(r).dump() << "\n";
    }
  } else if (results.size() == 1) {
    printProbeReport(ctx, results[0]);
  } else {
    printProbeSummary(ctx, results);
  }
  if (!args.install || probes::connectorOk(results[0])) {
    return;
  }
  if (!installRecommendation(ctx, args, results[0])) {
    return;
  }
  // Probe again with the connector's new trust and show the new verdict.
  auto again = connectorTrust(store, args.connector);
  if (!again) {
    ctx.fail(again.error());
    return;
  }
  jobs[0].trust = *again;
  probes::RunnerOptions options;
  options.now = wallClockNow();
  options.fetch_aia = !args.no_aia;
  probes::ProbeResult after;
  probes::runProbes(jobs, catalog, options, [&](size_t, probes::ProbeResult r) {
    writeRecommendationCommand(r);
    after = std::move(r);
  });
  ctx.exit_code = probes::connectorOk(after) ? kExitOk : kExitProblem;
  if (ctx.options.json) {
    std::cout << probes::probeResultJson(after).dump() << "\n";
  } else {
    std::cout << "\nProbing again after the install:\n";
    printProbeReport(ctx, after);
  }
}

}  // namespace

void addProbeCommand(CLI::App& app, CliContext& ctx) {
  auto args = std::make_shared<ProbeArgs>();
  CLI::App* cmd = app.add_subcommand("probe",
                                     "Connect to HTTPS/LDAPS/LDAP+StartTLS targets, diagnose TLS "
                                     "failures and say which certificate to install");
  cmd->add_option(
      "urls", args->urls,
      "Targets: https://host[:port]/, ldaps://host[:port], ldap://host[:port] (StartTLS)");
  cmd->add_option("-c,--connector", args->connector,
                  "Use this connector's trust and identity (without a URL: probe its targets)");
  cmd->add_flag("--all", args->all, "Probe every target of every connector");
  // One value per --catalog, so `--catalog F URL` leaves the URL a URL; repeat the option.
  cmd->add_option("--catalog", args->catalogs,
                  "Known (not trusted) certificates to recommend from: file or folder; repeatable")
      ->allow_extra_args(false);
  cmd->add_flag("--no-system-catalog", args->no_system_catalog,
                "Do not search the system CA bundle for the certificate to recommend");
  cmd->add_flag("--no-aia", args->no_aia,
                "Do not fetch missing issuers from the certificates' AIA URLs");
  cmd->add_option("--identity", args->identity,
                  "Present this library identity (mTLS) instead of the connector's");
  cmd->add_option(
      "--bind-dn", args->bind_dn,
      "LDAP: after the chain is verified, bind as this DN (simple bind) to check the credentials");
  cmd->add_option("--bind-password-file", args->bind_password_file,
                  "LDAP: file whose first line is the bind password (never on the command line)");
  cmd->add_option("--servername", args->servername,
                  "Name to send (SNI) and to check the certificate against");
  cmd->add_option("--timeout", args->timeout_seconds, "Seconds allowed per target (default 10)")
      ->check(finiteNumber())
      ->check(CLI::Range(0.1, 300.0));
  cmd->add_option("--parallel", args->parallel, "HTTPS probes at once (default 64)")
      ->check(finiteNumber())
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--proxy", args->proxy,
                  "HTTPS through this proxy (http://host:port), or none for direct; default: the "
                  "connector's proxy, else https_proxy/no_proxy as curl reads them");
  cmd->add_option("--proxy-credentials-file", args->proxy_credentials_file,
                  "File (mode 0600) whose one line is the proxy's user:password");
  cmd->add_flag("--allow-interception-root", args->allow_interception_root,
                "With --install: allow trusting a TLS-intercepting proxy's root");
  cmd->add_flag("--install", args->install,
                "Install the recommended certificate into the connector, then probe again");
  cmd->add_flag("-y,--yes", args->yes, "With --install: do not ask for confirmation");
  cmd->add_flag("--allow-server-pin", args->allow_server_pin,
                "With --install: allow trusting a server certificate itself");
  cmd->add_flag("--allow-unusable-trust", args->allow_unusable_trust,
                "With --install: trust a certificate the connector's runtime cannot anchor at");
  cmd->add_option("--record", args->record,
                  "Write the raw captures to this file (JSON lines) for --replay");
  cmd->add_option("--replay", args->replay,
                  "Diagnose captures recorded with --record instead of connecting");
  cmd->add_option("--at", args->at, "With --replay: judge validity at this instant");
  cmd->footer(
      "Exit codes: 0 every target ok, 1 a problem was found, 2 usage error (bad URL, unknown "
      "connector).\n\n"
      "Examples:\n"
      "  trustctl probe https://api.example.com --connector billing-api\n"
      "  trustctl probe ldaps://dc1.corp.example --connector ad-sync --json\n"
      "  trustctl probe ldap://dc1.corp.example --connector ad-sync      # StartTLS\n"
      "  trustctl probe https://api.example.com --connector billing-api --install\n"
      "  trustctl probe --all");
  cmd->callback([&ctx, args] { runProbe(ctx, *args); });
}

}  // namespace trustctl::agent
