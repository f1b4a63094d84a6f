// The runtime library's errors name the true cause (issue 12): a manifest without the
// anchors' hash is refused as damaged, and a connector whose user may not read the store gets
// "permission denied" with the owner, group and mode to fix, not "no store here" or "damaged".
#include <grp.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "runtime/connector_trust.h"
#include "tests/support/test_pki.h"
#include "truststore/connector_runtime.h"
#include "truststore/file_util.h"
#include "truststore/library.h"

using namespace trustctl;
using namespace trustctl::truststore;
using namespace trustctl::testing;

namespace {

constexpr UnixTime kNow = 1'800'000'000;
constexpr uid_t kNobody = 65534;

struct RuntimeStore {
  TempDir dir;
  TestPki pki{kNow};
  TestPki::Chain chain = pki.makeChain("Runtime");
  Store store{dir.file("store")};

  RuntimeStore() {
    UpdateOptions options;
    options.now = kNow;
    auto r = store.update(options, [&](Transaction& tx) -> Result<void> {
      ImportRequest req;
      req.name = "root";
      req.material.certificates = {chain.root.cert};
      req.source = "root.pem";
      for (auto step : {importEntry(tx, req), createConnector(tx, "api", "prod", ""),
                        attachTrust(tx, "api", {"root"})}) {
        if (!step) {
          return step;
        }
      }
      return {};
    });
    REQUIRE(r);
  }
  std::string manifest() const {
    return store.currentGenerationDir() + "/connectors/api/" + kManifestFile;
  }
};

}  // namespace

TEST_CASE("Runtime errors: a manifest without anchors_sha256 is refused as damaged", "[runtime]") {
  RuntimeStore s;
  REQUIRE(runtime::ConnectorTrust::open(s.store.dir(), "api"));
  auto text = readWholeFile(s.manifest());
  REQUIRE(text);
  auto json = nlohmann::json::parse(*text);
  json.erase("anchors_sha256");
  std::filesystem::remove(s.manifest());  // hard links: this generation's copy only
  std::ofstream(s.manifest()) << json.dump(2);
  auto trust = runtime::ConnectorTrust::open(s.store.dir(), "api");
  REQUIRE_FALSE(trust);
  CHECK(trust.error().code == ErrorCode::StoreCorrupt);
  CHECK_THAT(trust.error().message,
             Catch::StartsWith(s.manifest()) && Catch::Contains("anchors_sha256"));
}

TEST_CASE("Runtime errors: a connector user the store's modes shut out is told why", "[runtime]") {
  if (::geteuid() != 0) {
    WARN("needs root to run the connector as another user (nobody); skipped");
    return;
  }
  RuntimeStore s;
  // What StateDirectoryMode=0700 gives: only the owner may enter the store (the folder
  // around it is open, so the store is what the message must name).
  REQUIRE(::chmod(s.dir.path().c_str(), 0755) == 0);
  REQUIRE(::chmod(s.store.dir().c_str(), 0700) == 0);
  int out[2];
  REQUIRE(::pipe(out) == 0);
  pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::close(out[0]);
    if (::setgroups(0, nullptr) != 0 || ::setgid(kNobody) != 0 || ::setuid(kNobody) != 0) {
      ::_exit(3);
    }
    auto trust = runtime::ConnectorTrust::open(s.store.dir(), "api");
    std::string line =
        trust ? "opened" : errorCodeName(trust.error().code) + " " + trust.error().message;
    ssize_t n = ::write(out[1], line.data(), line.size());
    ::_exit(n == static_cast<ssize_t>(line.size()) ? 0 : 4);
  }
  ::close(out[1]);
  std::string said;
  char buf[4096];
  for (ssize_t n = 0; (n = ::read(out[0], buf, sizeof buf)) > 0;) {
    said.append(buf, static_cast<size_t>(n));
  }
  ::close(out[0]);
  int status = 0;
  REQUIRE(::waitpid(pid, &status, 0) == pid);
  REQUIRE(WIFEXITED(status));
  REQUIRE(WEXITSTATUS(status) == 0);
  INFO(said);
  CHECK_THAT(said, Catch::StartsWith("permission_denied permission denied: " + s.store.dir()));
  CHECK_THAT(said, Catch::Contains("nobody") && Catch::Contains("owner root") &&
                       Catch::Contains(s.store.dir() + " has owner root") &&
                       Catch::Contains("mode 0700") && Catch::Contains("group root"));
}
