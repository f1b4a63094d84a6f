// What a support ticket and a typo need from the binary itself: --version names the TLS and
// protocol libraries as loaded at run time, and a mistyped command gets the closest one.
#include <filesystem>
#include <regex>
#include <sstream>

#include <catch2/catch.hpp>

#include "tests/support/cli_runner.h"
#include "tests/support/test_pki.h"

using namespace trustctl::testing;

namespace {

std::vector<std::string> linesOf(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    lines.push_back(line);
  }
  return lines;
}

// The second word of the first line of `lines` that starts with `prefix`, or "".
std::string versionAfter(const std::vector<std::string>& lines, const std::string& prefix) {
  for (const auto& line : lines) {
    if (line.rfind(prefix, 0) == 0) {
      std::istringstream words(line.substr(prefix.size()));
      std::string version;
      words >> version;
      return version;
    }
  }
  return "";
}

}  // namespace

TEST_CASE("CLI: --version names the OpenSSL, libcurl, libldap and GnuTLS it runs with", "[agent]") {
  RunResult r = runTrustctl({"--version"});
  REQUIRE(r.exit_code == 0);
  const auto lines = linesOf(r.out);
  REQUIRE(lines.size() == 5);
  CHECK(std::regex_match(lines[0], std::regex(R"(trustctl \d+\.\d+\.\d+)")));
  const std::regex dotted(R"(\d+\.\d+\.\d+[a-z]?)");

  // The same shared libraries the openssl and curl tools load: their own reports must agree.
  const std::string openssl = versionAfter(lines, "OpenSSL ");
  CHECK(std::regex_match(openssl, dotted));
  RunResult tool = runProgram("/usr/bin/openssl", {"version"});
  REQUIRE(tool.exit_code == 0);
  CHECK(tool.out.find("OpenSSL " + openssl) != std::string::npos);

  const std::string curl = versionAfter(lines, "libcurl ");
  CHECK(std::regex_match(curl, dotted));
  tool = runProgram("/usr/bin/curl", {"--version"});
  REQUIRE(tool.exit_code == 0);
  CHECK(tool.out.find("libcurl/" + curl) != std::string::npos);

  CHECK(std::regex_match(versionAfter(lines, "libldap "), dotted));
  CHECK(std::regex_match(versionAfter(lines, "GnuTLS "), dotted));
}

TEST_CASE("CLI: a mistyped command names the closest one and exits 2", "[agent][bad-input]") {
  TempDir dir;
  const std::string store = dir.file("store");
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::vector<Case> cases = {
      {{"lsit"}, "trustctl: unknown command 'lsit'; did you mean 'list'?"},
      {{"--store", store, "lsit"}, "did you mean 'list'?"},
      {{"--json", "improt", "x.pem"}, "unknown command 'improt'; did you mean 'import'?"},
      {{"connector", "creat", "api"},
       "unknown command 'connector creat'; did you mean 'connector create'?"},
      {{"--store", store, "connector", "lst"}, "did you mean 'connector list'?"},
      {{"store", "chek"}, "unknown command 'store chek'; did you mean 'store check'?"},
      {{"frobnicate"}, "unknown command 'frobnicate' (see 'trustctl --help')"},
  };
  for (const auto& c : cases) {
    INFO("args: " << c.args.back());
    RunResult r = runTrustctl(c.args);
    CHECK(r.exit_code == 2);
    CHECK(lineCount(r.err) == 1);
    CHECK(r.err.find(c.message) != std::string::npos);
    CHECK(r.out.empty());
  }
  // Nothing was created by a command that did not run.
  CHECK_FALSE(std::filesystem::exists(store));
}

TEST_CASE("CLI: an argument that only looks like a typo is not called an unknown command",
          "[agent][bad-input]") {
  TempDir dir;
  // `show` takes a name: "lsit" is an entry that does not exist, not a mistyped command.
  RunResult r = runTrustctl({"--store", dir.file("store"), "show", "lsit"});
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("unknown command") == std::string::npos);
}
