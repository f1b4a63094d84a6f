// probe --install on a connector a config file declares (issue 12): the next apply would
// undo the install, so the install says so and prints the lines to add to that file; with
// them added, the apply keeps the install.
#include <filesystem>

#include <catch2/catch.hpp>

#include "tests/integration/probe_fixture.h"

using namespace trustctl;
using namespace trustctl::testing;

TEST_CASE("probe --install: a connector declared by a config file gets a note with the lines",
          "[net]") {
  ProbeFixture f;
  auto c = f.pki.makeChain("Declared");
  TlsServerOptions o;
  o.chain = {c.leaf.cert, c.intermediate.cert};
  o.key = c.leaf.key;
  auto server = startSServer(o);
  std::string catalog = f.catalog({c.root.cert});
  std::string config = f.dir().write("trustctl.toml", "[connectors.api]\nenv = \"prod\"\n");
  std::string absolute = std::filesystem::canonical(config).string();
  REQUIRE(f.run({"apply", config}).exit_code == 0);
  f.createConnector("plain");

  RunResult raw;
  auto after = f.probe(
      {server->url("https"), "--connector", "api", "--catalog", catalog, "--install", "--yes"},
      &raw);
  INFO(raw.err);
  CHECK(raw.exit_code == 0);
  CHECK(codeOf(after) == "ok");
  CHECK_THAT(raw.err, Catch::Contains("note: connector api is declared in " + absolute +
                                      "; the next apply will undo this install"));
  CHECK_THAT(raw.err, Catch::Contains("[connectors.api]\n  trust = [\"declared-root-ca\"]"));

  SECTION("without the lines the next apply undoes it, as the note said") {
    auto undo = f.run({"apply", config});
    CHECK_THAT(undo.out, Catch::Contains("- trust declared-root-ca"));
  }
  SECTION("with the lines added the apply keeps the install") {
    f.dir().write("trustctl.toml",
                  "[connectors.api]\nenv = \"prod\"\ntrust = [\"declared-root-ca\"]\n");
    auto kept = f.run({"apply", config});
    CHECK(kept.exit_code == 0);
    CHECK_THAT(kept.out, Catch::Contains("No changes"));
  }
  SECTION("a connector no config declares gets no note") {
    RunResult plain;
    f.probe(
        {server->url("https"), "--connector", "plain", "--catalog", catalog, "--install", "--yes"},
        &plain);
    CHECK(plain.exit_code == 0);
    CHECK(plain.err.find("note:") == std::string::npos);
  }
}
