// `trustctl ca remove` and the entries a built-in CA owns: its certificates are not removed
// behind its back, a CA that issued server certificates or is trusted needs --force, and the
// removal destroys its keys.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "tests/support/cli_runner.h"
#include "tests/support/test_pki.h"

using namespace trustctl;
using namespace trustctl::testing;

TEST_CASE("a built-in CA owns its entries until ca remove", "[ca][cli]") {
  TempDir dir;
  std::string store = dir.file("store");
  std::string pass = dir.write("ca.pass", "ca-remove-passphrase\n");
  ::chmod(pass.c_str(), 0600);
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--store", store});
    return runTrustctl(args);
  };
  REQUIRE(run({"ca", "create", "lab", "--passphrase-file", pass}).exit_code == 0);
  REQUIRE(run({"connector", "create", "app"}).exit_code == 0);
  REQUIRE(run({"connector", "trust", "app", "lab-root"}).exit_code == 0);
  REQUIRE(run({"ca", "issue", "lab", "--domain", "web.lab.test", "--name", "web", "--server-cert",
               "--passphrase-file", pass})
              .exit_code == 0);

  for (const auto& args : std::vector<std::vector<std::string>>{
           {"remove", "lab-root", "--force"}, {"remove", "lab-issuing"}, {"ca", "remove", "lab"}}) {
    std::string before = treeFingerprint(store);
    auto r = run(args);
    CHECK(r.exit_code == 2);
    CHECK(lineCount(r.err) == 1);
    CHECK(treeFingerprint(store) == before);
  }
  // A rename keeps the CA whole: it follows the new name.
  REQUIRE(run({"rename", "lab-root", "lab-root-2026"}).exit_code == 0);
  CHECK(run({"ca", "list"}).out.find("lab-root-2026") != std::string::npos);

  auto removed = run({"ca", "remove", "lab", "--force"});
  REQUIRE(removed.exit_code == 0);
  CHECK(removed.out.find("detached from connector app") != std::string::npos);
  CHECK(::access((store + "/ca/lab").c_str(), F_OK) != 0);
  CHECK(run({"ca", "show", "lab"}).exit_code == 2);
  CHECK(run({"server-cert", "show", "web"}).exit_code == 0);  // it stays, unrenewable
  CHECK(run({"store", "check"}).exit_code == 0);
}
