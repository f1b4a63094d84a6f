#include <sys/stat.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include "tests/support/cli_runner.h"
#include "tests/support/test_pki.h"
#include "truststore/anchor_set.h"
#include "truststore/chain_verifier.h"
#include "truststore/connector_runtime.h"
#include "truststore/file_util.h"
#include "truststore/library.h"
#include "truststore/store_lock.h"

using namespace trustctl;
using namespace trustctl::truststore;
using trustctl::testing::TempDir;
using trustctl::testing::TestPki;

namespace {

ImportRequest request(const std::string& name, std::vector<CertificatePtr> certs,
                      PrivateKeyPtr key = nullptr) {
  ImportRequest r;
  r.name = name;
  r.material.certificates = std::move(certs);
  r.material.key = std::move(key);
  r.source = name + ".pem";
  return r;
}

Result<std::uint64_t> apply(Store& store, const std::function<Result<void>(Transaction&)>& fn) {
  UpdateOptions options;
  options.now = 1'800'000'000;
  options.lock_timeout = std::chrono::milliseconds(2000);
  return store.update(options, fn);
}

mode_t modeOf(const std::string& path) {
  struct stat st {};
  ::stat(path.c_str(), &st);
  return st.st_mode & 0777;
}

}  // namespace

TEST_CASE("Store: a new store is empty and each change is a new generation", "[truststore]") {
  TempDir dir;
  Store store(dir.file("store"));
  auto empty = store.load();
  REQUIRE(empty);
  CHECK(empty->state.entries.empty());
  CHECK(store.currentGeneration() == 0);

  TestPki pki(1'800'000'000);
  auto c = pki.makeChain("Gen");
  auto gen = apply(
      store, [&](Transaction& tx) { return importEntry(tx, request("root", {c.root.cert})); });
  REQUIRE(gen);
  CHECK(*gen == 1);
  CHECK(store.currentGeneration() == 1);
  auto snap = store.load();
  REQUIRE(snap);
  CHECK(snap->state.entries.at("root").type == EntryType::Certificate);
  CHECK(pathExists(dir.file("store/objects/" + c.root.cert->sha256() + ".der")));
  auto loaded = store.loadCertificate(c.root.cert->sha256());
  REQUIRE(loaded);
  CHECK((*loaded)->der() == c.root.cert->der());
  auto audit = readAudit(store.dir(), store.currentGeneration());
  REQUIRE(audit);
  REQUIRE(audit->size() == 1);
  CHECK(audit->front().action == "import");
  CHECK(audit->front().fingerprint == c.root.cert->sha256());
}

TEST_CASE("Store: duplicates by name and by content are refused", "[truststore]") {
  TempDir dir;
  Store store(dir.file("store"));
  TestPki pki(1'800'000'000);
  auto c = pki.makeChain("Dup");
  REQUIRE(apply(store,
                [&](Transaction& tx) { return importEntry(tx, request("root", {c.root.cert})); }));
  auto before = trustctl::testing::treeFingerprint(store.dir());
  auto same_content = apply(
      store, [&](Transaction& tx) { return importEntry(tx, request("root-copy", {c.root.cert})); });
  REQUIRE_FALSE(same_content);
  CHECK(same_content.error().code == ErrorCode::DuplicateCertificate);
  CHECK_THAT(same_content.error().message, Catch::Contains("'root'"));
  auto same_name = apply(store, [&](Transaction& tx) {
    return importEntry(tx, request("root", {c.intermediate.cert}));
  });
  REQUIRE_FALSE(same_name);
  CHECK(same_name.error().code == ErrorCode::DuplicateName);
  CHECK(trustctl::testing::treeFingerprint(store.dir()) == before);
}

TEST_CASE("Store: a connector's runtime files follow its trust", "[truststore]") {
  TempDir dir;
  Store store(dir.file("store"));
  TestPki pki(1'800'000'000);
  auto c = pki.makeChain("Runtime");
  auto client = pki.makeLeaf(c.intermediate, "client.example");
  REQUIRE(apply(store, [&](Transaction& tx) -> Result<void> {
    if (auto r = importEntry(tx, request("root", {c.root.cert})); !r)
      return r;
    if (auto r = importEntry(tx, request("inter", {c.intermediate.cert})); !r)
      return r;
    if (auto r = importEntry(tx, request("client", {client.cert, c.intermediate.cert}, client.key));
        !r)
      return r;
    if (auto r = createConnector(tx, "api", "prod", ""); !r)
      return r;
    if (auto r = attachTrust(tx, "api", {"root"}); !r)
      return r;
    return setIdentity(tx, "api", "client");
  }));
  std::string rt = store.connectorPath("api");
  auto bundle = readWholeFile(rt + "/" + kBundleFile);
  REQUIRE(bundle);
  CHECK_THAT(*bundle, Catch::Contains(c.root.cert->pem()));
  CHECK(pathExists(rt + "/" + kJavaTruststoreFile));
  CHECK(pathExists(rt + "/" + kManifestFile));
  // The store's group (connector processes) may read the key; nobody else can enter the store.
  CHECK(modeOf(rt + "/" + kIdentityKeyFile) == 0640);
  auto snap = store.load();
  const std::string key_path =
      store.dir() + "/keys/" + snap->state.entries.at("client").key_id + ".pem";
  CHECK(modeOf(key_path) == 0640);
  CHECK(modeOf(store.dir() + "/keys") == 0750);
  auto anchors = AnchorSet::loadIndexed(rt + "/" + kAnchorsDerFile, rt + "/" + kAnchorsIndexFile);
  REQUIRE(anchors);
  CHECK(verifyChain({c.leaf.cert, c.intermediate.cert}, **anchors, {pki.now(), "localhost"}).ok);

  SECTION("removing a used entry is refused, --force detaches it") {
    auto refused = apply(store, [&](Transaction& tx) { return removeEntry(tx, "root", false); });
    REQUIRE_FALSE(refused);
    CHECK(refused.error().code == ErrorCode::EntryInUse);
    CHECK_THAT(refused.error().message, Catch::Contains("api"));
    REQUIRE(apply(store, [&](Transaction& tx) { return removeEntry(tx, "root", true); }));
    auto after = readWholeFile(store.connectorPath("api") + "/" + kBundleFile);
    REQUIRE(after);
    CHECK(after->find("BEGIN CERTIFICATE") == std::string::npos);
    // Kept generations still reference the object; it goes when the last of them does.
    std::string object = store.dir() + "/objects/" + c.root.cert->sha256() + ".der";
    CHECK(pathExists(object));
    for (const char* name : {"x", "y"}) {
      REQUIRE(apply(store, [&](Transaction& tx) { return createConnector(tx, name, "", ""); }));
    }
    CHECK_FALSE(pathExists(object));
  }
  SECTION("renaming an entry keeps the connector's trust") {
    REQUIRE(apply(store, [&](Transaction& tx) { return renameEntry(tx, "root", "root-2026"); }));
    auto s = store.load();
    CHECK(s->state.connectors.at("api").trust == std::vector<std::string>{"root-2026"});
  }
  SECTION("replacing the content keeps the name and the connectors") {
    auto renewed = pki.makeRoot("Runtime Root CA 2");
    REQUIRE(apply(
        store, [&](Transaction& tx) { return replaceEntry(tx, request("root", {renewed.cert})); }));
    auto after = readWholeFile(store.connectorPath("api") + "/" + kBundleFile);
    CHECK_THAT(*after, Catch::Contains(renewed.cert->pem()));
    CHECK(store.load()->state.whereUsed("root") == std::vector<std::string>{"api"});
  }
  SECTION("an entry without a key cannot become an identity") {
    auto r = apply(store, [&](Transaction& tx) { return setIdentity(tx, "api", "inter"); });
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::NotAnIdentity);
  }
  SECTION("the store check finds nothing wrong") {
    auto problems = store.check();
    REQUIRE(problems);
    CHECK(problems->empty());
  }
}

TEST_CASE("Store: certificates with the same subject get .0 and .1 in the hashed folder",
          "[truststore]") {
  TempDir dir;
  Store store(dir.file("store"));
  TestPki pki(1'800'000'000);
  auto a = pki.makeRoot("Same Name CA");
  auto b = pki.makeRoot("Same Name CA");
  REQUIRE(apply(store, [&](Transaction& tx) -> Result<void> {
    if (auto r = importEntry(tx, request("a", {a.cert})); !r)
      return r;
    if (auto r = importEntry(tx, request("b", {b.cert})); !r)
      return r;
    if (auto r = createConnector(tx, "c", "", ""); !r)
      return r;
    return attachTrust(tx, "c", {"a", "b"});
  }));
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(store.connectorPath("c") + "/capath")) {
    names.push_back(e.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  REQUIRE(names.size() == 2);
  CHECK(names[0].substr(0, 8) == names[1].substr(0, 8));
  CHECK(names[0].substr(8) == ".0");
  CHECK(names[1].substr(8) == ".1");
}

TEST_CASE("Store: a second writer waits for the lock and gives up with StoreLocked",
          "[truststore]") {
  TempDir dir;
  Store store(dir.file("store"));
  REQUIRE(makeDirs(store.dir()));
  auto held = StoreLock::acquire(store.dir(), std::chrono::milliseconds(100));
  REQUIRE(held);
  UpdateOptions options;
  options.lock_timeout = std::chrono::milliseconds(150);
  auto r = store.update(options, [](Transaction& tx) { return createConnector(tx, "x", "", ""); });
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::StoreLocked);
}

TEST_CASE("Store: old generations are collected, the last three kept", "[truststore]") {
  TempDir dir;
  Store store(dir.file("store"));
  for (int i = 0; i < 6; ++i) {
    REQUIRE(apply(store, [&](Transaction& tx) {
      return createConnector(tx, "c" + std::to_string(i), "", "");
    }));
  }
  int generations = 0;
  for (const auto& e : std::filesystem::directory_iterator(store.dir() + "/generations")) {
    (void)e;
    ++generations;
  }
  CHECK(generations == 3);
  CHECK(store.currentGeneration() == 6);
}
