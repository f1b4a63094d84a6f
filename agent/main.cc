// trustctl: the command line. Thin: declares subcommands, runs the chosen one, maps errors to
// the documented exit codes (0 ok, 1 problem found, 2 usage or input error, 3 could not
// complete).
#include <csignal>
#include <iostream>

#include <CLI/CLI.hpp>

#include "agent/cli_context.h"
#include "agent/command_suggestion.h"
#include "agent/commands.h"
#include "probes/library_versions.h"
#include "truststore/scope.h"
#include "truststore/secret_wipe.h"
#include "truststore/version.h"

int main(int argc, char** argv) {
  using namespace trustctl::agent;
  // libldap and GnuTLS write to sockets with plain send(); a server that closes mid-handshake
  // must become a diagnosis, not a SIGPIPE that kills the process.
  std::signal(SIGPIPE, SIG_IGN);
  // Most commands read a password or a private key at some point (import, export, apply, the
  // agent): none may leave them in a core file or open to ptrace by the same user.
  trustctl::truststore::protectProcessSecrets();
  CliContext ctx;
  CLI::App app{
      "trustctl: certificate library and explicit trust stores for integration connectors"};
  // Support tickets need the libraries that judged the handshake, as loaded at run time.
  app.set_version_flag(
      "--version",
      [] {
        std::string text = std::string("trustctl ") + TRUSTCTL_VERSION;
        for (const std::string& line : trustctl::probes::runtimeLibraryVersions()) {
          text += "\n" + line;
        }
        return text;
      },
      "Print the version and the OpenSSL, libcurl, libldap and GnuTLS versions in use");
  app.require_subcommand(1);
  app.fallthrough();
  app.add_option("--store", ctx.options.store,
                 "Store directory (default: $TRUSTCTL_STORE, /var/lib/trustctl as root, else "
                 "~/.local/share/trustctl)");
  app.add_flag("--json", ctx.options.json, "Machine-readable output");
  app.add_option("--scope", ctx.options.scope,
                 "The scope to work in, e.g. vendor/customer-a (default: the root scope, /)")
      ->envname("TRUSTCTL_SCOPE")
      ->transform([](std::string path) {
        if (path == "/") {
          path.clear();
        }
        if (!trustctl::truststore::isValidScopePath(path)) {
          throw CLI::ValidationError(trustctl::truststore::invalidScopeError(path).message);
        }
        return path;
      });
  app.add_option("--expiring-days", ctx.options.expiring_days,
                 "Days before expiry a certificate counts as expiring (default 30)")
      ->check(finiteNumber())
      ->check(CLI::Range(0, 3650));
  app.add_option("--lock-timeout", ctx.options.lock_timeout_seconds,
                 "Seconds to wait for another writer (default 10)")
      ->check(finiteNumber())
      ->check(CLI::Range(0.0, 3600.0));
  app.footer(
      "Exit codes: 0 ok, 1 a problem was found (expired, untrusted, ...), 2 usage or input error,\n"
      "3 could not complete (store locked, I/O error).\n\nExamples:\n"
      "  trustctl import corp-root.pem\n"
      "  trustctl connector create ad-sync --env prod\n"
      "  trustctl connector trust ad-sync corp-root\n"
      "  trustctl list\n"
      "  trustctl verify dc1-chain.pem --connector ad-sync --host dc1.corp.example\n"
      "  trustctl probe ldaps://dc1.corp.example --connector ad-sync --install\n"
      "  trustctl apply /etc/trustctl/trustctl.toml --dry-run\n"
      "  trustctl agent --config /etc/trustctl/trustctl.toml");
  addImportCommand(app, ctx);
  addLibraryViewCommands(app, ctx);
  addLibraryEditCommands(app, ctx);
  addConnectorCommands(app, ctx);
  addVerifyCommand(app, ctx);
  addStoreCommands(app, ctx);
  addProbeCommand(app, ctx);
  addApplyCommand(app, ctx);
  addAgentCommand(app, ctx);
  addStatusCommand(app, ctx);
  addCaCommands(app, ctx);
  addServerCertCommands(app, ctx);
  addScopeCommands(app, ctx);
  addSigningCommands(app, ctx);
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    if (auto message = unknownCommandMessage(app, argc, argv)) {
      std::cerr << "trustctl: " << *message << "\n";
      return kExitUsage;
    }
    std::cerr << "trustctl: " << e.what() << "; see 'trustctl --help'\n";
    return kExitUsage;
  }
  return ctx.exit_code;
}
