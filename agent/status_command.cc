// trustctl status: the table the vendor pages show, per connector: target, Subject CN, Issued
// On, Expires On, Status, and the day it breaks; from the agent's status file or, with --live,
// by probing now.
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "agent/cli_context.h"
#include "agent/commands.h"
#include "agent/fleet_probe.h"
#include "agent/server_cert_deploy.h"
#include "agent/server_cert_view.h"
#include "agent/table.h"
#include "config/config_file.h"
#include "truststore/file_util.h"

namespace trustctl::agent {

namespace {

std::string day(const nlohmann::json& rfc3339) {
  return rfc3339.is_string() ? rfc3339.get<std::string>().substr(0, 10) : "-";
}

// The server certificates' rows (agent/server_cert_view.h JSON with "deployment"): one line
// per domain and listener. Exit 1 when one is expired or critical or not proven deployed.
int printServerCerts(const CliContext& ctx, const nlohmann::json& rows, int exit_code) {
  Table table({"DOMAIN", "NAME", "SUBJECT CN", "EXPIRES ON", "STATUS", "LISTENER", "DEPLOYED"});
  for (const auto& r : rows) {
    std::string status = r.value("status", "entry missing");
    exit_code = status == "ok" || status == "expiring" ? exit_code : kExitProblem;
    std::string expires =
        r.contains("not_after") ? formatDate(r["not_after"].get<UnixTime>()) : "-";
    const auto& d = r.contains("deployment") ? r["deployment"] : nlohmann::json();
    bool current = d.is_object() && d.value("expected_sha256", "") == r.value("sha256", "");
    for (const auto& domain : r.at("domains")) {
      std::string sni = probes::sniForDomain(domain.get<std::string>());
      if (!current || d["listeners"].empty()) {
        table.addRow({domain, r.at("name"), r.value("subject_cn", "-"), expires, status, "-",
                      r.at("served_at").empty() ? "not served" : "not checked"});
        continue;
      }
      for (const auto& l : d["listeners"]) {
        std::string deployed = "unreachable";
        for (const auto& one : l.at("domains")) {
          if (one.at("sni") == sni) {
            deployed = one.at("state") == "no"
                           ? "no: serves SHA-256 " +
                                 one.at("detail").get<std::string>().substr(0, 16) + "… instead"
                           : one.at("state").get<std::string>();
          }
        }
        exit_code = deployed == "yes" ? exit_code : kExitProblem;
        table.addRow({domain, r.at("name"), r.value("subject_cn", "-"), expires, status,
                      l.at("url"), deployed == "yes" ? ctx.green(deployed) : ctx.red(deployed)});
      }
    }
  }
  if (!table.empty()) {
    std::cout << "\n" << ctx.bold("server certificates") << "\n";
    table.print(std::cout);
  }
  return exit_code;
}

int printStatus(const CliContext& ctx, const nlohmann::json& fleet) {
  int exit_code = kExitOk;
  std::cout << "Status at " << fleet.value("generated_at", "?") << "\n";
  for (const auto& c : fleet.at("connectors")) {
    std::cout << "\n"
              << ctx.bold("connector " + c.at("name").get<std::string>())
              << "  breaks on: " << day(c.at("breaks_on")) << "\n";
    Table targets({"TARGET", "SUBJECT CN", "ISSUED ON", "EXPIRES ON", "STATUS", "BREAKS ON"});
    for (const auto& t : c.at("targets")) {
      bool ok = t.at("verdict") == "ok";
      exit_code = ok ? exit_code : kExitProblem;
      const auto& chain = t.at("presented_chain");
      std::string cn = "-", issued = "-", expires = "-";
      if (!chain.empty()) {
        std::string subject = chain[0].at("subject");
        size_t at = subject.find("CN=");
        cn = at == std::string::npos ? subject
                                     : subject.substr(at + 3, subject.find(',', at) - at - 3);
        issued = day(chain[0].at("not_before"));
        expires = day(chain[0].at("not_after"));
      }
      std::string code = t.at("diagnosis").at("code");
      // trustctl's judgement is ok but the connector's runtime refuses: say which and why.
      if (!ok && code == "ok" && t.contains("runtime_verdict")) {
        const auto& v = t.at("runtime_verdict");
        code = v.value("runtime", "?") + ": " + v.value("code", "?");
      }
      targets.addRow({t.at("target"), cn, issued, expires, ok ? ctx.green(code) : ctx.red(code),
                      day(t.at("breaks_on"))});
    }
    if (!targets.empty())
      targets.print(std::cout);
    Table certs({"ENTRY", "ROLE", "SUBJECT CN", "ISSUED ON", "EXPIRES ON", "STATUS"});
    for (const auto& r : c.at("certificates")) {
      std::string status = r.at("status");
      if (status == "expired" || status == "critical")
        exit_code = kExitProblem;
      certs.addRow({r.at("entry"), r.at("role"), r.at("subject_cn"), day(r.at("not_before")),
                    day(r.at("not_after")),
                    status == "ok"         ? ctx.green(status)
                    : status == "expiring" ? ctx.yellow(status)
                                           : ctx.red(status)});
    }
    if (!certs.empty())
      certs.print(std::cout);
  }
  if (fleet.contains("server_certs")) {
    exit_code = printServerCerts(ctx, fleet.at("server_certs"), exit_code);
  }
  return exit_code;
}

// The agent rewrites its status file every cycle and writes in it when it counts as stale
// (two probe intervals): an older file means the agent is not running or not cycling.
void warnIfStale(const std::string& path, const nlohmann::json& fleet) {
  auto stale_after = fleet.contains("stale_after") && fleet["stale_after"].is_string()
                         ? parseInstant(fleet["stale_after"].get<std::string>())
                         : std::nullopt;
  if (stale_after && *stale_after < wallClockNow()) {
    std::cerr << "trustctl: warning: " << path << " was written at "
              << fleet.value("generated_at", "?")
              << ", more than two probe intervals ago: the agent is not running or is stuck "
                 "(systemctl status trustctl-agent); use 'status --live' for a fresh look\n";
  }
}

void runStatus(CliContext& ctx, bool live, const std::string& config_path) {
  truststore::Store store = ctx.store();
  nlohmann::json fleet;
  if (live) {
    auto snapshot = ctx.options.scope.empty() ? store.loadAll() : store.load();
    if (!snapshot) {
      ctx.fail(snapshot.error());
      return;
    }
    FleetProbeOptions options;
    options.now = wallClockNow();
    options.thresholds.warning_days = ctx.options.expiring_days;
    if (!config_path.empty()) {
      auto config = config::loadConfig(config_path, {});
      if (config) {
        options.thresholds = {config->expiry.warning_days, config->expiry.critical_days};
      }
    }
    std::vector<std::string> problems;
    auto probed = probeConnectors(store, snapshot->state, {}, options, &problems);
    for (const auto& p : problems)
      std::cerr << "trustctl: " << p << "\n";
    probes::FleetStatus status;
    status.generated_at = options.now;
    for (const auto& [name, connector] : snapshot->state.connectors) {
      status.connectors.push_back(
          {name,
           probed[name],
           certificateRows(snapshot->state, connector, options.now, options.thresholds),
           {}});
    }
    probes::computeForecast(status);
    fleet = probes::fleetStatusJson(status);
    // Proved now like the agent does, and recorded like `server-cert check`.
    auto records = proveServerCerts(snapshot->state, {}, options.now, 5);
    if (auto saved = saveDeployments(store.dir(), records); !saved) {
      std::cerr << "trustctl: warning: " << saved.error().message << "\n";
    }
    nlohmann::json rows = nlohmann::json::array();
    for (const auto& [name, sc] : snapshot->state.server_certs) {
      auto j = serverCertJson(snapshot->state, sc, options.now,
                              std::int64_t{options.thresholds.warning_days} * 86400);
      auto r = records.find(name);
      j["deployment"] = r == records.end() ? nlohmann::json() : deploymentJson(r->second);
      rows.push_back(std::move(j));
    }
    fleet["server_certs"] = std::move(rows);
  } else {
    std::string path = store.dir() + "/agent-status.json";
    auto text = truststore::readWholeFile(path);
    if (!text) {
      ctx.fail({ErrorCode::FileNotFound,
                path + ": no agent status yet; run 'trustctl agent' or use 'status --live'"});
      return;
    }
    try {
      fleet = nlohmann::json::parse(*text);
    } catch (const nlohmann::json::exception&) {
      ctx.fail({ErrorCode::StoreCorrupt,
                path + ": not the agent's status JSON; the agent rewrites it next cycle"});
      return;
    }
    warnIfStale(path, fleet);
  }
  if (ctx.options.json) {
    ctx.printJson(fleet);
    return;
  }
  ctx.exit_code = printStatus(ctx, fleet);
}

}  // namespace

void addStatusCommand(CLI::App& app, CliContext& ctx) {
  auto live = std::make_shared<bool>(false);
  auto config = std::make_shared<std::string>();
  CLI::App* cmd = app.add_subcommand(
      "status", "Every connector's targets and certificates, with the day each breaks");
  cmd->add_flag("--live", *live,
                "Probe every target now instead of reading the agent's status file");
  cmd->add_option("--config", *config, "With --live: take the expiry thresholds from this config");
  cmd->footer(
      "Exit codes: 0 all ok, 1 a target fails or a certificate is expired or critical.\n\n"
      "Examples:\n  trustctl status\n  trustctl status --live --json");
  cmd->callback([&ctx, live, config] { runStatus(ctx, *live, *config); });
}

}  // namespace trustctl::agent
