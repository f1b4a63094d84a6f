// The probe judged as the connector's runtime, against real servers and the real runtime: a
// Python connector behind a server that does not send its intermediate gets the intermediate
// and the root recommended, --install trusts both, and /usr/bin/python3's ssl module then
// connects with the connector's ca-bundle.pem. A connector whose trust satisfies trustctl but
// not its runtime fails the probe (exit 1) and `status --live`.
#include <catch2/catch.hpp>

#include "tests/integration/probe_fixture.h"
#include "tests/support/bounded_run.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

// What Python's ssl module (Debian's /usr/bin/python3, not a pyenv one) says connecting to
// 127.0.0.1:PORT as `host` with only `cafile` trusted: "ok" or the exception's text.
std::string pythonConnects(const std::string& cafile, int port, const std::string& host) {
  std::string script =
      "import socket, ssl, sys\n"
      "ctx = ssl.create_default_context(cafile=sys.argv[1])\n"
      "try:\n"
      "    with socket.create_connection(('127.0.0.1', int(sys.argv[2])), timeout=5) as s:\n"
      "        with ctx.wrap_socket(s, server_hostname=sys.argv[3]):\n"
      "            print('ok')\n"
      "except Exception as e:\n"
      "    print(e)\n";
  auto r = runProgram("/usr/bin/python3", {"-c", script, cafile, std::to_string(port), host});
  return r.out.substr(0, r.out.find('\n'));
}

std::string bundleOf(ProbeFixture& f, const std::string& connector) {
  auto r = f.run({"connector", "path", connector});
  return r.out.substr(0, r.out.find('\n'));
}

// A server sending its whole chain but the root, and a python connector `py` with the
// chain's intermediate in the library as `inter` (not yet trusted).
std::unique_ptr<TestServer> serverWithPythonConnector(ProbeFixture& f, const std::string& name) {
  auto c = f.pki.makeChain(name);
  TlsServerOptions o;
  o.chain = {c.leaf.cert, c.intermediate.cert};
  o.key = c.leaf.key;
  auto server = startSServer(o);
  REQUIRE(f.run({"connector", "create", "py", "--runtime", "python"}).exit_code == 0);
  std::string inter = f.dir().write("inter.pem", toPem({c.intermediate.cert}));
  REQUIRE(f.run({"import", inter, "--name", "inter"}).exit_code == 0);
  return server;
}

}  // namespace

TEST_CASE("probe as python: a missing intermediate needs intermediate and root; --install works",
          "[runtime][net]") {
  ProbeFixture f;
  auto c = f.pki.makeChain("PyRt");
  TlsServerOptions o;
  o.chain = {c.leaf.cert};  // the intermediate is not sent
  o.key = c.leaf.key;
  auto server = startSServer(o);
  REQUIRE(f.run({"connector", "create", "py", "--runtime", "python"}).exit_code == 0);
  std::string catalog = f.catalog({c.intermediate.cert, c.root.cert});

  RunResult raw;
  auto r = f.probe({server->url("https"), "--connector", "py", "--catalog", catalog}, &raw);
  CHECK(raw.exit_code == 1);
  CHECK(codeOf(r) == "missing_intermediate");
  CHECK(r["runtime_verdict"]["runtime"] == "python");
  CHECK(r["runtime_verdict"]["accepted"] == false);
  const auto& rec = r["recommendation"];
  REQUIRE(rec.contains("runtime_plan"));
  std::vector<std::string> plan;
  for (const auto& p : rec["runtime_plan"]) {
    plan.push_back(p["sha256"]);
  }
  CHECK(plan == std::vector<std::string>{c.intermediate.cert->sha256(), c.root.cert->sha256()});
  CHECK_THAT(rec["request_text"].get<std::string>(), Catch::Contains("full certificate chain"));

  CHECK(pythonConnects(bundleOf(f, "py"), server->port, "localhost") != "ok");
  auto after = f.probe(
      {server->url("https"), "--connector", "py", "--catalog", catalog, "--install", "--yes"},
      &raw);
  INFO(raw.out << raw.err);
  CHECK(raw.exit_code == 0);
  CHECK(after["runtime_verdict"]["accepted"] == true);
  CHECK(pythonConnects(bundleOf(f, "py"), server->port, "localhost") == "ok");
}

TEST_CASE("probe as python: nothing known to install says so and installs nothing",
          "[runtime][net]") {
  ProbeFixture f;
  auto server = serverWithPythonConnector(f, "PyNone");
  REQUIRE(f.run({"connector", "trust", "py", "inter", "--allow-unusable-trust"}).exit_code == 0);
  std::string before = treeFingerprint(f.storeDir());
  auto r = f.probe({server->url("https"), "--connector", "py"});
  CHECK(r["server_verdict"] == "ok");
  CHECK(r["runtime_verdict"]["accepted"] == false);
  CHECK(r["recommendation"]["sha256"].is_null());
  CHECK(r["recommendation"]["runtime_plan"].empty());
  auto install = f.run({"probe", server->url("https"), "--connector", "py", "--no-system-catalog",
                        "--install", "--yes"});
  CHECK(install.exit_code == 1);
  CHECK_THAT(install.out, Catch::Contains("nothing to install"));
  CHECK_THAT(install.err, Catch::Contains("not available here"));
  CHECK(treeFingerprint(f.storeDir()) == before);
}

TEST_CASE("trustctl accepts but the python runtime refuses: exit 1 and status not ok",
          "[runtime][net]") {
  ProbeFixture f;
  auto server = serverWithPythonConnector(f, "PyStatus");
  auto refused = f.run({"connector", "trust", "py", "inter"});
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.err, Catch::Contains("--allow-unusable-trust"));
  REQUIRE(f.run({"connector", "trust", "py", "inter", "--allow-unusable-trust"}).exit_code == 0);
  REQUIRE(f.run({"connector", "target", "py", "--add", server->url("https")}).exit_code == 0);

  RunResult raw;
  auto r = f.probe({server->url("https"), "--connector", "py"}, &raw);
  CHECK(raw.exit_code == 1);
  CHECK(codeOf(r) == "ok");  // trustctl's own judgement
  CHECK(r["server_verdict"] == "ok");
  CHECK(r["verdict"] == "fail");
  CHECK(r["runtime_verdict"]["accepted"] == false);
  CHECK(pythonConnects(bundleOf(f, "py"), server->port, "localhost") != "ok");  // the model holds

  auto human = f.run({"probe", server->url("https"), "--connector", "py", "--no-system-catalog"});
  CHECK(human.exit_code == 1);
  CHECK_THAT(human.out, Catch::Contains("runtime python: refuses"));

  auto status = f.run({"status", "--live"});
  CHECK(status.exit_code == 1);
  CHECK_THAT(status.out, Catch::Contains("python: "));

  // The same connector judged as go (anchors at any trusted certificate) is fine.
  REQUIRE(f.run({"connector", "edit", "py", "--runtime", "go"}).exit_code == 0);
  auto go = f.probe({server->url("https"), "--connector", "py"}, &raw);
  CHECK(raw.exit_code == 0);
  CHECK(go["runtime_verdict"]["runtime"] == "go");
  CHECK(f.run({"status", "--live"}).exit_code == 0);
}

TEST_CASE("verify --connector prints both verdicts; --runtime asks for another", "[runtime][net]") {
  ProbeFixture f;
  auto c = f.pki.makeChain("PyVerify");
  std::string inter = f.dir().write("inter.pem", toPem({c.intermediate.cert}));
  std::string chain = f.dir().write("chain.pem", toPem({c.leaf.cert, c.intermediate.cert}));
  REQUIRE(f.run({"import", inter, "--name", "inter"}).exit_code == 0);
  REQUIRE(f.run({"connector", "create", "api"}).exit_code == 0);
  REQUIRE(f.run({"connector", "trust", "api", "inter"}).exit_code == 0);
  auto own = f.run({"verify", chain, "--connector", "api", "--host", "localhost"});
  CHECK(own.exit_code == 0);
  CHECK_THAT(own.out, Catch::Contains("runtime trustctl: accepts"));
  auto py = f.run({"verify", chain, "--connector", "api", "--host", "localhost", "--runtime",
                   "python", "--json"});
  CHECK(py.exit_code == 1);
  auto j = nlohmann::json::parse(py.out.substr(py.out.find('{')));
  CHECK(j["server_verdict"] == "ok");
  CHECK(j["runtime_verdict"]["runtime"] == "python");
  CHECK(j["runtime_verdict"]["accepted"] == false);
  auto bad = f.run({"verify", chain, "--connector", "api", "--runtime", "perl"});
  CHECK(bad.exit_code == 2);
  CHECK(lineCount(bad.err) == 1);
}
