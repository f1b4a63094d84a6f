#include "agent/cli_context.h"

#include <termios.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include "agent/store_owner.h"
#include "truststore/file_util.h"
#include "truststore/secret_wipe.h"
#include "truststore/text_escape.h"

namespace trustctl::agent {

namespace {

std::optional<std::string> readTerminalSecret(const std::string& prompt) {
  FILE* tty = std::fopen("/dev/tty", "r+");
  if (tty == nullptr) {
    return std::nullopt;
  }
  int fd = fileno(tty);
  termios old_mode{};
  bool have_mode = tcgetattr(fd, &old_mode) == 0;
  if (have_mode) {
    termios quiet = old_mode;
    quiet.c_lflag &= static_cast<tcflag_t>(~ECHO);
    tcsetattr(fd, TCSAFLUSH, &quiet);
  }
  std::fprintf(tty, "%s: ", prompt.c_str());
  std::fflush(tty);
  std::string secret;
  int c = 0;
  while ((c = std::fgetc(tty)) != EOF && c != '\n') {
    secret += static_cast<char>(c);
  }
  std::fprintf(tty, "\n");
  if (have_mode) {
    tcsetattr(fd, TCSAFLUSH, &old_mode);
  }
  std::fclose(tty);
  return secret;
}

// The first line of a password file, read with the password-file cap; the rest is wiped.
Result<std::string> readPasswordFile(const std::string& path) {
  auto text = truststore::readUserFile(path, truststore::kMaxPasswordFileBytes,
                                       "a password file (the password on its first line)");
  if (!text) {
    return text;
  }
  std::string line = text->substr(0, text->find('\n'));
  truststore::wipeSecret(*text);
  if (!line.empty() && line.back() == '\r') {
    line.pop_back();
  }
  return line;
}

}  // namespace

const CLI::Validator& finiteNumber() {
  static const CLI::Validator check(
      [](std::string& input) -> std::string {
        char* end = nullptr;
        double value = std::strtod(input.c_str(), &end);
        if (input.empty() || end != input.c_str() + input.size() || !std::isfinite(value)) {
          return "'" + input + "' is not a finite number";
        }
        return {};
      },
      "FINITE", "finite");
  return check;
}

std::string CliContext::storeDir() const {
  std::string dir = resolveStoreDir();
  // Once, before the first store access: root on a service user's store acts as that user.
  static const bool switched = (actAsStoreOwner(dir), true);
  (void)switched;
  return dir;
}

std::string CliContext::resolveStoreDir() const {
  if (!options.store.empty()) {
    return options.store;
  }
  if (const char* env = std::getenv("TRUSTCTL_STORE"); env != nullptr && *env != '\0') {
    return env;
  }
  if (::geteuid() == 0) {
    return "/var/lib/trustctl";
  }
  if (std::string system = ownedSystemStore(); !system.empty()) {
    return system;  // the service user administering the packaged store
  }
  if (const char* xdg = std::getenv("XDG_DATA_HOME"); xdg != nullptr && *xdg != '\0') {
    return std::string(xdg) + "/trustctl";
  }
  const char* home = std::getenv("HOME");
  return std::string(home != nullptr ? home : ".") + "/.local/share/trustctl";
}

truststore::UpdateOptions CliContext::updateOptions() const {
  truststore::UpdateOptions u;
  u.lock_timeout =
      std::chrono::milliseconds(static_cast<long>(options.lock_timeout_seconds * 1000));
  u.now = wallClockNow();
  return u;
}

std::int64_t CliContext::expiringWindowSeconds() const {
  return static_cast<std::int64_t>(options.expiring_days) * 24 * 3600;
}

void CliContext::fail(const Error& given) {
  // A password file that could not be read reaches the importer as "no password"; the file's
  // own error names the real cause.
  const Error& error =
      given.code == ErrorCode::PasswordRequired && *secret_error_ ? **secret_error_ : given;
  // Messages name files, entries and what servers said: escaped, so one error is one line.
  std::cerr << "trustctl: " << truststore::escapeControl(error.message) << "\n";
  if (options.json) {
    printJson({{"error", {{"code", errorCodeName(error.code)}, {"message", error.message}}}});
  }
  exit_code = errorExitCode(error.code);
}

void CliContext::printJson(const nlohmann::json& value) const {
  std::cout << value.dump(2) << "\n";
}

truststore::PasswordProvider CliContext::passwords(const PasswordOptions& from,
                                                   const std::string& what) {
  auto failed = secret_error_;
  return [from, what, failed]() -> std::optional<std::string> {
    truststore::protectProcessSecrets();
    if (!from.file.empty()) {
      auto text = readPasswordFile(from.file);
      if (!text) {
        *failed = text.error();  // reported by fail() instead of "password required"
        return std::nullopt;
      }
      return std::move(*text);
    }
    if (!from.env.empty()) {
      const char* value = std::getenv(from.env.c_str());
      if (value == nullptr) {
        return std::nullopt;
      }
      return std::string(value);
    }
    if (::isatty(STDIN_FILENO) != 0) {
      return readTerminalSecret("Password for " + what);
    }
    return std::nullopt;
  };
}

Result<std::string> CliContext::requireSecret(const PasswordOptions& from, const std::string& what,
                                              bool confirm) {
  truststore::protectProcessSecrets();
  if (!from.file.empty()) {
    return readPasswordFile(from.file);
  }
  if (!from.env.empty()) {
    const char* value = std::getenv(from.env.c_str());
    if (value == nullptr) {
      return tl::unexpected(Error{ErrorCode::PasswordRequired,
                                  "--password-env " + from.env + ": the variable is not set"});
    }
    return std::string(value);
  }
  if (::isatty(STDIN_FILENO) != 0) {
    auto first = readTerminalSecret("New password for " + what);
    if (first && confirm) {
      auto again = readTerminalSecret("Repeat the password");
      if (!again || *again != *first) {
        return tl::unexpected(
            Error{ErrorCode::InvalidArgument, "the two passwords differ; nothing was written"});
      }
    }
    if (first) {
      return *first;
    }
  }
  return tl::unexpected(Error{
      ErrorCode::PasswordRequired,
      "a password is needed for " + what + "; give it with --password-file or --password-env"});
}

bool CliContext::colour() const {
  static const bool enabled = [] {
    const char* no_color = std::getenv("NO_COLOR");
    return ::isatty(STDOUT_FILENO) != 0 && (no_color == nullptr || *no_color == '\0');
  }();
  return enabled && !options.json;
}

std::string CliContext::paint(const char* code, const std::string& s) const {
  if (!colour()) {
    return s;
  }
  return std::string("\033[") + code + "m" + s + "\033[0m";
}

}  // namespace trustctl::agent
