// trustctl verify: check a chain file against a connector's trust at a time and host name.
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "agent/cli_context.h"
#include "agent/commands.h"
#include "probes/paths_json.h"
#include "truststore/anchor_set.h"
#include "truststore/certificate_status.h"
#include "truststore/chain_verifier.h"
#include "truststore/connector_runtime.h"
#include "truststore/file_util.h"
#include "truststore/runtime_model.h"
#include "truststore/text_escape.h"

namespace trustctl::agent {

namespace {

struct VerifyArgs {
  std::string file;
  std::vector<std::string> untrusted;
  std::string connector;
  std::string host;
  std::string at;
  bool strict = false;
  bool no_partial_chain = false;
  std::string runtime;  // "" = the connector's
};

// The runtime to judge as: --runtime, else the connector's (read from the state only then, so
// `verify --runtime R` keeps to the anchor files).
Result<truststore::ConnectorRuntime> runtimeFor(const CliContext& ctx, const VerifyArgs& args) {
  if (!args.runtime.empty()) {
    if (auto r = truststore::runtimeFromName(args.runtime)) {
      return *r;
    }
    return fail(ErrorCode::InvalidArgument, "--runtime " + args.runtime +
                                                ": not a runtime trustctl models; use one of " +
                                                truststore::runtimeNameList());
  }
  auto snapshot = ctx.store().load();
  if (!snapshot) {
    return tl::unexpected(snapshot.error());
  }
  const truststore::Connector* c = snapshot->state.findConnector(args.connector);
  return c ? c->runtime : truststore::ConnectorRuntime::Trustctl;
}

nlohmann::json certJson(const truststore::CertificatePtr& c) {
  const auto& i = c->info();
  return {{"subject", i.subject},
          {"issuer", i.issuer},
          {"sha256", i.sha256},
          {"kind", truststore::certificateKindName(truststore::classifyCertificate(i))},
          {"not_before", formatRfc3339(i.not_before)},
          {"not_after", formatRfc3339(i.not_after)}};
}

void runVerify(CliContext& ctx, const VerifyArgs& args) {
  UnixTime now = wallClockNow();
  if (!args.at.empty()) {
    auto at = parseInstant(args.at);
    if (!at) {
      ctx.fail({ErrorCode::Usage,
                "--at " + args.at + ": use YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ or @SECONDS"});
      return;
    }
    now = *at;
  }
  // Only the connector's indexed anchors are read: the library's state is not needed, which
  // keeps a 10,000-anchor connector ready to verify in milliseconds.
  std::string generation = ctx.store().currentGenerationDir();
  std::string dir = generation + "/connectors/" + args.connector;
  if (generation.empty() || !truststore::pathExists(dir)) {
    ctx.fail(truststore::connectorNotFoundError(args.connector));
    return;
  }
  auto anchors = truststore::AnchorSet::loadIndexed(dir + "/" + truststore::kAnchorsDerFile,
                                                    dir + "/" + truststore::kAnchorsIndexFile);
  if (!anchors) {
    ctx.fail(anchors.error());
    return;
  }
  auto chain = truststore::readCertificatesFromFile(args.file);
  if (!chain) {
    ctx.fail(chain.error());
    return;
  }
  for (const auto& extra : args.untrusted) {
    auto more = truststore::readCertificatesFromFile(extra);
    if (!more) {
      ctx.fail(more.error());
      return;
    }
    chain->insert(chain->end(), more->begin(), more->end());
  }
  truststore::VerifyOptions options{now, args.host};
  options.profile_checks = args.strict;
  options.partial_chain = !args.no_partial_chain;
  auto outcome = truststore::verifyChain(*chain, **anchors, options);
  auto runtime = runtimeFor(ctx, args);
  if (!runtime) {
    ctx.fail(runtime.error());
    return;
  }
  // The connector's runtime decides the exit code; trustctl's own judgement is reported too.
  truststore::RuntimeVerdict verdict =
      truststore::judgeAsRuntime(truststore::runtimeModel(*runtime), *chain, **anchors,
                                 truststore::VerifyOptions{now, truststore::bareHost(args.host)});
  bool ok = *runtime == truststore::ConnectorRuntime::Trustctl ? outcome.ok : verdict.accepted;
  ctx.exit_code = ok ? kExitOk : kExitProblem;
  if (ctx.options.json) {
    nlohmann::json path = nlohmann::json::array();
    for (const auto& c : outcome.path) {
      path.push_back(certJson(c));
    }
    ctx.printJson(
        {{"verdict", ok ? "ok" : "fail"},
         {"server_verdict", outcome.ok ? "ok" : "fail"},
         {"runtime_verdict",
          {{"runtime", truststore::runtimeName(verdict.runtime)},
           {"accepted", verdict.accepted},
           {"code", verdict.code},
           {"sentence", verdict.sentence}}},
         {"connector", args.connector},
         {"host", args.host.empty() ? nlohmann::json(nullptr) : nlohmann::json(args.host)},
         {"at", formatRfc3339(now)},
         {"error", outcome.ok ? nlohmann::json(nullptr) : nlohmann::json(outcome.error_text)},
         {"error_code", outcome.ok ? nlohmann::json(nullptr) : nlohmann::json(outcome.error_name)},
         {"openssl_error", outcome.error},
         {"error_depth", outcome.error_depth},
         {"path", path},
         {"paths_tried", probes::pathsTriedJson(outcome.paths.paths)}});
    return;
  }
  // Subjects and OpenSSL's words are escaped: a certificate's name may hold control bytes.
  using truststore::escapeControl;
  std::cout << (ok ? ctx.green("OK") : ctx.red("FAILED")) << "  " << escapeControl(args.file)
            << " against connector " << args.connector << " (" << (*anchors)->size()
            << " anchors) at " << formatRfc3339(now)
            << (args.host.empty() ? "" : " for " + args.host) << "\n";
  for (size_t i = 0; i < outcome.path.size(); ++i) {
    const auto& info = outcome.path[i]->info();
    bool anchor = outcome.ok && i + 1 == outcome.path.size();
    std::cout << "  " << std::string(i * 2, ' ') << (i == 0 ? "" : "└ ")
              << escapeControl(info.subject) << "  ["
              << truststore::certificateKindName(truststore::classifyCertificate(info))
              << (anchor ? ", trusted anchor" : "") << "]"
              << (static_cast<int>(i) == outcome.error_depth
                      ? ctx.red("  <- " + escapeControl(outcome.error_text))
                      : "")
              << "\n";
  }
  if (!outcome.ok) {
    std::cout << "  reason: " << escapeControl(outcome.error_text) << " (" << outcome.error_name
              << "; OpenSSL error " << outcome.error << ")\n";
    if (outcome.paths.paths.size() > 1) {
      std::cout << "  " << outcome.paths.paths.size()
                << " paths were tried; --json lists each with its faults\n";
    }
  }
  std::cout << "  trustctl: " << (outcome.ok ? "accepts" : "refuses") << "\n  runtime "
            << truststore::runtimeName(verdict.runtime) << ": "
            << (verdict.accepted ? ctx.green("accepts") : ctx.red("refuses")) << " ("
            << verdict.code << "): " << escapeControl(verdict.sentence) << "\n";
}

}  // namespace

void addVerifyCommand(CLI::App& app, CliContext& ctx) {
  auto args = std::make_shared<VerifyArgs>();
  CLI::App* cmd = app.add_subcommand("verify", "Verify a chain file against a connector's trust");
  cmd->add_option("file", args->file, "Leaf certificate, or leaf + intermediates (any format)")
      ->required();
  cmd->add_option("-c,--connector", args->connector, "Connector whose trust to use")->required();
  cmd->add_option("--untrusted", args->untrusted, "More untrusted intermediates (repeatable)");
  cmd->add_option("--host", args->host, "Host name or IP the certificate must match");
  cmd->add_option("--at", args->at, "Judge validity at this instant (YYYY-MM-DD, RFC 3339, @secs)");
  cmd->add_flag("--strict", args->strict,
                "Also apply the profile rules a careful verifier adds to RFC 5280 (key "
                "identifiers, serial numbers, root basicConstraints, ...)");
  cmd->add_flag("--no-partial-chain", args->no_partial_chain,
                "Anchor only at a trusted self-signed root, as plain OpenSSL does");
  cmd->add_option("--runtime", args->runtime,
                  "Also judge as this runtime (" + truststore::runtimeNameList() +
                      "; default: the connector's)");
  cmd->footer(
      "Partial chains are accepted, as connector runtimes do: trusting an intermediate\n"
      "or the server certificate itself is enough. Paths are built from the file's\n"
      "certificates in any order and the connector's anchors, with backtracking; the\n"
      "best path decides, and every path tried is in --json's paths_tried.\n"
      "Two verdicts: trustctl's own, and the connector's runtime's (or --runtime R's), which\n"
      "decides the exit code: 0 accepted, 1 refused.\n\nExamples:\n"
      "  trustctl verify server-chain.pem --connector erp-api --host erp.example.com\n"
      "  trustctl verify leaf.pem --untrusted inter.pem -c ad-sync --at 2027-01-01");
  cmd->callback([&ctx, args] { runVerify(ctx, *args); });
}

}  // namespace trustctl::agent
