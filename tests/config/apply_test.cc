// trustctl apply: a TOML file made true in the store, idempotently and atomically; every bad
// file is refused with file:line:column and leaves the store byte-for-byte as it was.
#include <sstream>

#include <catch2/catch.hpp>

#include "tests/config/apply_fixture.h"
#include "tests/support/cli_runner.h"
#include "tests/support/test_pki.h"
#include "truststore/file_util.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

const char* kGood = R"(
[expiry]
warning_days = 20

[entries.corp-root]
file = "root.pem"
note = "from corp IT"

[entries.client]
file = "client.p12"
identity = true
password_file = "client.pass"

[connectors.erp]
env = "prod"
targets = ["https://erp.example/", "ldaps://dc1.example"]
trust = ["corp-root", "existing"]
identity = "client"
on_change = "true"
)";

}  // namespace

TEST_CASE("apply: plan, apply, then no changes; dry run changes nothing", "[config][agent]") {
  ApplyFixture f;
  std::string before = treeFingerprint(f.dir.file("store"));
  auto dry = f.apply(kGood, {"--dry-run"});
  CHECK(dry.exit_code == 0);
  CHECK_THAT(dry.out, Catch::Contains("+ add entry corp-root") &&
                          Catch::Contains("+ create connector erp") &&
                          Catch::Contains("+ trust existing") &&
                          Catch::Contains("runtime files regenerated"));
  CHECK(treeFingerprint(f.dir.file("store")) == before);

  auto applied = f.apply(kGood);
  INFO(applied.err);
  CHECK(applied.exit_code == 0);
  CHECK_THAT(applied.out, Catch::Contains("Applied"));
  auto show = f.run({"connector", "show", "erp", "--json"});
  CHECK_THAT(show.out, Catch::Contains("corp-root") && Catch::Contains("dc1.example"));

  auto again = f.apply(kGood);
  CHECK(again.exit_code == 0);
  CHECK_THAT(again.out, Catch::Contains("No changes"));
}

TEST_CASE("apply: on_change runs once per change, and a changed file replaces content",
          "[config][agent]") {
  ApplyFixture f;
  std::string log = f.dir.file("reloads.log");
  std::string toml = std::string(kGood);
  toml.replace(toml.find("on_change = \"true\""), std::string("on_change = \"true\"").size(),
               "on_change = \"echo $TRUSTCTL_CONNECTOR >> " + log + "\"");
  REQUIRE(f.apply(toml).exit_code == 0);
  REQUIRE(f.apply(toml).exit_code == 0);  // no change: no reload
  auto count = [&] {
    auto text = truststore::readWholeFile(log);
    return text ? lineCount(*text) : 0;
  };
  CHECK(count() == 1);
  // The root file changes content: the entry is replaced and the connector reloads once more.
  auto other = f.pki.makeRoot("Apply Root CA 2");
  f.dir.write("root.pem", toPem({other.cert}));
  auto replaced = f.apply(toml);
  CHECK_THAT(replaced.out, Catch::Contains("~ replace content of entry corp-root") &&
                               Catch::Contains("~ corp-root (content replaced)"));
  CHECK(count() == 2);
}

TEST_CASE("apply --prune removes what the file does not name; without it nothing goes",
          "[config][agent]") {
  ApplyFixture f;
  REQUIRE(f.run({"connector", "create", "legacy"}).exit_code == 0);
  const char* small = R"(
[entries.corp-root]
file = "root.pem"
[connectors.erp]
trust = ["corp-root"]
)";
  auto kept = f.apply(small);
  CHECK(kept.exit_code == 0);
  CHECK(f.run({"connector", "show", "legacy"}).exit_code == 0);
  CHECK(f.run({"show", "existing"}).exit_code == 0);
  auto pruned = f.apply(small, {"--prune", "--yes"});
  CHECK_THAT(pruned.out, Catch::Contains("- remove connector legacy") &&
                             Catch::Contains("- remove entry existing"));
  CHECK(f.run({"connector", "show", "legacy"}).exit_code == 2);
  CHECK(f.run({"show", "existing"}).exit_code == 2);
}

TEST_CASE("apply: every bad file is one located error per problem and leaves the store as it was",
          "[config][bad-input]") {
  struct Case {
    const char* what;
    const char* toml;
    const char* expect;  // text the error must contain, after "trustctl.toml:L:C: "
    int line;
  };
  const Case cases[] = {
      {"syntax error", "[connectors.erp\ntrust = []\n", "syntax error", 1},
      {"unknown key", "[connectors.erp]\ntrsut = [\"existing\"]\n", "unknown key 'trsut'", 2},
      {"wrong type", "[connectors.erp]\ntrust = \"existing\"\n", "expected an array of strings", 2},
      {"missing file", "[entries.a]\nfile = \"nope.pem\"\n", "no such file", 2},
      {"wrong password", "[entries.c]\nfile = \"client.p12\"\npassword_file = \"wrong.pass\"\n",
       "password", 2},
      {"name used twice", "[entries.a]\nfile = \"root.pem\"\n[entries.a]\nfile = \"root.pem\"\n",
       "redefine", 3},
      {"trusting an entry that does not exist", "[connectors.erp]\ntrust = [\"ghost\"]\n",
       "no entry 'ghost'", 2},
      {"invalid URL", "[connectors.erp]\ntargets = [\"https://ok.example/\", \"ftp://x/\"]\n",
       "unknown scheme", 2},
      {"port out of range", "[connectors.erp]\ntargets = [\"ldaps://dc1:99999\"]\n", "out of range",
       2},
      {"identity without a key", "[entries.r]\nfile = \"root.pem\"\nidentity = true\n",
       "no private key", 2},
  };
  for (const auto& c : cases) {
    ApplyFixture f;
    std::string before = treeFingerprint(f.dir.file("store"));
    auto r = f.apply(c.toml);
    INFO(c.what << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("trustctl.toml:" + std::to_string(c.line) + ":") &&
                          Catch::Contains(c.expect));
    CHECK(lineCount(r.err) == 1);
    CHECK(treeFingerprint(f.dir.file("store")) == before);
  }
}

TEST_CASE("the shipped example config validates", "[config]") {
  TempDir d;
  auto r = runTrustctl({"--store", d.file("store"), "apply",
                        std::string(TRUSTCTL_SOURCE_DIR) + "/examples/trustctl.toml", "--dry-run"});
  // Its certificate files are placeholders: the only problems allowed are missing files.
  INFO(r.err);
  CHECK(r.exit_code == 2);
  CHECK(r.err.find("unknown key") == std::string::npos);
  CHECK(r.err.find("expected") == std::string::npos);
  CHECK_THAT(r.err, Catch::Contains("no such file"));
}

TEST_CASE("the README's key table and the example config name the same keys", "[config]") {
  auto example =
      truststore::readWholeFile(std::string(TRUSTCTL_SOURCE_DIR) + "/examples/trustctl.toml");
  auto readme = truststore::readWholeFile(std::string(TRUSTCTL_SOURCE_DIR) + "/README.md");
  REQUIRE(example);
  REQUIRE(readme);
  std::istringstream lines(*example);
  std::string line;
  int keys = 0;
  while (std::getline(lines, line)) {
    // "key = value" lines, commented-out alternatives included ("# key = ...").
    std::string text = line.rfind("# ", 0) == 0 ? line.substr(2) : line;
    size_t eq = text.find(" = ");
    if (eq == std::string::npos || text.find_first_of("[#") < eq || text.find(' ') < eq)
      continue;
    std::string key = text.substr(0, eq);
    INFO("key " << key);
    CHECK_THAT(*readme, Catch::Contains("`" + key + "` |"));
    ++keys;
  }
  CHECK(keys >= 20);
}
