#include "tests/integration/probe_fixture.h"

#include <sstream>

#include <catch2/catch.hpp>

namespace trustctl::testing {

ProbeFixture::ProbeFixture() : pki(wallClockNow()) {}

RunResult ProbeFixture::run(std::vector<std::string> args, const RunOptions& options) {
  args.insert(args.begin(), {"--store", storeDir()});
  return runTrustctl(args, options);
}

void ProbeFixture::createConnector(const std::string& connector) {
  auto r = run({"connector", "create", connector});
  INFO(r.err);
  REQUIRE((r.exit_code == 0 || r.err.find("exists") != std::string::npos));
}

void ProbeFixture::trust(const std::string& connector, const std::string& entry,
                         const std::vector<CertificatePtr>& certs) {
  std::string file = dir_.write(entry + ".pem", toPem(certs));
  auto imported = run({"import", file, "--name", entry});
  INFO(imported.err);
  REQUIRE(imported.exit_code == 0);
  createConnector(connector);
  auto trusted = run({"connector", "trust", connector, entry});
  INFO(trusted.err);
  REQUIRE(trusted.exit_code == 0);
}

std::string ProbeFixture::catalog(const std::vector<CertificatePtr>& certs) {
  return dir_.write("catalog-" + std::to_string(++files_) + ".pem", toPem(certs));
}

nlohmann::json ProbeFixture::probe(std::vector<std::string> args, RunResult* raw) {
  args.insert(args.begin(), "probe");
  args.push_back("--json");
  args.push_back("--no-system-catalog");
  RunResult r = run(args);
  if (raw) {
    *raw = r;
  }
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE((r.exit_code == 0 || r.exit_code == 1));
  // One document, or one object per line: the last object is the final verdict.
  nlohmann::json last;
  std::istringstream lines(r.out);
  std::string line, doc;
  bool pretty =
      !r.out.empty() && r.out.find("\n{") == std::string::npos && r.out.rfind("{\n", 0) == 0;
  if (pretty) {
    return nlohmann::json::parse(r.out);
  }
  while (std::getline(lines, line)) {
    if (!line.empty()) {
      last = nlohmann::json::parse(line);
    }
  }
  return last;
}

std::string codeOf(const nlohmann::json& result) {
  return result.at("diagnosis").at("code").get<std::string>();
}

}  // namespace trustctl::testing
