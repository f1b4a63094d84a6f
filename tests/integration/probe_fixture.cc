#include "tests/integration/probe_fixture.h"

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
#include <sstream>

#include <catch2/catch.hpp>

#include "probes/capture.h"
#include "truststore/anchor_set.h"
#include "truststore/certificate_importer.h"
#include "truststore/connector_runtime.h"
#include "truststore/file_util.h"
#include "truststore/store.h"
#include "truststore/time_util.h"

namespace trustctl::testing {

namespace {

using nlohmann::json;

// The value after `name` (or `alias`) in probe arguments, or after `name=`.
std::vector<std::string> argValues(const std::vector<std::string>& args, const std::string& name,
                                   const std::string& alias = "") {
  std::vector<std::string> out;
  for (size_t i = 0; i < args.size(); ++i) {
    if ((args[i] == name || (!alias.empty() && args[i] == alias)) && i + 1 < args.size()) {
      out.push_back(args[++i]);
    } else if (args[i].rfind(name + "=", 0) == 0) {
      out.push_back(args[i].substr(name.size() + 1));
    }
  }
  return out;
}

std::optional<std::string> argValue(const std::vector<std::string>& args, const std::string& name,
                                    const std::string& alias = "") {
  auto all = argValues(args, name, alias);
  return all.empty() ? std::nullopt : std::optional<std::string>(all.back());
}

bool hasArg(const std::vector<std::string>& args, const std::string& name) {
  for (const auto& a : args) {
    if (a == name || a.rfind(name + "=", 0) == 0) {
      return true;
    }
  }
  return false;
}

std::string slug(const std::string& text) {
  std::string out;
  for (unsigned char c : text) {
    if (std::isalnum(c)) {
      out += static_cast<char>(std::tolower(c));
    } else if (!out.empty() && out.back() != '-') {
      out += '-';
    }
  }
  while (!out.empty() && out.back() == '-') {
    out.pop_back();
  }
  return out.substr(0, 80);
}

// Catch2 re-runs a test case once per section: the index keeps counting across the runs, so
// each probe of one test case gets its own, stable, name.
std::string caseName() {
  static std::map<std::string, int> counts;
  std::string test = Catch::getResultCapture().getCurrentTestName();
  std::string index = std::to_string(++counts[test]);
  return slug(test) + "-" + std::string(index.size() < 2 ? 1 : 0, '0') + index;
}

// What the probe's catalog held from the store, mirroring agent/probe_inputs.cc addLibrary.
json libraryOf(const truststore::Store& store, const truststore::StoreState& state) {
  json out = json::array();
  for (const auto& [name, entry] : state.entries) {
    if (entry.type == truststore::EntryType::Identity) {
      continue;  // identities are never catalog sources, and their keys never leave the store
    }
    std::vector<std::string> users = state.whereUsed(name);
    std::string source = users.empty() ? "library" : "connector:" + users[0];
    for (const auto& sha : entry.certificates) {
      auto cert = store.loadCertificate(sha);
      REQUIRE(cert);
      out.push_back({{"entry", name}, {"source", source}, {"pem", (*cert)->pem()}});
    }
  }
  return out;
}

// The connector's anchors exactly as the probe loads them (agent/probe_inputs.cc).
json trustOf(const truststore::Store& store, const std::string& connector) {
  json out = json::array();
  std::string dir = store.currentGenerationDir() + "/connectors/" + connector;
  auto anchors = truststore::AnchorSet::loadIndexed(dir + "/" + truststore::kAnchorsDerFile,
                                                    dir + "/" + truststore::kAnchorsIndexFile);
  REQUIRE(anchors);
  for (const auto& cert : (*anchors)->all()) {
    out.push_back(cert->pem());
  }
  return out;
}

void appendLine(const std::string& path, const std::string& line) {
  std::ofstream(path, std::ios::app) << line << "\n";
}

}  // namespace

void ProbeFixture::recordGolden(const std::string& golden_dir, const std::vector<std::string>& args,
                                UnixTime now, const std::vector<json>& outputs,
                                const std::string& record_file) {
  std::string name = caseName();
  auto skip = [&](const std::string& why) {
    appendLine(golden_dir + "/skipped.txt", name + ": " + why);
  };
  if (hasArg(args, "--install")) {
    return skip("--install changes the store and probes again live");
  }
  if (auto at = argValue(args, "--at")) {
    if (at->rfind("@", 0) != 0) {
      return skip("--at not in @SECONDS form");
    }
    now = std::stoll(at->substr(1));
  }
  bool aia = !hasArg(args, "--no-aia") && !hasArg(args, "--replay");
  for (const auto& o : outputs) {
    if (aia && o["recommendation"]["source"] == "aia") {
      return skip("the issuer was fetched from its AIA URL over the network");
    }
  }
  auto text = truststore::readWholeFile(record_file);
  if (!text) {
    return skip("no capture recorded");
  }
  json captures = json::array();
  std::istringstream lines(*text);
  for (std::string line; std::getline(lines, line);) {
    if (!line.empty()) {
      captures.push_back(json::parse(line));
    }
  }
  if (captures.size() != outputs.size()) {
    return skip("captures and results do not pair up");
  }
  json live_only = json::array();
  if (hasArg(args, "--bind-dn")) {
    live_only.push_back("ldap bind: attempted live; the replay reports the recorded result");
  }
  for (const auto& c : captures) {
    auto capture = probes::captureFromJson(c);
    REQUIRE(capture);
    for (const auto& der : capture->chain_der) {
      auto cert = truststore::Certificate::parseDer(der);
      if (aia && cert && !(*cert)->info().ca_issuers.empty()) {
        live_only.push_back("aia: URLs were tried live and gave nothing; a replay fetches none");
        break;
      }
    }
  }
  for (const auto& o : outputs) {
    std::string code = codeOf(o);
    if (code == "timeout" || code == "dns_failure" || code == "connection_refused") {
      live_only.push_back(code + ": the transport outcome is replayed, not re-measured");
    }
  }
  json catalog = json::array();
  for (const auto& path : argValues(args, "--catalog")) {
    auto certs = truststore::readCertificatesFromFile(path);
    if (!certs) {
      return skip("--catalog " + path + " is not a certificate file");
    }
    for (const auto& cert : *certs) {
      catalog.push_back(cert->pem());
    }
  }
  truststore::Store store(storeDir());
  auto snapshot = store.load();
  REQUIRE(snapshot);
  auto connector = argValue(args, "--connector", "-c");
  bool identity = hasArg(args, "--identity");
  json trust = json::array();
  if (connector) {
    trust = trustOf(store, *connector);
    const truststore::Connector* c = snapshot->state.findConnector(*connector);
    identity = identity || (c && !c->identity.empty());
  }
  json golden = {{"name", name},
                 {"test_case", Catch::getResultCapture().getCurrentTestName()},
                 {"now", now},
                 {"args", args},
                 {"connector", connector ? json(*connector) : json(nullptr)},
                 {"identity_configured", identity},
                 {"trust", trust},
                 {"library", libraryOf(store, snapshot->state)},
                 {"catalog", catalog},
                 {"captures", captures},
                 {"expected", outputs},
                 {"live_only", live_only}};
  std::ofstream(golden_dir + "/" + name + ".json") << golden.dump(1) << "\n";
}

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
  const std::vector<std::string> given = args;
  const char* golden_dir = std::getenv("TRUSTCTL_GOLDEN_RECORD");
  bool recording = golden_dir && *golden_dir;
  std::string record_file;
  if (recording) {
    if (auto own = argValue(args, "--record")) {
      record_file = *own;
    } else {
      record_file = dir_.file("golden-" + std::to_string(++files_) + ".jsonl");
      args.insert(args.end(), {"--record", record_file});
    }
  }
  args.insert(args.begin(), "probe");
  args.push_back("--json");
  args.push_back("--no-system-catalog");
  UnixTime now = wallClockNow();  // the probe judges at the real time, from about now
  RunResult r = run(args);
  if (raw) {
    *raw = r;
  }
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE((r.exit_code == 0 || r.exit_code == 1));
  // One document, or one object per line: the last object is the final verdict.
  std::vector<nlohmann::json> outputs;
  bool pretty =
      !r.out.empty() && r.out.find("\n{") == std::string::npos && r.out.rfind("{\n", 0) == 0;
  if (pretty) {
    outputs.push_back(nlohmann::json::parse(r.out));
  } else {
    std::istringstream lines(r.out);
    for (std::string line; std::getline(lines, line);) {
      if (!line.empty()) {
        outputs.push_back(nlohmann::json::parse(line));
      }
    }
  }
  if (outputs.empty()) {
    return nlohmann::json();
  }
  if (recording) {
    recordGolden(golden_dir, given, now, outputs, record_file);
  }
  return outputs.back();
}

std::string codeOf(const nlohmann::json& result) {
  return result.at("diagnosis").at("code").get<std::string>();
}

}  // namespace trustctl::testing
