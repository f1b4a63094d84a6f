// One plan for --dry-run and apply (issue 12): for each common change of a config file (a CA
// replaced by a new one, a rename by content, new content under the same name, a connector
// removed with its only entry) the dry run prints exactly the steps the apply then executes,
// the apply succeeds and leaves what the file says, and a second apply finds nothing to do.
#include <string>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "tests/config/apply_fixture.h"
#include "tests/support/cli_runner.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

// Applies v1, then checks that v2's dry run and apply agree, with `extra` options.
struct Shape {
  const char* what;
  const char* v1;
  const char* v2;
  std::vector<std::string> plan_lines;  // the dry run must show these
};

std::string planText(const std::string& out, const std::string& heading) {
  auto at = out.find(heading);
  return at == std::string::npos ? "" : out.substr(at + heading.size());
}

nlohmann::json connector(ApplyFixture& f, const std::string& name) {
  auto r = f.run({"--json", "connector", "show", name});
  if (r.exit_code != 0) {
    return nullptr;
  }
  return nlohmann::json::parse(r.out);
}

}  // namespace

TEST_CASE("apply: the dry run and the apply are one plan for common changes", "[config]") {
  const Shape shapes[] = {
      {"a CA replaced by a new one (new name, new file)",
       "[entries.corp-root]\nfile = \"root.pem\"\n[connectors.x]\ntrust = [\"corp-root\"]\n",
       "[entries.corp-root-2026]\nfile = \"root2.pem\"\n"
       "[connectors.x]\ntrust = [\"corp-root-2026\"]\n",
       {"+ add entry corp-root-2026", "+ trust corp-root-2026", "- trust corp-root",
        "- remove entry corp-root"}},
      {"a rename by content (new name, same file)",
       "[entries.corp-root]\nfile = \"root.pem\"\n[connectors.x]\ntrust = [\"corp-root\"]\n",
       "[entries.corp-root-2026]\nfile = \"root.pem\"\n"
       "[connectors.x]\ntrust = [\"corp-root-2026\"]\n",
       {"~ rename entry corp-root -> corp-root-2026", "~ trust corp-root -> corp-root-2026"}},
      {"new content under the same name",
       "[entries.corp-root]\nfile = \"root.pem\"\n[connectors.x]\ntrust = [\"corp-root\"]\n",
       "[entries.corp-root]\nfile = \"root2.pem\"\n[connectors.x]\ntrust = [\"corp-root\"]\n",
       {"~ replace content of entry corp-root", "~ corp-root (content replaced)"}},
      {"a connector removed with its only entry",
       "[entries.corp-root]\nfile = \"root.pem\"\n[entries.other]\nfile = \"root2.pem\"\n"
       "[connectors.x]\ntrust = [\"corp-root\"]\n[connectors.y]\ntrust = [\"other\"]\n",
       "[entries.corp-root]\nfile = \"root.pem\"\n[connectors.x]\ntrust = [\"corp-root\"]\n",
       {"- remove connector y", "- remove entry other"}},
      {"content moved from a pruned entry to a declared one",
       "[entries.corp-root]\nfile = \"root.pem\"\n[entries.backup]\nfile = \"root2.pem\"\n"
       "[connectors.x]\ntrust = [\"corp-root\"]\n",
       "[entries.corp-root]\nfile = \"root2.pem\"\n[connectors.x]\ntrust = [\"corp-root\"]\n",
       {"- remove entry backup", "~ replace content of entry corp-root"}},
  };
  for (const auto& shape : shapes) {
    DYNAMIC_SECTION(shape.what) {
      ApplyFixture f;
      auto root2 = f.pki.makeRoot("Apply Root CA 2026");
      f.dir.write("root2.pem", toPem({root2.cert}));
      REQUIRE(f.apply(shape.v1, {"--prune", "--yes"}).exit_code == 0);
      std::string before = treeFingerprint(f.store());
      auto dry = f.apply(shape.v2, {"--prune", "--dry-run"});
      INFO(dry.out << dry.err);
      REQUIRE(dry.exit_code == 0);
      CHECK(treeFingerprint(f.store()) == before);
      for (const auto& line : shape.plan_lines) {
        CHECK_THAT(dry.out, Catch::Contains(line));
      }
      auto applied = f.apply(shape.v2, {"--prune", "--yes"});
      INFO(applied.out << applied.err);
      REQUIRE(applied.exit_code == 0);
      CHECK(planText(applied.out, "Applied:\n") ==
            planText(dry.out, "Plan (dry run, nothing changed):\n"));
      auto x = connector(f, "x");
      REQUIRE(x != nullptr);
      CHECK(f.apply(shape.v2, {"--prune", "--yes"}).out.find("No changes") != std::string::npos);
      CHECK(f.run({"store", "check"}).exit_code == 0);
    }
  }
}

TEST_CASE("apply: the replaced CA is trusted by the connector afterwards, the old one gone",
          "[config]") {
  ApplyFixture f;
  auto root2 = f.pki.makeRoot("Apply Root CA 2026");
  f.dir.write("root2.pem", toPem({root2.cert}));
  REQUIRE(f.apply("[entries.corp-root]\nfile = \"root.pem\"\n"
                  "[connectors.x]\ntrust = [\"corp-root\"]\n",
                  {"--prune", "--yes"})
              .exit_code == 0);
  auto r = f.apply(
      "[entries.corp-root-2026]\nfile = \"root2.pem\"\n"
      "[connectors.x]\ntrust = [\"corp-root-2026\"]\n",
      {"--prune", "--yes"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  auto show = f.run({"connector", "show", "x", "--json"});
  CHECK_THAT(show.out, Catch::Contains("corp-root-2026") && Catch::Contains(root2.cert->sha256()));
  CHECK(f.run({"show", "corp-root"}).exit_code == 2);
}

TEST_CASE("apply: a new name for content the library keeps is refused by the dry run too",
          "[config][bad-input]") {
  ApplyFixture f;
  // "existing" holds inter.der and, without --prune, stays: the same certificates cannot be
  // imported a second time, and the plan says so before anything is written.
  const char* toml = "[entries.copy]\nfile = \"inter.der\"\n";
  std::string before = treeFingerprint(f.store());
  auto dry = f.apply(toml, {"--dry-run"});
  auto applied = f.apply(toml);
  for (const auto* r : {&dry, &applied}) {
    INFO(r->err);
    CHECK(r->exit_code == 2);
    CHECK(lineCount(r->err) == 1);
    CHECK_THAT(r->err, Catch::Contains("trustctl.toml:2:") && Catch::Contains("'existing'"));
  }
  CHECK(dry.err == applied.err);
  CHECK(treeFingerprint(f.store()) == before);
}
