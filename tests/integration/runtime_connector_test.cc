// The example connector (a real consumer of the runtime library) against real servers on
// 127.0.0.1: HTTPS through libcurl, LDAPS and StartTLS through libldap, trust by root, by
// intermediate only and by server certificate only, mTLS, a trust change picked up while it
// runs, a damaged store kept out, and the same verdicts as `trustctl probe`.
#include <fstream>

#include <catch2/catch.hpp>

#include "tests/integration/probe_fixture.h"
#include "tests/support/interactive_process.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

// Runs the example connector once over `urls`; returns one output line per URL.
RunResult connectOnce(ProbeFixture& f, const std::string& connector,
                      const std::vector<std::string>& urls) {
  std::vector<std::string> args{"--store", f.storeDir(), "--connector", connector};
  args.insert(args.end(), urls.begin(), urls.end());
  return runProgram(TRUSTCTL_EXAMPLE_CONNECTOR, args);
}

bool saysOk(const std::string& line) {
  return line.find(" ok generation=") != std::string::npos;
}

std::unique_ptr<TestServer> httpsServer(const TestPki::Chain& c) {
  TlsServerOptions o;
  o.chain = {c.leaf.cert, c.intermediate.cert};
  o.key = c.leaf.key;
  return startSServer(o);
}

std::unique_ptr<TestServer> ldapServer(const TestPki::Chain& c) {
  TlsServerOptions o;
  o.chain = {c.leaf.cert, c.intermediate.cert};
  o.key = c.leaf.key;
  return startSlapd(o);
}

}  // namespace

TEST_CASE("example connector: root, intermediate-only and server-only trust", "[net][runtime]") {
  ProbeFixture f;
  auto c = f.pki.makeChain("Conn");
  auto https = httpsServer(c);
  auto slapd = ldapServer(c);
  std::vector<std::string> urls{https->url("https"), slapd->url("ldaps"),
                                slapd->url("ldap", slapd->port2)};
  std::string kind =
      GENERATE(std::string("root"), std::string("intermediate"), std::string("server"));
  CertificatePtr anchor = kind == "root"           ? c.root.cert
                          : kind == "intermediate" ? c.intermediate.cert
                                                   : c.leaf.cert;
  f.trust("api", "conn-" + kind, {anchor});
  auto r = connectOnce(f, "api", urls);
  INFO(kind << "\n" << r.out << r.err);
  CHECK(r.exit_code == 0);
  CHECK(lineCount(r.out) == 3);
  CHECK(r.out.find(" fail ") == std::string::npos);
}

TEST_CASE("example connector: untrusted servers are refused before any operation",
          "[net][runtime]") {
  ProbeFixture f;
  auto c = f.pki.makeChain("Refused");
  auto elsewhere = f.pki.makeChain("Elsewhere");
  auto https = httpsServer(c);
  auto slapd = ldapServer(c);
  f.trust("api", "elsewhere-root", {elsewhere.root.cert});
  auto r = connectOnce(
      f, "api", {https->url("https"), slapd->url("ldaps"), slapd->url("ldap", slapd->port2)});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 1);
  CHECK(lineCount(r.out) == 3);
  CHECK(r.out.find(" ok ") == std::string::npos);
  // libldap's own message would be "Connect error"; the library says why.
  CHECK_THAT(r.out, Catch::Contains("connector 'api' does not accept the server's chain"));
  CHECK_THAT(r.out, Catch::Contains("unable to get local issuer certificate"));
}

TEST_CASE("example connector: mTLS with the connector's identity", "[net][runtime]") {
  ProbeFixture f;
  auto c = f.pki.makeChain("Mutual");
  auto client_ca = f.pki.makeRoot("Mutual Client CA");
  auto client = f.pki.makeLeaf(client_ca, "mutual-client");
  f.trust("api", "mutual-root", {c.root.cert});
  TlsServerOptions o;
  o.chain = {c.leaf.cert, c.intermediate.cert};
  o.key = c.leaf.key;
  o.client_cas = {client_ca.cert};
  auto nginx = startNginx(o);
  auto slapd = startSlapd(o);
  std::vector<std::string> urls{nginx->url("https"), slapd->url("ldaps")};
  auto without = connectOnce(f, "api", urls);
  INFO(without.out << without.err);
  CHECK(without.exit_code == 1);
  CHECK_THAT(without.out, Catch::Contains("HTTP 400"));

  std::string pem = f.dir().write("client.pem", toPem({client.cert}));
  std::string key = f.dir().write("client.key", keyPem(client.key));
  REQUIRE(f.run({"import", pem, "--key", key, "--name", "mutual-client"}).exit_code == 0);
  REQUIRE(f.run({"connector", "identity", "api", "mutual-client"}).exit_code == 0);
  auto with = connectOnce(f, "api", urls);
  INFO(with.out << with.err);
  CHECK(with.exit_code == 0);
  CHECK(lineCount(with.out) == 2);
}

TEST_CASE("example connector: trust changes apply to the next connection, no restart",
          "[net][runtime]") {
  ProbeFixture f;
  auto c = f.pki.makeChain("Live");
  auto https = httpsServer(c);
  auto slapd = ldapServer(c);
  f.createConnector("api");
  InteractiveProcess connector(
      {TRUSTCTL_EXAMPLE_CONNECTOR, "--store", f.storeDir(), "--connector", "api", "--stdin"},
      f.dir().file("connector.err"));
  CHECK_FALSE(saysOk(connector.ask(https->url("https"))));
  CHECK_FALSE(saysOk(connector.ask(slapd->url("ldaps"))));

  f.trust("api", "live-root", {c.root.cert});
  std::string after_change = connector.ask(https->url("https"));
  INFO(after_change << "\n" << connector.errors());
  CHECK(saysOk(after_change));
  CHECK(saysOk(connector.ask(slapd->url("ldap", slapd->port2))));
  CHECK_THAT(connector.errors(), Catch::Contains("trust reloaded"));

  SECTION("removing the trust takes effect just as fast") {
    REQUIRE(f.run({"connector", "untrust", "api", "live-root"}).exit_code == 0);
    CHECK_FALSE(saysOk(connector.ask(https->url("https"))));
    CHECK_FALSE(saysOk(connector.ask(slapd->url("ldaps"))));
  }
  SECTION("a damaged store keeps the last good trust and says why") {
    auto other = f.pki.makeRoot("Live Other");
    f.trust("api", "live-other", {other.cert});
    char link[256];
    ssize_t n = readlink((f.storeDir() + "/current").c_str(), link, sizeof link - 1);
    REQUIRE(n > 0);
    std::string anchors = f.storeDir() + "/" + std::string(link, static_cast<size_t>(n)) +
                          "/connectors/api/anchors.der";
    std::ofstream(anchors, std::ios::binary | std::ios::trunc) << "damaged";
    CHECK(saysOk(connector.ask(https->url("https"))));
    CHECK(saysOk(connector.ask(slapd->url("ldaps"))));
    CHECK_THAT(connector.errors(), Catch::Contains("keeping the last good trust"));
    CHECK_THAT(connector.errors(), Catch::Contains("anchors.der"));
  }
}

TEST_CASE("example connector and trustctl probe agree on the same server and store",
          "[net][runtime]") {
  ProbeFixture f;
  auto c = f.pki.makeChain("Agree");
  CertOptions expired_opts;
  expired_opts.not_before_offset = -10 * 86400;
  expired_opts.not_after_offset = -86400;
  expired_opts.sans = {"DNS:localhost", "IP:127.0.0.1"};
  auto expired = f.pki.makeLeaf(c.intermediate, "localhost", expired_opts);
  CertOptions named_opts;
  named_opts.sans = {"DNS:api.corp.example"};
  auto misnamed = f.pki.makeLeaf(c.intermediate, "api.corp.example", named_opts);
  auto stranger = f.pki.makeChain("Stranger");
  f.trust("api", "agree-intermediate", {c.intermediate.cert});

  auto good = httpsServer(c);
  TlsServerOptions o;
  o.chain = {expired.cert, c.intermediate.cert};
  o.key = expired.key;
  auto stale = startSServer(o);
  o.chain = {misnamed.cert, c.intermediate.cert};
  o.key = misnamed.key;
  auto wrong_name = startSServer(o);
  auto untrusted = httpsServer(stranger);
  auto slapd = ldapServer(c);
  o.chain = {expired.cert, c.intermediate.cert};
  o.key = expired.key;
  auto stale_ldap = startSlapd(o);

  for (const auto& url : {good->url("https"), stale->url("https"), wrong_name->url("https"),
                          untrusted->url("https"), slapd->url("ldaps"), stale_ldap->url("ldaps")}) {
    auto probe = f.probe({url, "--connector", "api"});
    auto lib = connectOnce(f, "api", {url});
    INFO(url << " probe: " << codeOf(probe) << " library: " << lib.out << lib.err);
    CHECK((probe["verdict"] == "ok") == saysOk(lib.out));
  }
}

TEST_CASE("example connector: bad arguments are usage errors, exit 2", "[runtime]") {
  ProbeFixture f;
  f.trust("api", "usage-root", {f.pki.makeChain("Usage").root.cert});
  const std::string url = "https://127.0.0.1:1/";
  for (const auto& args : std::vector<std::vector<std::string>>{{"--repeat", "0", url},
                                                                {"--repeat", "ten", url},
                                                                {"--repeat", "5x", url},
                                                                {"--repeat", "5"},
                                                                {"--stdin", url},
                                                                {}}) {
    std::vector<std::string> argv{"--store", f.storeDir(), "--connector", "api"};
    argv.insert(argv.end(), args.begin(), args.end());
    auto run = runProgram(TRUSTCTL_EXAMPLE_CONNECTOR, argv);
    INFO(run.err);
    CHECK(run.exit_code == 2);
    CHECK(run.err.find("usage: trustctl-example-connector") != std::string::npos);
  }
}
