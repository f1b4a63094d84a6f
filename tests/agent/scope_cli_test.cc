// `trustctl scope` and `--scope` as an operator runs them: a vendor and two customers, a
// reference to the vendor's root visible in where-used on both sides, isolation between the
// customers, and bad input as one line with exit code 2 and the store unchanged.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/support/cli_runner.h"
#include "tests/support/test_pki.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

struct ScopeCli {
  ScopeCli() : pki(wallClockNow()) {
    dir.write("corp.pem", toPem({pki.makeRoot("Corp Root").cert}));
    dir.write("vendor.pem", toPem({pki.makeRoot("Vendor Root").cert}));
    dir.write("b.pem", toPem({pki.makeRoot("Customer B Root").cert}));
    REQUIRE(run({"import", dir.file("corp.pem"), "--name", "corp-root"}).exit_code == 0);
    for (const char* s : {"vendor", "vendor/customer-a", "vendor/customer-b"}) {
      REQUIRE(run({"scope", "create", s}).exit_code == 0);
    }
    REQUIRE(run({"--scope", "vendor", "import", dir.file("vendor.pem"), "--name", "vendor-root"})
                .exit_code == 0);
    REQUIRE(run({"--scope", "vendor/customer-b", "import", dir.file("b.pem"), "--name", "b-root"})
                .exit_code == 0);
    REQUIRE(run({"--scope", "vendor/customer-a", "connector", "create", "crm"}).exit_code == 0);
  }
  RunResult run(std::vector<std::string> args) {
    args.insert(args.begin(), {"--store", dir.file("store")});
    return runTrustctl(args);
  }
  void checkOneLineUsageError(const std::vector<std::string>& args, const std::string& words) {
    std::string before = treeFingerprint(dir.file("store"));
    auto r = run(args);
    CHECK(r.exit_code == 2);
    CHECK(lineCount(r.err) == 1);
    CHECK(r.err.find(words) != std::string::npos);
    CHECK(treeFingerprint(dir.file("store")) == before);
  }
  TestPki pki;
  TempDir dir;
};

}  // namespace

TEST_CASE("scope CLI: references across scopes, where-used on both sides", "[scope][cli]") {
  ScopeCli t;
  auto trust =
      t.run({"--scope", "vendor/customer-a", "connector", "trust", "crm", "vendor:vendor-root"});
  REQUIRE(trust.exit_code == 0);

  auto owner = t.run({"--json", "--scope", "vendor", "where-used", "vendor-root"});
  REQUIRE(owner.exit_code == 0);
  auto uses = nlohmann::json::parse(owner.out)["used_by"];
  REQUIRE(uses.size() == 1);
  CHECK(uses[0]["scope"] == "vendor/customer-a");
  CHECK(uses[0]["connector"] == "crm");
  auto user = t.run({"--json", "--scope", "vendor/customer-a", "where-used", "vendor:vendor-root"});
  REQUIRE(user.exit_code == 0);
  CHECK(nlohmann::json::parse(user.out)["used_by"][0]["connector"] == "crm");

  auto list = t.run({"--json", "scope", "list"});
  REQUIRE(list.exit_code == 0);
  auto scopes = nlohmann::json::parse(list.out)["scopes"];
  REQUIRE(scopes.size() == 4);
  CHECK(scopes[0]["scope"] == "/");
  CHECK(scopes[2]["scope"] == "vendor/customer-a");
  CHECK(scopes[2]["references"][0]["entry"] == "vendor:vendor-root");

  // The runtime file sits under the scope's folder of current/.
  auto show = t.run({"--json", "--scope", "vendor/customer-a", "connector", "show", "crm"});
  REQUIRE(show.exit_code == 0);
  CHECK(show.out.find("/current/scopes/vendor/scopes/customer-a/connectors/crm") !=
        std::string::npos);

  // The vendor cannot pull the entry from under its customer.
  t.checkOneLineUsageError({"--scope", "vendor", "remove", "vendor-root", "--force"},
                           "vendor/customer-a: connector crm");
  // Nor can the customer change the vendor's entry.
  t.checkOneLineUsageError(
      {"--scope", "vendor/customer-a", "edit", "vendor:vendor-root", "--note", "x"},
      "change it there");
}

TEST_CASE("scope CLI: customers are isolated and nothing is inherited", "[scope][cli]") {
  ScopeCli t;
  t.checkOneLineUsageError({"--scope", "vendor/customer-a", "connector", "trust", "crm", "b-root"},
                           "no library entry is named 'b-root'");
  t.checkOneLineUsageError(
      {"--scope", "vendor/customer-a", "connector", "trust", "crm", "vendor/customer-b:b-root"},
      "names no ancestor");
  t.checkOneLineUsageError(
      {"--scope", "vendor/customer-a", "connector", "trust", "crm", "corp-root"},
      "no library entry is named 'corp-root'");
  auto list = t.run({"--json", "--scope", "vendor/customer-a", "list"});
  REQUIRE(list.exit_code == 0);
  CHECK(list.out.find("b-root") == std::string::npos);
  CHECK(list.out.find("corp-root") == std::string::npos);
}

TEST_CASE("scope CLI: bad scopes are one line, exit 2, store unchanged", "[scope][cli]") {
  ScopeCli t;
  t.checkOneLineUsageError({"--scope", "Vendor", "list"}, "is not valid");
  t.checkOneLineUsageError({"--scope", "nobody", "connector", "create", "x"},
                           "no scope is named 'nobody'");
  t.checkOneLineUsageError({"scope", "create", "x/y"}, "needs its parent x");
  t.checkOneLineUsageError({"scope", "create", "vendor"}, "exists already");
  t.checkOneLineUsageError({"scope", "remove", "vendor"}, "--force");
  REQUIRE(t.run({"scope", "remove", "vendor/customer-b", "--force"}).exit_code == 0);
  auto gone = t.run({"--scope", "vendor/customer-b", "list"});
  CHECK(gone.exit_code == 2);
}

TEST_CASE("scope CLI: a scope's own CA and server certificate, kept by backup", "[scope][cli]") {
  ScopeCli t;
  std::string pass = t.dir.write("ca.pass", "vendor-ca-passphrase\n");
  ::chmod(pass.c_str(), 0600);
  REQUIRE(
      t.run({"--scope", "vendor", "ca", "create", "vca", "--passphrase-file", pass}).exit_code ==
      0);
  auto issued = t.run({"--scope", "vendor", "ca", "issue", "vca", "--domain", "www.vendor.test",
                       "--name", "web", "--server-cert", "--passphrase-file", pass});
  REQUIRE(issued.exit_code == 0);
  auto path = t.run({"--scope", "vendor", "server-cert", "path", "web"});
  REQUIRE(path.exit_code == 0);
  CHECK(path.out.find("/current/scopes/vendor/server-certs/web") != std::string::npos);
  // The CA belongs to the vendor: the root scope has none of that name.
  CHECK(t.run({"ca", "show", "vca"}).exit_code == 2);
  CHECK(::access((t.dir.file("store") + "/ca/vendor+vca/issuing-key.pem").c_str(), F_OK) == 0);

  std::string archive = t.dir.file("backup.tar");
  REQUIRE(t.run({"store", "backup", archive}).exit_code == 0);
  std::string other = t.dir.file("restored");
  REQUIRE(runTrustctl({"--store", other, "store", "restore", archive}).exit_code == 0);
  auto again = runTrustctl({"--store", other, "--scope", "vendor", "ca", "issue", "vca", "--domain",
                            "api.vendor.test", "--name", "api", "--passphrase-file", pass});
  CHECK(again.exit_code == 0);
  CHECK(runTrustctl({"--store", other, "store", "check"}).exit_code == 0);
}

TEST_CASE("scope CLI: a scope created with its CA has its own default signing chain",
          "[scope][cli][signing]") {
  ScopeCli t;
  std::string pass = t.dir.write("ca.pass", "customer-ca-passphrase\n");
  ::chmod(pass.c_str(), 0600);
  auto created = t.run({"--json", "scope", "create", "vendor/customer-c", "--ca", "cust-ca",
                        "--passphrase-file", pass});
  REQUIRE(created.exit_code == 0);
  std::string kid = nlohmann::json::parse(created.out)["signing_kid"];
  CHECK_FALSE(kid.empty());
  // The scope's own JWKS, at its folder's stable path; the root and the vendor have none.
  auto jwks = t.run({"--scope", "vendor/customer-c", "signing", "jwks"});
  REQUIRE(jwks.exit_code == 0);
  CHECK(jwks.out.find(kid) != std::string::npos);
  CHECK(::access((t.dir.file("store") + "/current/scopes/vendor/scopes/customer-c/signing/" +
                  "jwks.json")
                     .c_str(),
                 F_OK) == 0);
  CHECK(t.run({"signing", "jwks"}).exit_code != 0);
  // A token the scope signs verifies with jwcrypto from that JWKS.
  std::string jwks_file = t.dir.write("jwks.json", jwks.out);
  std::string payload = t.dir.write("payload.json", R"({"sub":"customer-c"})");
  auto token =
      t.run({"--scope", "vendor/customer-c", "signing", "sign", "--payload-file", payload});
  REQUIRE(token.exit_code == 0);
  std::string token_file = t.dir.write("token.jws", token.out);
  std::string verifier = t.dir.write("verify.py", R"PY(
import sys
from jwcrypto import jwk, jws
keys = jwk.JWKSet.from_json(open(sys.argv[1]).read())
token = jws.JWS()
token.deserialize(open(sys.argv[2]).read().strip())
token.verify(keys.get_key(token.jose_header.get("kid")))
print(token.jose_header.get("kid"))
)PY");
  auto verified = runProgram("/usr/bin/python3", {verifier, jwks_file, token_file});
  CHECK(verified.exit_code == 0);
  CHECK(verified.out.find(kid) != std::string::npos);
}
