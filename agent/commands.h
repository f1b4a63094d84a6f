#pragma once
// Registration of trustctl's subcommands on the CLI11 app. Each add* function declares one
// group's options and a callback that runs it against the context.

namespace CLI {
class App;
}

namespace trustctl::agent {

class CliContext;

void addImportCommand(CLI::App& app, CliContext& ctx);
void addLibraryViewCommands(CLI::App& app, CliContext& ctx);  // list, show, where-used
void addLibraryEditCommands(CLI::App& app, CliContext& ctx);  // edit, rename, remove, export
void addConnectorCommands(CLI::App& app, CliContext& ctx);
void addVerifyCommand(CLI::App& app, CliContext& ctx);
void addStoreCommands(CLI::App& app, CliContext& ctx);  // log, store check, store path
void addProbeCommand(CLI::App& app, CliContext& ctx);   // probe (diagnosis, --install)
void addApplyCommand(CLI::App& app, CliContext& ctx);   // apply (TOML config)
void addAgentCommand(CLI::App& app, CliContext& ctx);   // agent (daemon)
void addStatusCommand(CLI::App& app, CliContext& ctx);  // status
void addCaCommands(CLI::App& app, CliContext& ctx);     // ca create, list, show, issue
// server-cert add, list, show, remove, path
void addServerCertCommands(CLI::App& app, CliContext& ctx);
void addScopeCommands(CLI::App& app, CliContext& ctx);  // scope create, list, show, remove
// signing init, rotate, advance, jwks, pem, status, sign
void addSigningCommands(CLI::App& app, CliContext& ctx);

}  // namespace trustctl::agent
