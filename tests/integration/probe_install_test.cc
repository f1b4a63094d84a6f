// --install from a diagnosis to a green probe; its refusals leave the store untouched; usage
// errors are one line and exit 2; captures recorded live replay offline.
#include <catch2/catch.hpp>

#include "tests/integration/probe_fixture.h"

using namespace trustctl;
using namespace trustctl::testing;

TEST_CASE("probe --install: trust the recommended root, then probe green", "[net]") {
  ProbeFixture f;
  auto c = f.pki.makeChain("Install");
  TlsServerOptions o;
  o.chain = {c.leaf.cert, c.intermediate.cert};
  o.key = c.leaf.key;
  auto server = startSServer(o);
  f.createConnector("api");
  std::string catalog = f.catalog({c.root.cert});
  SECTION("installs into the library and the connector") {
    RunResult raw;
    auto after = f.probe(
        {server->url("https"), "--connector", "api", "--catalog", catalog, "--install", "--yes"},
        &raw);
    CHECK(raw.exit_code == 0);
    CHECK(codeOf(after) == "ok");
    auto show = f.run({"connector", "show", "api", "--json"});
    CHECK_THAT(show.out, Catch::Contains("install-root-ca"));
    auto log = f.run({"log", "--json"});
    CHECK_THAT(log.out, Catch::Contains(c.root.cert->sha256()));
  }
  SECTION("no --yes and no terminal: refused, store unchanged") {
    std::string before = treeFingerprint(f.storeDir());
    auto r = f.run({"probe", server->url("https"), "--connector", "api", "--catalog", catalog,
                    "--install", "--no-system-catalog"});
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains("--yes"));
    CHECK(lineCount(r.err) == 1);
    CHECK(treeFingerprint(f.storeDir()) == before);
  }
}

TEST_CASE("probe --install refuses to pin a server certificate without --allow-server-pin",
          "[net]") {
  ProbeFixture f;
  CertOptions so;
  so.sans = {"IP:127.0.0.1"};
  auto self = f.pki.makeSelfSignedLeaf("pinned", so);
  TlsServerOptions o;
  o.chain = {self.cert};
  o.key = self.key;
  auto server = startSServer(o);
  f.createConnector("api");
  std::string before = treeFingerprint(f.storeDir());
  auto refused = f.run({"probe", server->url("https"), "--connector", "api", "--install", "--yes"});
  CHECK(refused.exit_code == 2);
  CHECK_THAT(refused.err, Catch::Contains("--allow-server-pin"));
  CHECK(treeFingerprint(f.storeDir()) == before);
  auto pinned = f.probe(
      {server->url("https"), "--connector", "api", "--install", "--yes", "--allow-server-pin"});
  CHECK(codeOf(pinned) == "ok");
}

TEST_CASE("probe: usage errors are one line and exit 2", "[agent][bad-input]") {
  ProbeFixture f;
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"probe", "ftp://example.com"},
           {"probe", "https://example.com:70000/"},
           {"probe", "https://example.com:0/"},
           {"probe", "example.com"},
           {"probe", "https://example.com", "--connector", "nope"},
           {"probe"},
           {"probe", "https://example.com", "--install"},
           {"probe", "https://example.com", "--catalog", "/nonexistent/file.pem"},
       }) {
    auto r = f.run(args);
    INFO(args.back() << " -> " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(lineCount(r.err) == 1);
  }
}

TEST_CASE("probe: a recorded capture replays offline, and judges at another time", "[net]") {
  ProbeFixture f;
  auto c = f.pki.makeChain("Replay");
  TlsServerOptions o;
  o.chain = {c.leaf.cert, c.intermediate.cert};
  o.key = c.leaf.key;
  auto server = startSServer(o);
  f.trust("api", "replay-root", {c.root.cert});
  std::string recording = f.dir().file("capture.jsonl");
  CHECK(codeOf(f.probe({server->url("https"), "--connector", "api", "--record", recording})) ==
        "ok");
  server.reset();  // the server is gone: the replay needs no network
  CHECK(codeOf(f.probe({"--replay", recording, "--connector", "api"})) == "ok");
  CHECK(codeOf(f.probe({"--replay", recording, "--connector", "api", "--at",
                        "@" + std::to_string(f.pki.now() + 400LL * 86400)})) == "expired");
}

TEST_CASE("probe --connector without a URL probes its targets; --all every connector's", "[net]") {
  ProbeFixture f;
  auto c = f.pki.makeChain("Fleet");
  TlsServerOptions o;
  o.chain = {c.leaf.cert, c.intermediate.cert};
  o.key = c.leaf.key;
  auto a = startSServer(o);
  o.chain = {c.leaf.cert};  // this one forgets its intermediate
  auto b = startSServer(o);
  f.trust("fleet", "fleet-root", {c.root.cert});
  f.createConnector("other");
  REQUIRE(
      f.run({"connector", "target", "fleet", "--add", a->url("https"), "--add", b->url("https")})
          .exit_code == 0);
  REQUIRE(f.run({"connector", "target", "other", "--add", a->url("https")}).exit_code == 0);
  auto fleet = f.run({"probe", "--connector", "fleet", "--json", "--no-system-catalog"});
  CHECK(fleet.exit_code == 1);
  CHECK(lineCount(fleet.out) == 2);
  CHECK_THAT(fleet.out, Catch::Contains("\"code\":\"ok\"") &&
                            Catch::Contains("\"code\":\"missing_intermediate\""));
  auto all = f.run({"probe", "--all", "--no-system-catalog"});
  CHECK(all.exit_code == 1);
  CHECK_THAT(all.out, Catch::Contains("3 targets, 1 ok, 2 failing"));
}
