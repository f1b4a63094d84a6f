// A certificate whose names hold terminal escape sequences and a newline: `show`, `list`,
// `verify` and `probe` print them escaped, never as raw control bytes.
#include <catch2/catch.hpp>

#include "tests/integration/probe_fixture.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

// Bytes a terminal would act on: every C0 control but the newline that ends our own lines, DEL,
// and the 8-bit CSI.
int rawControlBytes(const std::string& text) {
  int n = 0;
  for (unsigned char c : text) {
    n += ((c < 0x20 && c != '\n') || c == 0x7f || c == 0x9b) ? 1 : 0;
  }
  return n;
}

// `escaped`: the name must be shown in our escaped form (verify prints OpenSSL's RFC 2253 form,
// which escapes on its own as \1B).
void checkClean(const RunResult& r, const std::string& what, bool escaped = true) {
  INFO(what << " stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(rawControlBytes(r.out) == 0);
  CHECK(rawControlBytes(r.err) == 0);
  // The newline inside the name must not start a line of its own.
  CHECK(r.out.find("\nFORGED") == std::string::npos);
  if (escaped) {
    CHECK(r.out.find("\\e[31m") != std::string::npos);  // the name is shown, escaped
  }
}

}  // namespace

TEST_CASE("Printers: control characters in certificate names are escaped", "[net]") {
  ProbeFixture f;
  auto root = f.pki.makeRoot("Esc Root\x1b[2J CA");
  CertOptions o;
  o.sans = {"IP:127.0.0.1", "DNS:esc\x1b[31m.example"};
  auto leaf = f.pki.makeLeaf(root, "evil\x1b[31m\nFORGED", o);
  f.trust("esc", "esc-root", {root.cert});
  std::string leaf_file = f.dir().write("leaf.pem", toPem({leaf.cert}));
  auto imported = f.run({"import", leaf_file, "--name", "esc-leaf"});
  REQUIRE(imported.exit_code == 0);

  SECTION("show") {
    checkClean(f.run({"show", "esc-leaf"}), "show");
  }
  SECTION("list") {
    checkClean(f.run({"list"}), "list");
  }
  SECTION("verify") {
    auto r = f.run({"verify", leaf_file, "--connector", "esc"});
    CHECK(r.exit_code == 0);
    checkClean(r, "verify", false);
  }
  SECTION("probe, one target and the summary of several") {
    TlsServerOptions so;
    so.chain = {leaf.cert};
    so.key = leaf.key;
    auto server = startSServer(so);
    // No connector: nothing is trusted, so the problems name the certificate.
    auto one = f.run({"probe", server->url("https"), "--no-system-catalog", "--timeout", "5"});
    CHECK(one.exit_code == 1);
    checkClean(one, "probe");
    auto many = f.run({"probe", server->url("https"), server->url("https"), "--no-system-catalog",
                       "--timeout", "5"});
    CHECK(many.exit_code == 1);
    INFO(many.out);
    CHECK(rawControlBytes(many.out) == 0);
    CHECK(many.out.find("\nFORGED") == std::string::npos);
  }
}

TEST_CASE("Probe CLI: a URL's password and control characters never reach the output", "[agent]") {
  ProbeFixture f;
  for (const std::string url : {"https://admin:s3cret@127.0.0.1:8443/", "ldaps://admin:s3cret@dc1",
                                "https://127.0.0.1:8443/a\r\nHost: evil\x1b[2J"}) {
    auto r = f.run({"probe", url, "--json"});
    INFO("stdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(r.out.find("s3cret") == std::string::npos);
    CHECK(r.err.find("s3cret") == std::string::npos);
    CHECK(rawControlBytes(r.err) == 0);
    CHECK(nlohmann::json::parse(r.out)["error"]["code"] == "invalid_url");
    CHECK(lineCount(r.err) == 1);
  }
}
