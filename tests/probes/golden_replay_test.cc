// The golden corpus: captures recorded from real servers by the integration tests (see
// scripts/record-golden.sh), replayed through evaluateCapture() at the instant they were taken.
// What must not change while the diagnosis engine changes is compared exactly: the verdict, the
// codes, the path, the recommendation's identity, what was presented, and every key of the JSON
// contract (new keys are allowed). Wording is not compared. A case whose result changes on
// purpose is re-recorded, with the reason in the commit.
#include <algorithm>
#include <filesystem>
#include <set>

#include <catch2/catch.hpp>

#include "probes/probe_runner.h"
#include "tests/support/cli_runner.h"
#include "tests/support/test_pki.h"
#include "truststore/anchor_set.h"
#include "truststore/certificate_importer.h"
#include "truststore/connector_runtime.h"
#include "truststore/file_util.h"
#include "truststore/store.h"

using namespace trustctl;
using namespace trustctl::probes;
using nlohmann::json;
using truststore::CertificatePtr;

namespace {

std::string goldenDir() {
  return std::string(TRUSTCTL_SOURCE_DIR) + "/tests/probes/golden";
}

std::vector<std::string> goldenFiles() {
  std::vector<std::string> out;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(goldenDir(), ec)) {
    if (e.path().extension() == ".json") {
      out.push_back(e.path().string());
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

json readCase(const std::string& file) {
  auto text = truststore::readWholeFile(file, 16 << 20);
  REQUIRE(text);
  CHECK(text->find("PRIVATE KEY") == std::string::npos);  // certificates are public; keys never
  return json::parse(*text);
}

CertificatePtr parsePem(const std::string& pem, const std::string& where) {
  auto material = truststore::parseImport(pem, where, [] { return std::nullopt; });
  INFO(where << ": " << (material ? "" : material.error().message));
  REQUIRE(material);
  REQUIRE(material->certificates.size() == 1);
  return material->certificates[0];
}

std::string argValue(const json& args, const std::string& name) {
  for (size_t i = 0; i + 1 < args.size(); ++i) {
    if (args[i] == name) {
      return args[i + 1];
    }
  }
  return "";
}

// Differences on what must not change, as "field: expected X, got Y".
class Comparison {
 public:
  void same(const std::string& field, const json& expected, const json& got) {
    if (expected != got) {
      problems.push_back("field " + field + ": expected " + expected.dump() + ", got " +
                         got.dump());
    }
  }
  // Every key of `expected` is in `got`, recursively (arrays element by element).
  void keys(const std::string& field, const json& expected, const json& got) {
    if (expected.is_object()) {
      if (!got.is_object()) {
        problems.push_back("field " + field + ": expected an object, got " + got.dump());
        return;
      }
      for (const auto& [key, value] : expected.items()) {
        if (!got.contains(key)) {
          problems.push_back("field " + field + "/" + key +
                             ": key missing (the JSON contract lost it)");
        } else {
          keys(field + "/" + key, value, got[key]);
        }
      }
    } else if (expected.is_array() && got.is_array()) {
      for (size_t i = 0; i < std::min(expected.size(), got.size()); ++i) {
        keys(field + "[" + std::to_string(i) + "]", expected[i], got[i]);
      }
    }
  }
  std::vector<std::string> problems;
};

json at(const json& j, const json::json_pointer& p) {
  return j.contains(p) ? j[p] : json();
}

json problemCodes(const json& result) {
  json codes = json::array();
  for (const auto& p : at(result, "/diagnosis/problems"_json_pointer)) {
    codes.push_back(p.value("code", ""));
  }
  return codes;
}

std::vector<std::string> compareResult(const json& expected, const json& got) {
  Comparison c;
  for (const char* field : {"/target", "/protocol", "/connector", "/verdict", "/diagnosis/code",
                            "/path", "/recommendation/action", "/recommendation/kind",
                            "/recommendation/sha256", "/recommendation/source", "/presented_chain",
                            "/tls", "/ldap/root_dse_result", "/ldap/bind/result"}) {
    json::json_pointer p(field);
    c.same(field, at(expected, p), at(got, p));
  }
  c.same("/diagnosis/problems[].code", problemCodes(expected), problemCodes(got));
  c.keys("", expected, got);
  return c.problems;
}

struct GoldenInputs {
  std::shared_ptr<const TrustAnchors> trust;
  Catalog catalog;
  std::vector<Capture> captures;
};

// Rebuilds what the live probe had: the connector's anchors, then the catalog in the CLI's
// order (the library's entries first, then the --catalog files).
void rebuild(const json& g, const std::string& file, GoldenInputs& in) {
  truststore::AnchorSetPtr anchors;
  if (!g.at("connector").is_null()) {
    std::vector<CertificatePtr> certs;
    for (const auto& pem : g.at("trust")) {
      certs.push_back(parsePem(pem, file + " trust"));
    }
    anchors = truststore::AnchorSet::fromCertificates(certs);
  }
  in.trust = std::make_shared<const TrustAnchors>(anchors);
  for (const auto& item : g.at("library")) {
    in.catalog.add(parsePem(item.at("pem"), file + " library"), item.at("source"),
                   item.at("entry"));
  }
  for (const auto& pem : g.at("catalog")) {
    in.catalog.add(parsePem(pem, file + " catalog"), "catalog");
  }
  for (const auto& c : g.at("captures")) {
    auto capture = captureFromJson(c);
    INFO(file << ": " << (capture ? "" : capture.error().message));
    REQUIRE(capture);
    in.captures.push_back(std::move(*capture));
  }
}

void reportMismatches(const std::string& file, size_t index,
                      const std::vector<std::string>& problems) {
  for (const auto& p : problems) {
    FAIL_CHECK("golden case " << std::filesystem::path(file).filename().string() << ", result "
                              << index << ", " << p);
  }
}

}  // namespace

TEST_CASE("golden corpus: recorded captures replay to today's results", "[probes][golden]") {
  auto files = goldenFiles();
  REQUIRE(files.size() >= 10);  // the corpus is committed; an empty directory tests nothing
  size_t replayed = 0;
  for (const auto& file : files) {
    INFO(file);
    json g = readCase(file);
    GoldenInputs in;
    rebuild(g, file, in);
    const json& expected = g.at("expected");
    REQUIRE(in.captures.size() == expected.size());
    for (size_t i = 0; i < in.captures.size(); ++i) {
      ProbeJob job;
      job.request.target = in.captures[i].target;
      job.request.servername = argValue(g.at("args"), "--servername");
      job.connector = expected[i].at("connector").is_null() ? "" : expected[i].at("connector");
      job.trust = in.trust;
      job.identity_configured = g.at("identity_configured");
      json got = probeResultJson(evaluateCapture(in.captures[i], job, in.catalog, g.at("now")));
      reportMismatches(file, i, compareResult(expected[i], got));
      ++replayed;
    }
  }
  CHECK(replayed >= files.size());
}

namespace {

// A store holding the case's library, each entry trusted by the connector its source names;
// false when that does not give the connector exactly the recorded anchors.
bool storeFor(const json& g, testing::TempDir& dir, const std::string& store) {
  auto cli = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--store", store});
    auto r = testing::runTrustctl(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  };
  std::map<std::string, std::pair<std::string, std::string>> entries;  // name -> source, PEM
  for (const auto& item : g.at("library")) {
    auto& e = entries[item.at("entry")];
    e.first = item.at("source");
    e.second += item.at("pem").get<std::string>();
  }
  std::string connector = g.at("connector");
  cli({"connector", "create", connector});
  for (const auto& [name, e] : entries) {
    cli({"import", dir.write(name + ".pem", e.second), "--name", name});
    if (e.first.rfind("connector:", 0) == 0) {
      std::string user = e.first.substr(10);
      if (user != connector) {
        cli({"connector", "create", user});
      }
      cli({"connector", "trust", user, name});
    }
  }
  truststore::Store s(store);
  std::string cdir = s.currentGenerationDir() + "/connectors/" + connector;
  auto anchors = truststore::AnchorSet::loadIndexed(cdir + "/" + truststore::kAnchorsDerFile,
                                                    cdir + "/" + truststore::kAnchorsIndexFile);
  REQUIRE(anchors);
  std::vector<std::string> have, want;
  for (const auto& cert : (*anchors)->all()) {
    have.push_back(cert->sha256());
  }
  for (const auto& pem : g.at("trust")) {
    want.push_back(parsePem(pem, "trust")->sha256());
  }
  std::sort(have.begin(), have.end());
  std::sort(want.begin(), want.end());
  return have == want;
}

}  // namespace

TEST_CASE("golden corpus: trustctl probe --replay --at reproduces recorded cases",
          "[probes][golden]") {
  std::set<std::string> codes;  // one case per failing diagnosis code
  for (const auto& file : goldenFiles()) {
    json g = readCase(file);
    // Single-target cases with a connector and no identity, rebuilt as a real store.
    if (g.at("connector").is_null() || g.at("identity_configured") ||
        g.at("captures").size() != 1 || g.at("expected")[0].at("verdict") == "ok" ||
        codes.count(g.at("expected")[0].at("diagnosis").at("code"))) {
      continue;
    }
    testing::TempDir dir;
    std::string store = dir.file("store");
    if (!storeFor(g, dir, store)) {
      continue;
    }
    INFO(file);
    std::string captures = dir.write("captures.jsonl", g.at("captures")[0].dump() + "\n");
    std::vector<std::string> args = {"--store",
                                     store,
                                     "probe",
                                     "--replay",
                                     captures,
                                     "--at",
                                     "@" + std::to_string(g.at("now").get<UnixTime>()),
                                     "--connector",
                                     g.at("connector"),
                                     "--json",
                                     "--no-system-catalog"};
    std::string catalog;
    for (const auto& pem : g.at("catalog")) {
      catalog += pem.get<std::string>();
    }
    if (!catalog.empty()) {
      args.insert(args.end(), {"--catalog", dir.write("catalog.pem", catalog)});
    }
    if (auto name = argValue(g.at("args"), "--servername"); !name.empty()) {
      args.insert(args.end(), {"--servername", name});
    }
    auto r = testing::runTrustctl(args);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 1);
    reportMismatches(file, 0, compareResult(g.at("expected")[0], json::parse(r.out)));
    codes.insert(g.at("expected")[0].at("diagnosis").at("code").get<std::string>());
  }
  CHECK(codes.size() >= 3);
}
