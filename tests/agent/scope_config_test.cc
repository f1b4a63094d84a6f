// [scopes."P"] in a config file: several scopes applied in one transaction (one generation),
// a bad table or a refused step leaving the whole store unchanged, and what the agent reports
// (status and metrics) carrying the scope.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "probes/fleet_status.h"
#include "tests/support/cli_runner.h"
#include "tests/support/test_pki.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

const char* kScopesConfig = R"([entries.corp-root]
file = "corp.pem"

[scopes."vendor".entries.vendor-root]
file = "vendor.pem"

[scopes."vendor/customer-a".connectors.crm]
trust = ["vendor:vendor-root", "/:corp-root"]
targets = ["https://127.0.0.1:1"]

[scopes."vendor/customer-b".entries.b-root]
file = "b.pem"

[scopes."vendor/customer-b".connectors.billing]
trust = ["b-root"]
)";

struct ConfigFixture {
  ConfigFixture() : pki(wallClockNow()) {
    dir.write("corp.pem", toPem({pki.makeRoot("Corp Root").cert}));
    dir.write("vendor.pem", toPem({pki.makeRoot("Vendor Root").cert}));
    dir.write("b.pem", toPem({pki.makeRoot("Customer B Root").cert}));
    dir.write("trustctl.toml", kScopesConfig);
  }
  RunResult run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--store", dir.file("store")});
    return runTrustctl(args);
  }
  TestPki pki;
  TempDir dir;
};

}  // namespace

TEST_CASE("a config with several scopes is applied in one transaction", "[scope][config]") {
  ConfigFixture t;
  auto dry = t.run({"--json", "apply", t.dir.file("trustctl.toml"), "--dry-run"});
  REQUIRE(dry.exit_code == 0);
  auto plan = nlohmann::json::parse(dry.out)["plan"];
  CHECK(plan["scopes"].contains("vendor/customer-a"));
  CHECK_FALSE(t.dir.file("store").empty());

  auto applied = t.run({"--json", "apply", t.dir.file("trustctl.toml")});
  REQUIRE(applied.exit_code == 0);
  CHECK(nlohmann::json::parse(applied.out)["applied"] == true);
  auto check = t.run({"--json", "store", "check"});
  REQUIRE(check.exit_code == 0);
  CHECK(nlohmann::json::parse(check.out)["ok"] == true);
  // One generation for every scope the file names.
  auto log = t.run({"--json", "log"});
  REQUIRE(log.exit_code == 0);
  for (const auto& record : nlohmann::json::parse(log.out)) {
    CHECK(record["generation"] == 1);
  }
  CHECK(t.run({"apply", t.dir.file("trustctl.toml")}).out.find("No changes") != std::string::npos);

  SECTION("a refused step in one scope changes no scope") {
    std::string before = treeFingerprint(t.dir.file("store"));
    std::string text = kScopesConfig;
    text +=
        "\n[scopes.\"vendor/customer-b\".connectors.leak]\n"
        "trust = [\"vendor/customer-a:x\"]\n";
    t.dir.write("bad.toml", text);
    auto r = t.run({"apply", t.dir.file("bad.toml")});
    CHECK(r.exit_code == 2);
    CHECK(lineCount(r.err) == 1);
    CHECK(r.err.find("names no ancestor") != std::string::npos);
    CHECK(treeFingerprint(t.dir.file("store")) == before);
  }
  SECTION("status carries the scope of each connector") {
    auto status = t.run({"--json", "status", "--live"});
    auto j = nlohmann::json::parse(status.out);
    bool found = false;
    for (const auto& c : j["connectors"]) {
      if (c["name"] == "vendor/customer-a/crm") {
        found = true;
        CHECK(c["scope"] == "vendor/customer-a");
      }
    }
    CHECK(found);
  }
}

TEST_CASE("a bad scope table is one line naming file, line and path", "[scope][config]") {
  ConfigFixture t;
  t.dir.write("bad.toml", "[scopes.\"Vendor/x\".entries.a]\nfile = \"corp.pem\"\n");
  auto r = t.run({"apply", t.dir.file("bad.toml")});
  CHECK(r.exit_code == 2);
  CHECK(lineCount(r.err) == 1);
  CHECK(r.err.find("bad.toml:1:") != std::string::npos);
  CHECK(r.err.find("Vendor/x") != std::string::npos);
}

TEST_CASE("metric series of a scope's connector carry a scope label", "[scope][config]") {
  probes::FleetStatus fleet;
  probes::ConnectorStatus c;
  c.name = "vendor/customer-a/crm";
  c.breaks_on = 2'000'000'000;
  fleet.connectors.push_back(c);
  probes::ConnectorStatus root;
  root.name = "ad-sync";
  root.breaks_on = 2'000'000'000;
  fleet.connectors.push_back(root);
  std::string text = probes::prometheusText(fleet);
  CHECK(text.find("scope=\"vendor/customer-a\",connector=\"crm\"") != std::string::npos);
  CHECK(text.find("{connector=\"ad-sync\"") != std::string::npos);
}
