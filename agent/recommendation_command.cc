#include "agent/recommendation_command.h"

namespace trustctl::agent {

namespace {

// Single-quotes anything but plain URL and name characters, so the line pastes into a shell.
std::string shellQuote(const std::string& s) {
  bool plain = !s.empty() && s.find_first_not_of(
                                 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                 "-_./:@=+,[]") == std::string::npos;
  if (plain) {
    return s;
  }
  std::string out = "'";
  for (char c : s) {
    out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  }
  return out + "'";
}

std::string connectorOrPlaceholder(const probes::RecommendContext& ctx) {
  return ctx.connector.empty() ? "<connector>" : ctx.connector;
}

std::string probeInstallCommand(const probes::ProbeResult& result) {
  const probes::RecommendContext& ctx = result.context;
  const probes::Recommendation& r = result.recommendation;
  std::string cmd = "trustctl probe " + shellQuote(ctx.url) + " --connector " +
                    connectorOrPlaceholder(ctx) + " --install";
  if (!ctx.servername.empty()) {
    cmd += " --servername " + shellQuote(ctx.servername);
  }
  if (!result.proxy_argument.empty()) {
    cmd += " --proxy " + shellQuote(result.proxy_argument);  // never credentials: not in it
  }
  if (r.interception_root) {
    cmd += " --allow-interception-root";
  }
  return r.kind == "server" ? cmd + " --allow-server-pin" : cmd;
}

}  // namespace

void writeRecommendationCommand(probes::ProbeResult& result) {
  probes::Recommendation& r = result.recommendation;
  const probes::RecommendContext& ctx = result.context;
  r.command.clear();
  if (r.action == probes::RecommendedAction::ConfigureIdentity) {
    r.command =
        "trustctl import CLIENT.p12 --identity --name CLIENT-ID && trustctl connector identity " +
        connectorOrPlaceholder(ctx) + " CLIENT-ID";
  } else if (r.action == probes::RecommendedAction::Install && r.cert) {
    // An interception root and the runtime's plan (several certificates) go through one
    // --install, which asks for the explicit flags.
    r.command = r.entry.empty() || r.interception_root || !r.runtime_plan.empty()
                    ? probeInstallCommand(result)
                    : "trustctl connector trust " + connectorOrPlaceholder(ctx) + " " + r.entry;
  }
}

}  // namespace trustctl::agent
