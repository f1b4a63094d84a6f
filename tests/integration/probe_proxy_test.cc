// The probe through real proxies on 127.0.0.1: tinyproxy plain, with BasicAuth and with
// ConnectPort limits; mitmproxy re-signing with its own CA; a tarpit that accepts and never
// answers; none at all. Every case runs the real trustctl binary against a real s_server.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <chrono>

#include "tests/integration/probe_fixture.h"
#include "tests/support/hostile_servers.h"
#include "tests/support/proxy_servers.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

struct Target {
  explicit Target(ProbeFixture& f) : chain(f.pki.makeChain("Proxied")) {
    TlsServerOptions o;
    o.chain = {chain.leaf.cert, chain.intermediate.cert};
    o.key = chain.leaf.key;
    server = startSServer(o);
    f.trust("c", "real-root", {chain.root.cert});
  }
  std::string url() const { return server->url("https"); }
  TestPki::Chain chain;
  std::unique_ptr<TestServer> server;
};

nlohmann::json parsed(const RunResult& r) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE((r.exit_code == 0 || r.exit_code == 1));
  return nlohmann::json::parse(r.out);
}

// `trustctl probe` with extra environment, e.g. https_proxy.
nlohmann::json probeWithEnv(ProbeFixture& f, std::vector<std::string> args,
                            const std::map<std::string, std::string>& env) {
  args.insert(args.begin(), "probe");
  args.insert(args.end(), {"--json", "--no-system-catalog", "--timeout", "5"});
  RunOptions o;
  o.env = env;
  return parsed(f.run(args, o));
}

std::string credentialsFile(ProbeFixture& f, const std::string& content) {
  std::string file = f.dir().write("proxy-" + std::to_string(content.size()) + ".cred", content);
  ::chmod(file.c_str(), 0600);
  return file;
}

}  // namespace

TEST_CASE("probe proxy: through tinyproxy the probe is ok and says which proxy", "[proxy][net]") {
  ProbeFixture f;
  Target t(f);
  auto proxy = startTinyproxy();
  auto r = f.probe({t.url(), "--connector", "c", "--proxy", proxy->url(), "--timeout", "5"});
  CHECK(codeOf(r) == "ok");
  REQUIRE(r["proxy"].is_object());
  CHECK(r["proxy"]["url"] == proxy->url());
  CHECK(r["proxy"]["connect_status"] == 200);
  CHECK(r["proxy"]["direct"].is_null());  // a trusted chain needs no comparison
  SECTION("the environment's https_proxy, and no_proxy exempting the target") {
    auto env = probeWithEnv(f, {t.url(), "--connector", "c"}, {{"https_proxy", proxy->url()}});
    CHECK(codeOf(env) == "ok");
    CHECK(env["proxy"]["source"] == "https_proxy");
    auto exempt =
        probeWithEnv(f, {t.url(), "--connector", "c"},
                     {{"https_proxy", proxy->url()}, {"no_proxy", "localhost,127.0.0.1"}});
    CHECK(exempt["proxy"].is_null());
    auto none = probeWithEnv(f, {t.url(), "--connector", "c", "--proxy", "none"},
                             {{"HTTPS_PROXY", proxy->url()}});
    CHECK(none["proxy"].is_null());
  }
  SECTION("the human output names the proxy") {
    auto human = f.run({"probe", t.url(), "--connector", "c", "--proxy", proxy->url()});
    CHECK(human.exit_code == 0);
    CHECK(human.out.find("via proxy " + proxy->url()) != std::string::npos);
  }
}

TEST_CASE("probe proxy: a proxy that does not listen is proxy_unreachable", "[proxy][net]") {
  ProbeFixture f;
  Target t(f);
  std::string down = "http://127.0.0.1:" + std::to_string(freeLoopbackPort());
  auto r = f.probe({t.url(), "--connector", "c", "--proxy", down, "--timeout", "5"});
  CHECK(codeOf(r) == "proxy_unreachable");
  CHECK(r["recommendation"]["action"] == "check_network");
  auto env = probeWithEnv(f, {t.url(), "--connector", "c"}, {{"https_proxy", down}});
  CHECK(codeOf(env) == "proxy_unreachable");
}

TEST_CASE("probe proxy: 407 without or with wrong credentials, ok with them", "[proxy][net]") {
  ProbeFixture f;
  Target t(f);
  auto proxy = startTinyproxy({"probe-user", "Pr0xy-s3cret", {}});
  std::vector<std::string> base{t.url(), "--connector", "c", "--proxy", proxy->url()};
  RunResult raw;
  auto none = f.probe(base, &raw);
  CHECK(codeOf(none) == "proxy_auth_required");
  CHECK(none["proxy"]["connect_status"] == 407);
  CHECK(none["diagnosis"]["summary"].get<std::string>().find("none were given") !=
        std::string::npos);

  auto wrong = base;
  wrong.insert(wrong.end(), {"--proxy-credentials-file", credentialsFile(f, "probe-user:wrong\n")});
  auto refused = f.probe(wrong);
  CHECK(codeOf(refused) == "proxy_auth_required");
  CHECK(refused["diagnosis"]["summary"].get<std::string>().find("refused the credentials") !=
        std::string::npos);

  auto right = base;
  right.insert(right.end(),
               {"--proxy-credentials-file", credentialsFile(f, "probe-user:Pr0xy-s3cret\n")});
  auto ok = f.probe(right, &raw);
  CHECK(codeOf(ok) == "ok");
  CHECK(raw.out.find("Pr0xy-s3cret") == std::string::npos);
  CHECK(raw.err.find("Pr0xy-s3cret") == std::string::npos);
  auto human = f.run({"probe", t.url(), "--connector", "c", "--proxy", proxy->url(),
                      "--proxy-credentials-file", right.back()});
  CHECK(human.exit_code == 0);
  CHECK(human.out.find("Pr0xy-s3cret") == std::string::npos);

  SECTION("a credentials file others can read is refused in one line") {
    std::string open = f.dir().write("open.cred", "probe-user:Pr0xy-s3cret\n");
    ::chmod(open.c_str(), 0644);
    auto r = f.run({"probe", t.url(), "--connector", "c", "--proxy", proxy->url(),
                    "--proxy-credentials-file", open});
    CHECK(r.exit_code != 0);
    CHECK(lineCount(r.err) == 1);
    CHECK(r.err.find("chmod 600") != std::string::npos);
    CHECK(r.err.find("Pr0xy-s3cret") == std::string::npos);
  }
  SECTION("credentials in the --proxy URL are refused") {
    auto r = f.run({"probe", t.url(), "--proxy", "http://probe-user:Pr0xy-s3cret@127.0.0.1:1"});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find("Pr0xy-s3cret") == std::string::npos);
  }
}

TEST_CASE("probe proxy: CONNECT to a port the proxy forbids is proxy_connect_refused",
          "[proxy][net]") {
  ProbeFixture f;
  Target t(f);
  auto proxy = startTinyproxy({"", "", {t.server->port == 1 ? 2 : 1}});
  auto r = f.probe({t.url(), "--connector", "c", "--proxy", proxy->url(), "--timeout", "5"});
  CHECK(codeOf(r) == "proxy_connect_refused");
  CHECK(r["proxy"]["connect_status"] == 403);
  std::string line = r["proxy"]["status_line"].get<std::string>();
  CHECK(line.find("403") != std::string::npos);
  CHECK(r["diagnosis"]["summary"].get<std::string>().find(line) != std::string::npos);
}

TEST_CASE("probe proxy: a tarpit proxy ends by the deadline with a cause", "[proxy][net]") {
  ProbeFixture f;
  Target t(f);
  HostileServer tarpit(Hostility::Blackhole);
  auto start = std::chrono::steady_clock::now();
  auto r = f.probe({t.url(), "--connector", "c", "--proxy", tarpit.url("http"), "--timeout", "2"});
  double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  CHECK(took < 4.5);
  CHECK(codeOf(r) == "timeout");
  CHECK(r["diagnosis"]["summary"].get<std::string>().find("did not answer CONNECT") !=
        std::string::npos);
}

TEST_CASE(
    "probe proxy: mitmproxy's re-signing is tls_interception; its root installs only "
    "with --allow-interception-root",
    "[proxy][net]") {
  ProbeFixture f;
  Target t(f);
  auto mitm = startMitmproxy();
  std::vector<std::string> args{t.url(),   "--connector", "c",
                                "--proxy", mitm->url(),   "--timeout",
                                "8",       "--catalog",   mitm->ca_cert_file};
  auto r = f.probe(args);
  REQUIRE(codeOf(r) == "tls_interception");
  CHECK(r["proxy"]["direct"]["chain_received"] == true);
  CHECK(r["recommendation"]["action"] == "install");
  CHECK(r["recommendation"]["interception_root"] == true);
  CHECK(r["recommendation"]["command"].get<std::string>().find("--allow-interception-root") !=
        std::string::npos);

  auto install = args;
  install.insert(install.end(), {"--install", "--yes", "--json", "--no-system-catalog"});
  install.insert(install.begin(), "probe");
  auto refused = f.run(install);
  CHECK(refused.exit_code == 2);
  CHECK(refused.out.find("interception_root_refused") != std::string::npos);

  install.push_back("--allow-interception-root");
  auto allowed = f.run(install);
  INFO(allowed.err);
  CHECK(allowed.exit_code == 0);
  auto after = f.probe(args);
  CHECK(codeOf(after) == "ok");  // through this proxy the connector now works
  bool noted = false;
  for (const auto& p : after["diagnosis"]["problems"]) {
    noted = noted || (p["code"] == "tls_interception" && p["severity"] == "warning");
  }
  CHECK(noted);
}

TEST_CASE("probe proxy: a re-signing CA no list knows shows against the direct chain",
          "[proxy][net]") {
  ProbeFixture f;
  Target t(f);
  auto corp = f.pki.makeRoot("Corp Inspection Root");
  auto mitm = startMitmproxy(&corp);
  auto r = f.probe({t.url(), "--connector", "c", "--proxy", mitm->url(), "--timeout", "8"});
  REQUIRE(codeOf(r) == "tls_interception");
  std::string detail = r["diagnosis"]["problems"][0]["detail"];
  CHECK(detail.find("Corp Inspection Root") != std::string::npos);
  CHECK(detail.find("but directly by") != std::string::npos);
  CHECK(detail.find("interception product") == std::string::npos);
}

TEST_CASE("probe proxy: an LDAP probe says it went direct", "[proxy][net]") {
  ProbeFixture f;
  std::string url = "ldaps://127.0.0.1:" + std::to_string(freeLoopbackPort());
  auto r = probeWithEnv(f, {url}, {{"https_proxy", "http://127.0.0.1:1"}});
  REQUIRE(r.contains("notes"));
  CHECK(r["notes"][0] == "libldap does not use HTTP proxies; this LDAP probe went direct");
  auto direct = probeWithEnv(f, {url}, {});
  CHECK_FALSE(direct.contains("notes"));
}

TEST_CASE("probe proxy: the connector's own proxy and credentials file, set by connector edit",
          "[proxy][net]") {
  ProbeFixture f;
  Target t(f);
  auto proxy = startTinyproxy({"probe-user", "Pr0xy-s3cret", {}});
  std::string cred = credentialsFile(f, "probe-user:Pr0xy-s3cret\n");
  auto edit =
      f.run({"connector", "edit", "c", "--proxy", proxy->url(), "--proxy-credentials-file", cred});
  REQUIRE(edit.exit_code == 0);
  auto show = f.run({"connector", "show", "c"});
  CHECK(show.out.find(proxy->url()) != std::string::npos);
  CHECK(show.out.find("Pr0xy-s3cret") == std::string::npos);

  // No --proxy flag: the connector's setting routes the probe, with its credentials.
  RunResult raw;
  auto r = f.probe({t.url(), "--connector", "c"}, &raw);
  CHECK(codeOf(r) == "ok");
  REQUIRE(r["proxy"].is_object());
  CHECK(r["proxy"]["url"] == proxy->url());
  CHECK(r["proxy"]["connect_status"] == 200);
  CHECK(raw.out.find("Pr0xy-s3cret") == std::string::npos);

  // "none" forces direct even with a proxy in the environment.
  REQUIRE(f.run({"connector", "edit", "c", "--proxy", "none"}).exit_code == 0);
  auto direct = probeWithEnv(f, {t.url(), "--connector", "c"}, {{"https_proxy", proxy->url()}});
  CHECK(codeOf(direct) == "ok");
  CHECK(direct["proxy"].is_null());
}
