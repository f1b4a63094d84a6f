#pragma once
// What every trustctl subcommand shares: the global options, where the store is, how secrets
// are asked for (never argv), how results and errors are printed (human or --json, colour
// only on a TTY and without NO_COLOR) and the exit code.

#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "truststore/certificate_importer.h"
#include "truststore/error.h"
#include "truststore/store.h"

namespace CLI {
class Validator;
}  // namespace CLI

namespace trustctl::agent {

// Exit codes (README "Exit codes").
inline constexpr int kExitOk = 0;
inline constexpr int kExitProblem = 1;
inline constexpr int kExitUsage = 2;

struct GlobalOptions {
  std::string store;
  bool json = false;
  int expiring_days = 30;
  double lock_timeout_seconds = 10;
  std::string scope;  // --scope: "" (or "/") is the root scope (truststore/scope.h)
};

// A CLI11 check that an option's value is a finite number. CLI::Range lets "nan" through
// (every comparison with NaN is false), so every numeric option checks this before its range:
// ->check(finiteNumber())->check(CLI::Range(...)).
const CLI::Validator& finiteNumber();

struct PasswordOptions {
  std::string file;  // --password-file
  std::string env;   // --password-env
};

class CliContext {
 public:
  GlobalOptions options;
  int exit_code = kExitOk;

  // --store, else $TRUSTCTL_STORE, else /var/lib/trustctl for root (and for the user owning
  // it), else $XDG_DATA_HOME/trustctl or ~/.local/share/trustctl. The first call also makes
  // root act as the store's owner when a service user owns it (agent/store_owner.h).
  std::string storeDir() const;
  truststore::Store store() const { return truststore::Store(storeDir(), options.scope); }

 private:
  std::string resolveStoreDir() const;

 public:
  truststore::UpdateOptions updateOptions() const;
  std::int64_t expiringWindowSeconds() const;

  // Prints `error` (one line on stderr; also a JSON object on stdout with --json) and sets
  // the exit code from the error list.
  void fail(const Error& error);
  // Prints a JSON document (pretty) to stdout.
  void printJson(const nlohmann::json& value) const;

  // A provider reading the password from a file, an environment variable, or the terminal.
  // `what` names the secret in the prompt ("password for customer.pfx").
  truststore::PasswordProvider passwords(const PasswordOptions& from, const std::string& what);
  // Reads a required secret (for export); fails when neither file, env nor a TTY gives one.
  Result<std::string> requireSecret(const PasswordOptions& from, const std::string& what,
                                    bool confirm);

  bool colour() const;
  std::string red(const std::string& s) const { return paint("31", s); }
  std::string yellow(const std::string& s) const { return paint("33", s); }
  std::string green(const std::string& s) const { return paint("32", s); }
  std::string bold(const std::string& s) const { return paint("1", s); }
  std::string dim(const std::string& s) const { return paint("2", s); }

 private:
  std::string paint(const char* code, const std::string& s) const;
  // Why the last password file could not be read, shared with the providers passwords() made.
  std::shared_ptr<std::optional<Error>> secret_error_ = std::make_shared<std::optional<Error>>();
};

}  // namespace trustctl::agent
