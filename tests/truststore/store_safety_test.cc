// The store's modes whatever the umask, its refusal of a folder another user can change, and
// its format version: migrated forward once, refused when newer.
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include "tests/support/cli_runner.h"
#include "tests/support/test_pki.h"
#include "truststore/file_util.h"
#include "truststore/library.h"
#include "truststore/store_files.h"

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

// A store with an identity, a connector trusting a root and using the identity, and a change
// after that (so hard-linked runtime folders exist too).
void populate(Store& store) {
  TestPki pki(1'800'000'000);
  auto chain = pki.makeChain("Modes");
  auto client = pki.makeLeaf(chain.intermediate, "client.example");
  REQUIRE(apply(store, [&](Transaction& tx) -> Result<void> {
    ImportRequest root;
    root.name = "root";
    root.material.certificates = {chain.root.cert};
    if (auto r = importEntry(tx, root); !r) {
      return r;
    }
    ImportRequest id;
    id.name = "client";
    id.material.certificates = {client.cert, chain.intermediate.cert};
    id.material.key = client.key;
    if (auto r = importEntry(tx, id); !r) {
      return r;
    }
    if (auto r = createConnector(tx, "api", "", ""); !r) {
      return r;
    }
    if (auto r = attachTrust(tx, "api", {"root"}); !r) {
      return r;
    }
    return setIdentity(tx, "api", "client");
  }));
  REQUIRE(apply(store, [&](Transaction& tx) { return createConnector(tx, "other", "", ""); }));
}

// Every folder and file below the store whose mode is not the promised one, as "path mode".
std::vector<std::string> wrongModes(const std::string& dir) {
  std::vector<std::string> wrong;
  for (auto it = fs::recursive_directory_iterator(dir); it != fs::recursive_directory_iterator();
       ++it) {
    struct stat st {};
    ::lstat(it->path().c_str(), &st);
    mode_t mode = st.st_mode & 07777;
    if (S_ISDIR(st.st_mode) && mode != kStoreDirMode) {
      wrong.push_back(it->path().string() + " " + std::to_string(mode));
    } else if (S_ISREG(st.st_mode) && mode != kStoreFileMode) {
      wrong.push_back(it->path().string() + " " + std::to_string(mode));
    }
  }
  return wrong;
}

struct UmaskScope {
  explicit UmaskScope(mode_t mask) : old(::umask(mask)) {}
  ~UmaskScope() { ::umask(old); }
  mode_t old;
};

}  // namespace

TEST_CASE("Store: every folder is 02750 and every file 0640 whatever the umask", "[truststore]") {
  for (mode_t mask : {mode_t{0}, mode_t{077}, mode_t{022}}) {
    INFO("umask " << mask);
    TempDir dir;
    Store store(dir.file("store"));
    {
      UmaskScope scope(mask);
      populate(store);
    }
    CHECK(wrongModes(store.dir()) == std::vector<std::string>{});
    struct stat st {};
    REQUIRE(::stat(store.dir().c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == kStoreDirMode);
  }
}

TEST_CASE("Store: a store folder another user can change is refused before any write",
          "[truststore]") {
  TempDir dir;
  Store store(dir.file("store"));
  REQUIRE(apply(store, [&](Transaction& tx) { return createConnector(tx, "a", "", ""); }));
  auto write = [&] {
    return apply(store, [&](Transaction& tx) { return createConnector(tx, "b", "", ""); });
  };
  std::string victim = dir.write("victim", "precious\n");

  SECTION("writable by others") {
    REQUIRE(::chmod(store.dir().c_str(), 0777) == 0);
    auto r = write();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::StoreUnsafe);
    CHECK_THAT(r.error().message, Catch::Contains("chmod 2750"));
  }
  SECTION("a subfolder writable by its group") {
    REQUIRE(::chmod((store.dir() + "/generations").c_str(), 0775) == 0);
    auto r = write();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::StoreUnsafe);
  }
  SECTION("owned by another user") {
    // As root, hand the folder to nobody; as anyone else the store is already not root's.
    REQUIRE(::geteuid() == 0);
    REQUIRE(::chown(store.dir().c_str(), 65534, static_cast<gid_t>(-1)) == 0);
    auto r = write();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::StoreUnsafe);
    CHECK_THAT(r.error().message, Catch::Contains("owned by"));
  }
  SECTION("audit.log planted as a link to another file") {
    fs::remove(store.dir() + "/audit.log");
    fs::create_symlink(victim, store.dir() + "/audit.log");
    auto r = write();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::StoreUnsafe);
  }
  SECTION(".lock planted as a link to another file") {
    fs::remove(store.dir() + "/.lock");
    fs::create_symlink(victim, store.dir() + "/.lock");
    auto r = write();
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::StoreUnsafe);
  }
  CHECK(readWholeFile(victim).value_or("") == "precious\n");
  CHECK(store.load()->state.connectors.count("b") == 0);
}

TEST_CASE("Store: a first-layout store is migrated once; a newer store is refused",
          "[truststore]") {
  TempDir dir;
  Store store(dir.file("store"));
  populate(store);
  std::string s = store.dir();
  REQUIRE(readWholeFile(s + "/format").value_or("") == "2\n");

  SECTION("version 1: no format file, no audit.json, modes from the umask") {
    fs::remove(s + "/format");
    for (const auto& e : fs::recursive_directory_iterator(s)) {
      if (e.path().filename() == "audit.json") {
        fs::remove(e.path());
      } else if (e.is_directory()) {
        ::chmod(e.path().c_str(), 0755);
      } else if (e.is_regular_file()) {
        ::chmod(e.path().c_str(), 0644);
      }
    }
    auto records_before = readAudit(s, store.currentGeneration());
    REQUIRE(records_before);
    REQUIRE(store.load());  // readers read an older store as it is
    REQUIRE(apply(store, [&](Transaction& tx) { return createConnector(tx, "new", "", ""); }));
    CHECK(readWholeFile(s + "/format").value_or("") == "2\n");
    CHECK(wrongModes(s) == std::vector<std::string>{});
    auto records = readAudit(s, store.currentGeneration());
    REQUIRE(records);
    CHECK(records->size() == records_before->size() + 1);
    auto problems = store.check();
    REQUIRE(problems);
    CHECK(problems->empty());
  }
  SECTION("a newer format: refused with one line, nothing changed") {
    REQUIRE(writeFileAtomic(s + "/format", "3\n", 0640));
    auto before = trustctl::testing::treeFingerprint(s);
    auto loaded = store.load();
    REQUIRE_FALSE(loaded);
    CHECK(loaded.error().code == ErrorCode::StoreTooNew);
    CHECK_THAT(loaded.error().message, Catch::Contains("newer trustctl"));
    auto r = apply(store, [&](Transaction& tx) { return createConnector(tx, "new", "", ""); });
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::StoreTooNew);
    CHECK(trustctl::testing::treeFingerprint(s) == before);
  }
}
