// `trustctl store check --repair`, `store backup` / `store restore`, and the one-line refusals
// of a damaged, newer or unsafe store, through the real binary.
#include <sys/stat.h>

#include <filesystem>

#include <nlohmann/json.hpp>

#include <catch2/catch.hpp>

#include "tests/support/cli_runner.h"
#include "tests/support/test_pki.h"
#include "truststore/file_util.h"

using namespace trustctl::testing;
namespace fs = std::filesystem;

namespace {

// A store with a root, an identity and a connector using both.
std::string makeStore(const TempDir& dir, TestPki& pki) {
  std::string store = dir.file("store");
  auto chain = pki.makeChain("Backup");
  auto client = pki.makeLeaf(chain.intermediate, "client.example");
  auto run = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--store", store});
    RunResult r = runTrustctl(args);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
  };
  run({"import", dir.write("root.pem", toPem({chain.root.cert}))});
  run({"import", dir.write("client.pem", toPem({client.cert, chain.intermediate.cert})), "--key",
       dir.write("client.key", keyPem(client.key)), "--name", "client"});
  run({"connector", "create", "api"});
  run({"connector", "trust", "api", "root"});
  run({"connector", "identity", "api", "client"});
  return store;
}

std::string connectorFiles(const std::string& store) {
  return treeFingerprint(store + "/current/connectors");
}

}  // namespace

TEST_CASE("Store CLI: a lost current is damage in one line, and store check --repair fixes it",
          "[agent]") {
  TempDir dir;
  TestPki pki(trustctl::wallClockNow());
  std::string store = makeStore(dir, pki);
  std::string files = connectorFiles(store);
  fs::remove(store + "/current");
  auto generations = treeFingerprint(store + "/generations");
  for (std::vector<std::string> args :
       {std::vector<std::string>{"list"}, {"store", "check"}, {"connector", "create", "other"}}) {
    args.insert(args.begin(), {"--store", store});
    RunResult r = runTrustctl(args);
    INFO(args.back() << ": " << r.err);
    CHECK(r.exit_code == 3);
    CHECK(lineCount(r.err) == 1);
    CHECK_THAT(r.err, Catch::Contains("store check --repair"));
  }
  CHECK(treeFingerprint(store + "/generations") == generations);
  RunResult json = runTrustctl({"--store", store, "--json", "list"});
  CHECK(nlohmann::json::parse(json.out)["error"]["code"] == "store_corrupt");

  RunResult repair = runTrustctl({"--store", store, "store", "check", "--repair"});
  INFO(repair.out << repair.err);
  CHECK(repair.exit_code == 0);
  CHECK_THAT(repair.out, Catch::Contains("Repaired"));
  CHECK(connectorFiles(store) == files);
  CHECK(runTrustctl({"--store", store, "connector", "create", "other"}).exit_code == 0);
}

TEST_CASE("Store CLI: a store of a newer trustctl is refused in one line, unchanged", "[agent]") {
  TempDir dir;
  TestPki pki(trustctl::wallClockNow());
  std::string store = makeStore(dir, pki);
  REQUIRE(trustctl::truststore::writeFileAtomic(store + "/format", "9\n", 0640));
  auto before = treeFingerprint(store);
  for (std::vector<std::string> args :
       {std::vector<std::string>{"list"}, {"connector", "create", "other"}}) {
    args.insert(args.begin(), {"--store", store});
    RunResult r = runTrustctl(args);
    CHECK(r.exit_code == 3);
    CHECK(lineCount(r.err) == 1);
    CHECK_THAT(r.err, Catch::Contains("newer trustctl"));
  }
  CHECK(treeFingerprint(store) == before);
}

TEST_CASE("Store CLI: audit.log planted as a link to another file is refused", "[agent]") {
  TempDir dir;
  TestPki pki(trustctl::wallClockNow());
  std::string store = makeStore(dir, pki);
  std::string victim = dir.write("victim", "precious\n");
  fs::remove(store + "/audit.log");
  fs::create_symlink(victim, store + "/audit.log");
  RunResult r = runTrustctl({"--store", store, "--json", "connector", "create", "other"});
  CHECK(r.exit_code == 3);
  CHECK(nlohmann::json::parse(r.out)["error"]["code"] == "store_unsafe");
  CHECK(trustctl::truststore::readWholeFile(victim).value_or("") == "precious\n");
}

TEST_CASE("Store CLI: backup, wipe, restore gives the same trust back", "[agent]") {
  TempDir dir;
  TestPki pki(trustctl::wallClockNow());
  std::string store = makeStore(dir, pki);
  std::string files = connectorFiles(store);
  std::string archive = dir.file("backup.tar");
  RunResult backup = runTrustctl({"--store", store, "store", "backup", archive});
  INFO(backup.err);
  REQUIRE(backup.exit_code == 0);
  struct stat st {};
  REQUIRE(::stat(archive.c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  SECTION("into a wiped store") {
    fs::remove_all(store);
    RunResult restore = runTrustctl({"--store", store, "store", "restore", archive});
    INFO(restore.err);
    REQUIRE(restore.exit_code == 0);
    CHECK(runTrustctl({"--store", store, "store", "check"}).exit_code == 0);
    CHECK(connectorFiles(store) == files);
    RunResult log = runTrustctl({"--store", store, "log"});
    CHECK_THAT(log.out, Catch::Contains("store.restore"));
    CHECK(runTrustctl({"--store", store, "connector", "create", "after"}).exit_code == 0);
  }
  SECTION("a store holding data needs --force") {
    REQUIRE(runTrustctl({"--store", store, "connector", "untrust", "api", "root"}).exit_code == 0);
    auto before = treeFingerprint(store);
    RunResult refused = runTrustctl({"--store", store, "store", "restore", archive});
    CHECK(refused.exit_code == 2);
    CHECK(lineCount(refused.err) == 1);
    CHECK_THAT(refused.err, Catch::Contains("--force"));
    CHECK(treeFingerprint(store) == before);
    RunResult forced = runTrustctl({"--store", store, "store", "restore", archive, "--force"});
    INFO(forced.err);
    REQUIRE(forced.exit_code == 0);
    CHECK(runTrustctl({"--store", store, "store", "check"}).exit_code == 0);
    auto bundle =
        trustctl::truststore::readWholeFile(store + "/current/connectors/api/ca-bundle.pem");
    CHECK_THAT(bundle.value_or(""), Catch::Contains("BEGIN CERTIFICATE"));
  }
  SECTION("a damaged archive is refused before anything is written") {
    auto data = trustctl::truststore::readWholeFile(archive);
    REQUIRE(data);
    std::string damaged = dir.write("damaged.tar", data->substr(0, data->size() / 2));
    std::string empty_store = dir.file("empty");
    RunResult r = runTrustctl({"--store", empty_store, "store", "restore", damaged});
    CHECK(r.exit_code == 2);
    CHECK(lineCount(r.err) == 1);
    CHECK_FALSE(fs::exists(empty_store + "/current"));
    std::string flipped = *data;
    flipped[1029] = static_cast<char>(flipped[1029] ^ 0x55);  // the second header
    RunResult bad = runTrustctl(
        {"--store", empty_store, "store", "restore", dir.write("flipped.tar", flipped)});
    CHECK(bad.exit_code == 2);
    CHECK_FALSE(fs::exists(empty_store + "/current"));
  }
}
