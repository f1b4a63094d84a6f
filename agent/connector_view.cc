// `trustctl connector list` and `connector show`: see connector_view.h.
#include "agent/connector_view.h"

#include <iostream>

#include "agent/entry_view.h"
#include "agent/table.h"
#include "truststore/certificate_status.h"
#include "truststore/connector_runtime.h"
#include "truststore/runtime_model.h"

namespace trustctl::agent {

namespace {

// Connectors made before runtimes existed say trustctl: the line tells the reader that this is
// a default, not a choice someone made.
std::string runtimeLine(truststore::ConnectorRuntime runtime) {
  const truststore::RuntimeModel& m = truststore::runtimeModel(runtime);
  if (runtime == truststore::ConnectorRuntime::Trustctl) {
    return "trustctl (default: the trustctl runtime library; set --runtime to the connector's "
           "own)";
  }
  return std::string(m.name) + " (" + std::string(m.display) + ")";
}

std::string proxyLine(const truststore::Connector& c) {
  std::string line = c.proxy.empty()     ? "from the environment (https_proxy, no_proxy)"
                     : c.proxy == "none" ? "none (direct)"
                                         : c.proxy;
  if (!c.proxy_credentials_file.empty()) {
    line += ", credentials from " + c.proxy_credentials_file;
  }
  return line;
}

}  // namespace

nlohmann::json connectorJson(const CliContext& ctx, const truststore::Store& store,
                             const truststore::StoreState& state, const truststore::Connector& c) {
  UnixTime now = wallClockNow();
  nlohmann::json trust = nlohmann::json::array();
  UnixTime earliest = 0;
  EntryStatus worst;
  auto consider = [&](const truststore::Entry& e) {
    EntryStatus s = entryStatus(state, e, now, ctx.expiringWindowSeconds());
    if (static_cast<int>(s.health) > static_cast<int>(worst.health)) {
      worst = {s.health, e.name + ": " + s.reason};
    }
    for (const auto& sha : e.certificates) {
      UnixTime t = state.certificates.at(sha).not_after;
      earliest = earliest == 0 ? t : std::min(earliest, t);
    }
  };
  for (const auto& name : c.trust) {
    if (const truststore::Entry* e = state.findEntry(name)) {
      trust.push_back(entryJson(state, *e, now, ctx.expiringWindowSeconds()));
      consider(*e);
    }
  }
  nlohmann::json identity = nullptr;
  if (const truststore::Entry* e = state.findEntry(c.identity)) {
    identity = entryJson(state, *e, now, ctx.expiringWindowSeconds());
    consider(*e);
  }
  std::string dir = store.connectorPath(c.name);
  return {{"name", c.name},
          {"environment", c.environment},
          {"note", c.note},
          {"trust", trust},
          {"identity", identity},
          {"targets", c.targets},
          {"revocation", truststore::revocationModeName(c.revocation)},
          {"runtime", truststore::runtimeName(c.runtime)},
          {"runtime_display", truststore::runtimeModel(c.runtime).display},
          {"runtime_explicit_trust", truststore::runtimeModel(c.runtime).explicit_trust},
          {"proxy", c.proxy.empty() ? nlohmann::json(nullptr) : nlohmann::json(c.proxy)},
          {"proxy_credentials_file", c.proxy_credentials_file.empty()
                                         ? nlohmann::json(nullptr)
                                         : nlohmann::json(c.proxy_credentials_file)},
          {"status", truststore::certificateHealthName(worst.health)},
          {"status_reason", worst.reason},
          {"earliest_expiry",
           earliest == 0 ? nlohmann::json(nullptr) : nlohmann::json(formatRfc3339(earliest))},
          {"files",
           {{"dir", dir},
            {"ca_bundle", dir + "/" + truststore::kBundleFile},
            {"capath", dir + "/" + truststore::kCapathDir},
            {"java_truststore", dir + "/" + truststore::kJavaTruststoreFile},
            {"java_truststore_password", truststore::kJavaTruststorePassword},
            {"identity_certificate",
             c.identity.empty() ? nlohmann::json(nullptr)
                                : nlohmann::json(dir + "/" + truststore::kIdentityCertFile)},
            {"identity_key", c.identity.empty()
                                 ? nlohmann::json(nullptr)
                                 : nlohmann::json(dir + "/" + truststore::kIdentityKeyFile)},
            {"manifest", dir + "/" + truststore::kManifestFile}}}};
}

void runConnectorList(CliContext& ctx) {
  truststore::Store store = ctx.store();
  auto snapshot = store.load();
  if (!snapshot) {
    ctx.fail(snapshot.error());
    return;
  }
  nlohmann::json all = nlohmann::json::array();
  Table table({"CONNECTOR", "ENV", "RUNTIME", "TRUSTS", "IDENTITY", "TARGETS", "EARLIEST EXPIRY",
               "STATUS"});
  bool problem = false;
  for (const auto& [name, c] : snapshot->state.connectors) {
    nlohmann::json j = connectorJson(ctx, store, snapshot->state, c);
    problem = problem || (j["status"] != "ok" && j["status"] != "expiring");
    std::string trusts;
    for (const auto& t : c.trust) {
      trusts += (trusts.empty() ? "" : ",") + t;
    }
    table.addRow({name, c.environment.empty() ? "-" : c.environment,
                  std::string(truststore::runtimeName(c.runtime)),
                  trusts.empty() ? ctx.yellow("(nothing)") : trusts,
                  c.identity.empty() ? "-" : c.identity, std::to_string(c.targets.size()),
                  j["earliest_expiry"].is_null()
                      ? "-"
                      : j["earliest_expiry"].get<std::string>().substr(0, 10),
                  j["status"].get<std::string>()});
    all.push_back(std::move(j));
  }
  if (ctx.options.json) {
    ctx.printJson(all);
  } else if (table.empty()) {
    std::cout << "No connectors. Create one with 'trustctl connector create NAME'.\n";
  } else {
    table.print(std::cout);
  }
  ctx.exit_code = problem ? kExitProblem : kExitOk;
}

void runConnectorShow(CliContext& ctx, const std::string& name) {
  truststore::Store store = ctx.store();
  auto snapshot = store.load();
  if (!snapshot) {
    ctx.fail(snapshot.error());
    return;
  }
  const truststore::Connector* c = snapshot->state.findConnector(name);
  if (c == nullptr) {
    ctx.fail(truststore::connectorNotFoundError(name));
    return;
  }
  nlohmann::json j = connectorJson(ctx, store, snapshot->state, *c);
  ctx.exit_code = (j["status"] != "ok" && j["status"] != "expiring") ? kExitProblem : kExitOk;
  if (ctx.options.json) {
    ctx.printJson(j);
    return;
  }
  std::cout << ctx.bold(name) << "  environment " << (c->environment.empty() ? "-" : c->environment)
            << "\n  status    " << j["status"].get<std::string>()
            << (j["status_reason"].get<std::string>().empty()
                    ? ""
                    : " (" + j["status_reason"].get<std::string>() + ")")
            << "\n";
  if (c->trust.empty()) {
    std::cout << ctx.yellow("  trusts    nothing: every TLS connection will fail verification")
              << "\n";
  }
  Table table({"  TRUSTS", "KIND", "SUBJECT CN", "EXPIRES ON", "STATUS"});
  for (const auto& e : j["trust"]) {
    table.addRow({"  " + e["name"].get<std::string>(), e["kind"], e["subject_cn"],
                  e["expires_on"].get<std::string>().substr(0, 10), e["status"]});
  }
  if (!table.empty()) {
    table.print(std::cout);
  }
  std::cout << "  identity  " << (c->identity.empty() ? "-" : c->identity) << "\n";
  std::cout << "  revocation " << truststore::revocationModeName(c->revocation) << "\n";
  std::cout << "  runtime   " << runtimeLine(c->runtime) << "\n";
  std::cout << "            explicit trust: " << truststore::runtimeModel(c->runtime).explicit_trust
            << "\n";
  std::cout << "  proxy     " << proxyLine(*c) << "\n";
  for (const auto& t : c->targets) {
    std::cout << "  target    " << t << "\n";
  }
  std::cout << "  files\n";
  for (const auto& [key, value] : j["files"].items()) {
    if (!value.is_null()) {
      std::cout << "    " << key << std::string(26 - std::min<size_t>(key.size(), 25), ' ')
                << value.get<std::string>() << "\n";
    }
  }
}

}  // namespace trustctl::agent
