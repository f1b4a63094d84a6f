// Root administering a store that a service user owns acts as that user (agent/store_owner.h):
// the command works, and every file it writes belongs to the owner, not to root.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include "tests/support/cli_runner.h"
#include "tests/support/test_pki.h"

using namespace trustctl::testing;
namespace fs = std::filesystem;

namespace {

constexpr uid_t kNobody = 65534;

// Every path below `dir` whose owner is not `uid`.
std::vector<std::string> notOwnedBy(const std::string& dir, uid_t uid) {
  std::vector<std::string> wrong;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    struct stat st {};
    if (::lstat(e.path().c_str(), &st) == 0 && st.st_uid != uid) {
      wrong.push_back(e.path().string());
    }
  }
  return wrong;
}

}  // namespace

TEST_CASE("CLI: root on a store a service user owns acts as that user", "[agent]") {
  if (::geteuid() != 0) {
    WARN("needs root to hand the store to another user; skipped");
    return;
  }
  TempDir dir;
  TestPki pki(trustctl::wallClockNow());
  // The service user must reach its store, as /var/lib is reachable for the packaged one.
  REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
  std::string store = dir.file("store");
  REQUIRE(::mkdir(store.c_str(), 02750) == 0);
  REQUIRE(::chown(store.c_str(), kNobody, static_cast<gid_t>(-1)) == 0);
  auto chain = pki.makeChain("Owner");
  std::string root_pem = dir.write("root.pem", toPem({chain.root.cert}));

  RunResult created = runTrustctl({"--store", store, "connector", "create", "erp"});
  INFO(created.err);
  REQUIRE(created.exit_code == 0);
  // An input only root may read is given on standard input, as the README says.
  REQUIRE(::chmod(root_pem.c_str(), 0600) == 0);
  RunOptions stdin_pem;
  stdin_pem.stdin_data = toPem({chain.root.cert});
  RunResult imported =
      runTrustctl({"--store", store, "import", "-", "--name", "corp-root"}, stdin_pem);
  INFO(imported.err);
  REQUIRE(imported.exit_code == 0);
  RunResult trusted = runTrustctl({"--store", store, "connector", "trust", "erp", "corp-root"});
  INFO(trusted.err);
  REQUIRE(trusted.exit_code == 0);

  CHECK(notOwnedBy(store, kNobody).empty());
  RunResult check = runTrustctl({"--store", store, "store", "check"});
  INFO(check.out << check.err);
  CHECK(check.exit_code == 0);
}

TEST_CASE("CLI: a user the store shuts out is told so, not shown an empty store", "[agent]") {
  if (::geteuid() != 0) {
    WARN("needs root to run trustctl as another user; skipped");
    return;
  }
  TempDir dir;
  REQUIRE(::chmod(dir.path().c_str(), 0755) == 0);
  std::string store = dir.file("store");
  REQUIRE(runTrustctl({"--store", store, "connector", "create", "erp"}).exit_code == 0);
  // runuser(1) from util-linux: the same binary as nobody, outside the store's group.
  RunResult r = runProgram("/usr/sbin/runuser", {"-u", "nobody", "--", trustctlPath(), "--store",
                                                 store, "connector", "list"});
  INFO(r.out << r.err);
  CHECK(r.exit_code == 3);
  CHECK_THAT(r.err, Catch::Contains("permission denied") && Catch::Contains("group"));
  CHECK(lineCount(r.err) == 1);
}
