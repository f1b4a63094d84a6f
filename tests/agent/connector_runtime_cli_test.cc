// A connector's runtime and proxy as the operator sets them: `connector create/edit --runtime
// --proxy --proxy-credentials-file`, what `connector show` says, bad input as one line with
// exit code 2 and the store unchanged, and the same keys in a config file applied.
#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/config/apply_fixture.h"
#include "tests/support/cli_runner.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

nlohmann::json showJson(ApplyFixture& f, const std::string& connector) {
  auto show = f.run({"connector", "show", connector, "--json"});
  INFO(show.err);
  REQUIRE(show.out.find('{') != std::string::npos);
  return nlohmann::json::parse(show.out.substr(show.out.find('{')));
}

}  // namespace

TEST_CASE("connector create and edit set the runtime and the proxy; show says them",
          "[runtime][agent]") {
  ApplyFixture f;
  REQUIRE(f.run({"connector", "create", "plain"}).exit_code == 0);
  auto plain = f.run({"connector", "show", "plain"});
  CHECK_THAT(plain.out, Catch::Contains("trustctl (default: the trustctl runtime library"));
  CHECK_THAT(plain.out, Catch::Contains("from the environment"));
  CHECK(showJson(f, "plain")["runtime"] == "trustctl");
  CHECK(showJson(f, "plain")["proxy"].is_null());

  std::string creds = f.dir.write("proxy.creds", "user:secret-pw\n");
  auto made = f.run({"connector", "create", "py", "--runtime", "python", "--proxy",
                     "http://proxy.corp:3128", "--proxy-credentials-file", creds});
  INFO(made.err);
  REQUIRE(made.exit_code == 0);
  auto j = showJson(f, "py");
  CHECK(j["runtime"] == "python");
  CHECK(j["proxy"] == "http://proxy.corp:3128");
  CHECK(j["proxy_credentials_file"] == creds);
  auto text = f.run({"connector", "show", "py"});
  CHECK_THAT(text.out, Catch::Contains("ssl.create_default_context(cafile="));
  CHECK(text.out.find("secret-pw") == std::string::npos);  // the path, never the content

  REQUIRE(f.run({"connector", "edit", "py", "--runtime", "java", "--proxy", "none"}).exit_code ==
          0);
  j = showJson(f, "py");
  CHECK(j["runtime"] == "java");
  CHECK(j["proxy"] == "none");
  CHECK(j["proxy_credentials_file"] == creds);  // not given: left as it was
  REQUIRE(f.run({"connector", "edit", "py", "--proxy-credentials-file", ""}).exit_code == 0);
  CHECK(showJson(f, "py")["proxy_credentials_file"].is_null());
}

TEST_CASE("connector create/edit: a bad runtime or proxy is one line, exit 2, store unchanged",
          "[runtime][agent]") {
  ApplyFixture f;
  REQUIRE(f.run({"connector", "create", "api"}).exit_code == 0);
  std::string before = treeFingerprint(f.store());
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  std::vector<Case> cases{
      {{"connector", "create", "x", "--runtime", "pyhton"}, "openssl, curl, java, python"},
      {{"connector", "edit", "api", "--runtime", "ruby"}, "use one of"},
      {{"connector", "edit", "api", "--proxy", "socks5://p:1080"}, "http:// or https://"},
      {{"connector", "edit", "api", "--proxy", "http://p:99999"}, "port"},
      {{"connector", "edit", "api", "--proxy-credentials-file", "/nonexistent/c"}, "no such file"},
      {{"connector", "create", "y", "--proxy", "http://bob:hunter2@proxy:3128"},
       "--proxy-credentials-file"},
  };
  for (const auto& c : cases) {
    auto r = f.run(c.args);
    INFO(c.args.back() << ": " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(lineCount(r.err) == 1);
    CHECK_THAT(r.err, Catch::Contains(c.says));
    CHECK(r.err.find("hunter2") == std::string::npos);
    CHECK(treeFingerprint(f.store()) == before);
  }
}

TEST_CASE("connector trust refuses an entry the runtime cannot anchor at, unless overridden",
          "[runtime][agent]") {
  ApplyFixture f;  // holds entry "existing": an intermediate
  REQUIRE(f.run({"connector", "create", "py", "--runtime", "python"}).exit_code == 0);
  REQUIRE(f.run({"connector", "create", "go", "--runtime", "go"}).exit_code == 0);
  std::string before = treeFingerprint(f.store());
  auto refused = f.run({"connector", "trust", "py", "existing"});
  CHECK(refused.exit_code == 2);
  CHECK(lineCount(refused.err) == 1);
  CHECK_THAT(refused.err, Catch::Contains("--allow-unusable-trust"));
  CHECK_THAT(refused.err, Catch::Contains("self-signed root"));
  CHECK(treeFingerprint(f.store()) == before);
  CHECK(f.run({"connector", "trust", "go", "existing"}).exit_code == 0);  // go anchors anywhere
  CHECK(f.run({"connector", "trust", "py", "existing", "--allow-unusable-trust"}).exit_code == 0);
  REQUIRE(f.run({"import", f.dir.file("root.pem"), "--name", "root"}).exit_code == 0);
  CHECK(f.run({"connector", "trust", "py", "root"}).exit_code == 0);
}

TEST_CASE("apply sets runtime and proxy from the config, shows the change, refuses bad values",
          "[runtime][config]") {
  ApplyFixture f;
  f.dir.write("proxy.creds", "u:p\n");
  std::string good =
      "[connectors.erp]\nruntime = \"node\"\nproxy = \"https://proxy.corp:8443\"\n"
      "proxy_credentials_file = \"proxy.creds\"\n";
  auto plan = f.apply(good, {"--dry-run"});
  INFO(plan.out << plan.err);
  CHECK_THAT(plan.out, Catch::Contains("runtime -> node"));
  CHECK_THAT(plan.out, Catch::Contains("proxy -> https://proxy.corp:8443"));
  auto applied = f.apply(good, {"--yes"});
  INFO(applied.err);
  REQUIRE(applied.exit_code == 0);
  auto j = showJson(f, "erp");
  CHECK(j["runtime"] == "node");
  CHECK(j["proxy"] == "https://proxy.corp:8443");
  CHECK(j["proxy_credentials_file"] == f.dir.file("proxy.creds"));
  // Dropping the keys goes back to the defaults, as the file declares the connector exactly.
  auto back = f.apply("[connectors.erp]\n", {"--yes"});
  REQUIRE(back.exit_code == 0);
  CHECK(showJson(f, "erp")["runtime"] == "trustctl");
  CHECK(showJson(f, "erp")["proxy"].is_null());

  std::string before = treeFingerprint(f.store());
  struct Case {
    std::string toml, says;
  };
  std::vector<Case> cases{
      {"[connectors.erp]\nruntime = \"rust\"\n", ".runtime: \"rust\" is not a runtime"},
      {"[connectors.erp]\nproxy = \"http://u:pw@p:3128\"\n", "credentials"},
      {"[connectors.erp]\nproxy_credentials_file = \"missing.creds\"\n", "cannot read"},
  };
  for (const auto& c : cases) {
    auto r = f.apply(c.toml, {"--yes"});
    INFO(c.toml << r.err);
    CHECK(r.exit_code == 2);
    CHECK(lineCount(r.err) == 1);
    CHECK_THAT(r.err, Catch::Contains("trustctl.toml:2:"));
    CHECK_THAT(r.err, Catch::Contains(c.says));
    CHECK(treeFingerprint(f.store()) == before);
  }
}
