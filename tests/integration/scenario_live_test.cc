// The fault table live: for every scenario a real server on 127.0.0.1 (s_server, nginx, slapd,
// a misbehaving listener, or none), probed by the real trustctl binary, then the fix proved:
// installing what is recommended makes the next probe ok, or installing any CA certificate the
// probe saw, one at a time into a fresh connector, does not.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>
#include <sstream>

#include "tests/integration/probe_fixture.h"
#include "tests/support/fault_scenarios.h"
#include "tests/support/scenario_servers.h"

using namespace trustctl;
using namespace trustctl::testing;
using probes::DiagnosisCode;

namespace {

nlohmann::json lastJson(const std::string& out) {
  auto whole = nlohmann::json::parse(out, nullptr, false);
  if (!whole.is_discarded()) {
    return whole;
  }
  nlohmann::json last;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.empty()) {
      last = nlohmann::json::parse(line);
    }
  }
  return last;
}

struct Live {
  ProbeFixture& f;
  const ScenarioSetup& s;
  std::string url;
  std::string catalog;  // path, "" none

  std::vector<std::string> args(const std::string& connector) const {
    std::vector<std::string> a{"probe", url, "--connector", connector};
    if (!catalog.empty()) {
      a.insert(a.end(), {"--catalog", catalog});
    }
    a.insert(a.end(), s.probe_args.begin(), s.probe_args.end());
    return a;
  }

  nlohmann::json probe(std::vector<std::string> a) const {
    a.insert(a.end(), {"--json", "--no-system-catalog"});
    RunOptions o;
    o.env = s.env;
    RunResult r = f.run(a, o);
    INFO("stderr: " << r.err);
    REQUIRE((r.exit_code == 0 || r.exit_code == 1));
    auto j = lastJson(r.out);
    REQUIRE(j.contains("diagnosis"));
    return j;
  }
};

std::string summary(const nlohmann::json& r) {
  nlohmann::json brief{{"verdict", r.value("verdict", "")},
                       {"diagnosis", r.value("diagnosis", nlohmann::json())},
                       {"recommendation", r.value("recommendation", nlohmann::json())}};
  return brief.dump(2);
}

bool listsProblem(const nlohmann::json& r, DiagnosisCode code) {
  for (const auto& p : r["diagnosis"]["problems"]) {
    if (p.value("code", "") == probes::diagnosisCodeName(code)) {
      return true;
    }
  }
  return false;
}

void checkCode(const FaultScenario& sc, const nlohmann::json& r) {
  if (probes::isWarning(sc.code)) {
    CHECK(r["verdict"] == "ok");
    CHECK(listsProblem(r, sc.code));
    return;
  }
  std::vector<std::string> accepted{std::string(probes::diagnosisCodeName(sc.code))};
  for (auto c : sc.also_accepted) {
    accepted.emplace_back(probes::diagnosisCodeName(c));
  }
  CHECK(std::find(accepted.begin(), accepted.end(), codeOf(r)) != accepted.end());
}

std::string recommendedSha(const nlohmann::json& r) {
  const auto& sha = r["recommendation"]["sha256"];
  return sha.is_string() ? sha.get<std::string>() : "";
}

// Installing each CA certificate the probe saw into a fresh copy of the connector.
void proveNothingToInstall(const Live& live) {
  const ScenarioSetup& s = live.s;
  std::set<std::string> skip;
  for (const auto& list : {s.trusted, s.fix_exempt}) {
    for (const auto& c : list) {
      skip.insert(c->sha256());
    }
  }
  std::vector<CertificatePtr> seen(s.chain.size() > 1 ? s.chain.begin() + 1 : s.chain.end(),
                                   s.chain.end());
  seen.insert(seen.end(), s.catalog.begin(), s.catalog.end());
  int n = 0;
  for (const auto& cert : seen) {
    if (!skip.insert(cert->sha256()).second) {
      continue;
    }
    std::string name = "seen-" + std::to_string(++n);
    std::string file = live.f.dir().write(name + ".pem", toPem({cert}));
    auto imported = live.f.run({"import", file, "--name", name});
    if (imported.exit_code != 0) {
      continue;  // refused by the library: it cannot be installed, so it fixes nothing
    }
    std::string copy = "copy-" + std::to_string(n);
    live.f.createConnector(copy);
    if (!s.trusted.empty()) {
      REQUIRE(live.f.run({"connector", "trust", copy, "trusted"}).exit_code == 0);
    }
    REQUIRE(live.f.run({"connector", "trust", copy, name}).exit_code == 0);
    auto after = live.probe(live.args(copy));
    INFO("installing '" << cert->info().subject << "' gives " << summary(after));
    CHECK(codeOf(after) != "ok");
  }
}

void checkLive(const FaultScenario& sc) {
  ProbeFixture f;
  ScenarioSetup s = sc.make(f.pki);
  auto running = startScenario(s);
  for (auto& a : s.probe_args) {
    a = a == "@PROXY@" ? running->proxy_url : a;
  }
  f.createConnector("c");
  if (!s.trusted.empty()) {
    f.trust("c", "trusted", s.trusted);
  }
  Live live{f, s, running->url, s.catalog.empty() ? "" : f.catalog(s.catalog)};
  auto r = live.probe(live.args("c"));
  INFO("expected " << probes::diagnosisCodeName(sc.code) << ", fix: " << fixName(s.fix));
  INFO("got " << summary(r));
  checkCode(sc, r);
  if (s.recommended) {
    CHECK(recommendedSha(r) == s.recommended->sha256());
  }
  if (!s.recommended_kind.empty()) {
    CHECK(r["recommendation"]["kind"] == s.recommended_kind);
  }
  for (const auto& never : s.never_recommend) {
    CHECK(recommendedSha(r) != never->sha256());
  }
  const std::string action = r["recommendation"].value("action", "");
  switch (s.fix) {
    case Fix::InstallRecommended: {
      REQUIRE(action == "install");
      CHECK_FALSE(recommendedSha(r).empty());
      auto install = live.args("c");
      install.insert(install.end(), {"--install", "--yes"});
      install.insert(install.end(), s.install_args.begin(), s.install_args.end());
      live.probe(install);
      auto after = live.probe(live.args("c"));
      INFO("after installing: " << summary(after));
      CHECK(codeOf(after) == "ok");
      break;
    }
    case Fix::NothingToInstall:
      CHECK(action != "install");
      proveNothingToInstall(live);
      break;
    case Fix::NothingFound:
      CHECK(recommendedSha(r).empty());
      CHECK((action != "install" || r["recommendation"]["source"] == "unavailable"));
      break;
    case Fix::NotApplicable:
      // A hostile chain judged by an accepted alternative (untrusted_root) may recommend one.
      if (codeOf(r) == probes::diagnosisCodeName(sc.code)) {
        CHECK(action != "install");
      }
      break;
  }
}

}  // namespace

TEST_CASE("every fault scenario, live against a real loopback server", "[integration][scenarios]") {
  for (const auto& sc : faultScenarios()) {
    if (!sc.live) {
      continue;
    }
    DYNAMIC_SECTION(sc.name) {
      checkLive(sc);
    }
  }
}
