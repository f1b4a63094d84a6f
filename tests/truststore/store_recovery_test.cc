// The store's recovery and collection rules: a lost `current` is damage, not an empty store;
// garbage collection never takes what a kept generation or a newer one needs, and collects
// what killed writers left; audit records live in their generation.
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include <catch2/catch.hpp>

#include "tests/support/cli_runner.h"
#include "tests/support/test_pki.h"
#include "truststore/file_util.h"
#include "truststore/library.h"
#include "truststore/store_generations.h"
#include "truststore/tar_archive.h"

using namespace trustctl;
using namespace trustctl::truststore;
using trustctl::testing::TempDir;
using trustctl::testing::TestPki;
namespace fs = std::filesystem;

namespace {

Result<std::uint64_t> apply(Store& store, const std::function<Result<void>(Transaction&)>& fn) {
  UpdateOptions options;
  options.now = 1'800'000'000;
  options.lock_timeout = std::chrono::milliseconds(2000);
  return store.update(options, fn);
}

Result<std::uint64_t> addConnector(Store& store, const std::string& name) {
  return apply(store, [&](Transaction& tx) { return createConnector(tx, name, "", ""); });
}

Result<std::uint64_t> importRoot(Store& store, const std::string& name, const CertificatePtr& c) {
  return apply(store, [&](Transaction& tx) {
    ImportRequest r;
    r.name = name;
    r.material.certificates = {c};
    r.source = name + ".pem";
    return importEntry(tx, r);
  });
}

std::string objectPath(const Store& store, const CertificatePtr& c) {
  return store.dir() + "/objects/" + c->sha256() + ".der";
}

}  // namespace

TEST_CASE("Store: a missing current with generations is damage, never a new store",
          "[truststore]") {
  TempDir dir;
  Store store(dir.file("store"));
  REQUIRE(addConnector(store, "a"));
  REQUIRE(addConnector(store, "b"));
  REQUIRE(::unlink((store.dir() + "/current").c_str()) == 0);
  auto before = trustctl::testing::treeFingerprint(store.dir() + "/generations");

  auto loaded = store.load();
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error().code == ErrorCode::StoreCorrupt);
  CHECK_THAT(loaded.error().message, Catch::Contains("store check --repair"));
  auto write = addConnector(store, "c");
  REQUIRE_FALSE(write);
  CHECK(write.error().code == ErrorCode::StoreCorrupt);
  CHECK(trustctl::testing::treeFingerprint(store.dir() + "/generations") == before);

  auto repaired = store.repair(UpdateOptions{});
  REQUIRE(repaired);
  CHECK(repaired->repaired);
  CHECK(repaired->generation == 2);
  auto after = store.load();
  REQUIRE(after);
  CHECK(after->state.connectors.size() == 2);

  SECTION("the newest generation that is not complete is passed over") {
    REQUIRE(::unlink((store.dir() + "/current").c_str()) == 0);
    fs::remove(store.dir() + "/generations/2/connectors/b/manifest.json");
    auto again = store.repair(UpdateOptions{});
    REQUIRE(again);
    CHECK(again->generation == 1);
  }
  SECTION("a sound current is left as it is") {
    auto again = store.repair(UpdateOptions{});
    REQUIRE(again);
    CHECK_FALSE(again->repaired);
  }
}

TEST_CASE("Store: current pointing outside generations/ is damage and rolls nothing back",
          "[truststore]") {
  TempDir dir;
  Store store(dir.file("store"));
  for (const char* name : {"a", "b", "c", "d"}) {
    REQUIRE(addConnector(store, name));
  }
  // A folder named like an old generation, elsewhere.
  fs::create_directories(dir.file("elsewhere"));
  fs::copy(store.dir() + "/generations/2", dir.file("elsewhere/2"), fs::copy_options::recursive);
  fs::remove(store.dir() + "/current");
  fs::create_symlink(dir.file("elsewhere/2"), store.dir() + "/current");
  auto loaded = store.load();
  REQUIRE_FALSE(loaded);
  CHECK(loaded.error().code == ErrorCode::StoreCorrupt);
  auto write = addConnector(store, "e");
  REQUIRE_FALSE(write);
  CHECK(write.error().code == ErrorCode::StoreCorrupt);
  CHECK(pathExists(store.dir() + "/generations/3/state.json"));
  CHECK(pathExists(store.dir() + "/generations/4/state.json"));
  auto repaired = store.repair(UpdateOptions{});
  REQUIRE(repaired);
  CHECK(repaired->generation == 4);
}

TEST_CASE("Store: a generation newer than current is never overwritten", "[truststore]") {
  TempDir dir;
  Store store(dir.file("store"));
  for (const char* name : {"a", "b", "c"}) {
    REQUIRE(addConnector(store, name));
  }
  auto newest = readWholeFile(store.dir() + "/generations/3/state.json");
  REQUIRE(newest);
  REQUIRE(switchCurrent(store.dir(), 2));  // set back by hand, or a writer that died
  auto gen = addConnector(store, "d");
  REQUIRE(gen);
  CHECK(*gen == 4);
  CHECK(readWholeFile(store.dir() + "/generations/3/state.json").value_or("") == *newest);
  auto snap = store.load();
  REQUIRE(snap);
  CHECK(snap->state.connectors.count("c") == 0);  // built on what current named
  CHECK(snap->state.connectors.count("d") == 1);
}

TEST_CASE("Store: objects a kept generation references stay until it is collected",
          "[truststore]") {
  TempDir dir;
  Store store(dir.file("store"));
  TestPki pki(1'800'000'000);
  auto root = pki.makeRoot("Kept Root");
  REQUIRE(importRoot(store, "root", root.cert));
  std::string old_gen = store.currentGenerationDir();
  REQUIRE(apply(store, [&](Transaction& tx) { return removeEntry(tx, "root", false); }));
  // A reader still on the older generation finds every object it references.
  auto old_text = readWholeFile(old_gen + "/state.json");
  REQUIRE(old_text);
  auto old_state = parseState(*old_text, "old");
  REQUIRE(old_state);
  for (const auto& sha : old_state->entries.at("root").certificates) {
    CHECK(store.loadCertificate(sha));
  }
  REQUIRE(addConnector(store, "a"));  // generations 1, 2 and 3 are kept
  CHECK(pathExists(objectPath(store, root.cert)));
  REQUIRE(addConnector(store, "b"));  // generation 1 leaves the kept window now
  CHECK_FALSE(pathExists(objectPath(store, root.cert)));
}

TEST_CASE("Store: what killed writers leave is collected by the next write", "[truststore]") {
  TempDir dir;
  Store store(dir.file("store"));
  TestPki pki(1'800'000'000);
  auto kept = pki.makeRoot("Kept");
  auto client = pki.makeLeaf(kept, "client.example");
  REQUIRE(importRoot(store, "kept", kept.cert));
  std::string s = store.dir();
  std::string orphan_object = s + "/objects/" + std::string(64, 'a') + ".der";
  std::string orphan_key = s + "/keys/" + client.key->spkiSha256() + ".pem";
  REQUIRE(writeFileAtomic(orphan_object, "x"));
  REQUIRE(writeFileAtomic(orphan_key, trustctl::testing::keyPem(client.key)));
  REQUIRE(writeFileAtomic(s + "/objects/" + kept.cert->sha256() + ".der.tmp.77", "x"));
  REQUIRE(makeDirs(s + "/generations/.tmp-9-77/connectors"));
  REQUIRE(::symlink("generations/1", (s + "/.current.tmp-77").c_str()) == 0);

  REQUIRE(addConnector(store, "api"));
  CHECK_FALSE(pathExists(orphan_object));
  CHECK_FALSE(pathExists(orphan_key));
  CHECK_FALSE(pathExists(s + "/objects/" + kept.cert->sha256() + ".der.tmp.77"));
  CHECK_FALSE(pathExists(s + "/generations/.tmp-9-77"));
  CHECK_FALSE(pathExists(s + "/.current.tmp-77"));
  CHECK(pathExists(objectPath(store, kept.cert)));
  auto problems = store.check();
  REQUIRE(problems);
  CHECK(problems->empty());
}

TEST_CASE("Store: audit records live in their generation and the log catches up", "[truststore]") {
  TempDir dir;
  Store store(dir.file("store"));
  REQUIRE(addConnector(store, "a"));
  REQUIRE(addConnector(store, "b"));
  std::string log = store.dir() + "/audit.log";
  auto full = readWholeFile(log);
  REQUIRE(full);
  REQUIRE(trustctl::testing::lineCount(*full) == 2);

  SECTION("a lost append is read from the generation and replayed by the next write") {
    std::string first_line = full->substr(0, full->find('\n') + 1);
    REQUIRE(writeFileAtomic(log, first_line, 0640));
    auto records = readAudit(store.dir(), store.currentGeneration());
    REQUIRE(records);
    REQUIRE(records->size() == 2);
    CHECK(records->back().subject == "b");
    REQUIRE(addConnector(store, "c"));
    auto text = readWholeFile(log);
    CHECK(trustctl::testing::lineCount(*text) == 3);
  }
  SECTION("a torn last line is completed, not duplicated") {
    std::string first_line = full->substr(0, full->find('\n') + 1);
    std::string second_line = full->substr(first_line.size());
    REQUIRE(writeFileAtomic(log, first_line + second_line.substr(0, 20), 0640));
    REQUIRE(addConnector(store, "c"));
    auto records = readAudit(store.dir(), store.currentGeneration());
    REQUIRE(records);
    std::vector<std::string> subjects;
    for (const auto& r : *records) {
      subjects.push_back(r.subject);
    }
    CHECK(subjects == std::vector<std::string>{"a", "b", "c"});
  }
}

TEST_CASE("Store: a backup archive with links, unsafe names or bad sizes is refused",
          "[truststore]") {
  auto archive = writeTar({{"trustctl-backup/format", "2\n"}}, 0600);
  REQUIRE(archive);
  auto read = readTar(*archive, "b.tar", 10, 1024);
  REQUIRE(read);
  CHECK(read->at("trustctl-backup/format") == "2\n");
  // Rewrites the first header's field at `offset` and its checksum, as a hostile tool would.
  auto patched = [&](std::size_t offset, const std::string& value) {
    std::string a = *archive;
    a.replace(offset, value.size(), value);
    unsigned sum = 0;
    for (std::size_t i = 0; i < 512; ++i) {
      sum += (i >= 148 && i < 156) ? ' ' : static_cast<unsigned char>(a[i]);
    }
    char buf[8];
    std::snprintf(buf, sizeof buf, "%06o", sum);
    a.replace(148, 7, std::string(buf, 6) + '\0');
    return a;
  };
  CHECK(readTar(patched(156, "2"), "b.tar", 10, 1024).error().code == ErrorCode::BackupInvalid);
  CHECK(readTar(patched(0, "../../etc/passwd"), "b.tar", 10, 1024).error().code ==
        ErrorCode::BackupInvalid);
  CHECK(readTar(patched(0, "/etc/passwd\0"), "b.tar", 10, 1024).error().code ==
        ErrorCode::BackupInvalid);
  CHECK(readTar(patched(124, "77777777777"), "b.tar", 10, 1024).error().code ==
        ErrorCode::BackupInvalid);
  CHECK(readTar(*archive, "b.tar", 10, 1).error().code == ErrorCode::BackupInvalid);
  CHECK(readTar(archive->substr(0, 700), "b.tar", 10, 1024).error().code ==
        ErrorCode::BackupInvalid);
  CHECK_FALSE(writeTar({{"a/../b", "x"}}, 0600));
}
