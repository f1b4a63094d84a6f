// A connector's revocation mode: "off" | "soft" | "hard" in the store (absent = soft), set by
// `connector create/edit --revocation` and by `revocation = "..."` in the config file.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/config/apply_fixture.h"
#include "tests/support/cli_runner.h"
#include "truststore/store_state.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

std::string modeOf(ApplyFixture& f, const std::string& connector) {
  auto show = f.run({"connector", "show", connector, "--json"});
  INFO(show.err);
  REQUIRE(show.out.find('{') != std::string::npos);
  return nlohmann::json::parse(show.out.substr(show.out.find('{')))["revocation"];
}

}  // namespace

TEST_CASE("the revocation mode survives the state file; an absent one reads as soft",
          "[truststore][revocation]") {
  truststore::StoreState state;
  truststore::Connector c;
  c.name = "erp";
  c.revocation = truststore::RevocationMode::Hard;
  state.connectors["erp"] = c;
  c.name = "old";
  c.revocation = truststore::RevocationMode::Soft;
  state.connectors["old"] = c;
  std::string text = truststore::serializeState(state);
  CHECK(text.find("\"revocation\": \"hard\"") != std::string::npos);
  CHECK(text.find("\"soft\"") == std::string::npos);  // older stores look the same
  auto parsed = truststore::parseState(text, "state.json");
  REQUIRE(parsed);
  CHECK(parsed->connectors.at("erp").revocation == truststore::RevocationMode::Hard);
  CHECK(parsed->connectors.at("old").revocation == truststore::RevocationMode::Soft);
}

TEST_CASE("connector create and edit set the revocation mode", "[agent][revocation]") {
  ApplyFixture f;
  REQUIRE(f.run({"connector", "create", "erp", "--revocation", "hard"}).exit_code == 0);
  CHECK(modeOf(f, "erp") == "hard");
  REQUIRE(f.run({"connector", "edit", "erp", "--revocation", "off"}).exit_code == 0);
  CHECK(modeOf(f, "erp") == "off");
  REQUIRE(f.run({"connector", "create", "plain"}).exit_code == 0);
  CHECK(modeOf(f, "plain") == "soft");
  CHECK_THAT(f.run({"connector", "show", "erp"}).out, Catch::Contains("revocation off"));
  auto bad = f.run({"connector", "edit", "erp", "--revocation", "strict"});
  CHECK(bad.exit_code == 2);
  CHECK(modeOf(f, "erp") == "off");
}

TEST_CASE("apply sets revocation from the config and refuses a bad value in one line",
          "[config][revocation]") {
  ApplyFixture f;
  auto applied = f.apply("[connectors.erp]\ntrust = [\"existing\"]\nrevocation = \"hard\"\n");
  INFO(applied.err);
  REQUIRE(applied.exit_code == 0);
  CHECK(modeOf(f, "erp") == "hard");
  auto again = f.apply("[connectors.erp]\ntrust = [\"existing\"]\nrevocation = \"hard\"\n");
  CHECK_THAT(again.out, Catch::Contains("No changes"));
  auto soft = f.apply("[connectors.erp]\ntrust = [\"existing\"]\n", {"--dry-run"});
  CHECK_THAT(soft.out, Catch::Contains("revocation -> soft"));

  auto bad = f.apply("[connectors.erp]\ntrust = [\"existing\"]\nrevocation = \"strict\"\n");
  CHECK(bad.exit_code == 2);
  CHECK_THAT(bad.err, Catch::Contains("trustctl.toml:3:") &&
                          Catch::Contains("[connectors.erp].revocation") &&
                          Catch::Contains("\"off\", \"soft\" or \"hard\""));
  CHECK(std::count(bad.err.begin(), bad.err.end(), '\n') <= 1);
  CHECK(modeOf(f, "erp") == "hard");
}
