// `store check` reports any plausible single-file damage (issue 12): one table of tamperings,
// each applied to a fresh store with two connectors (one carried over from an older generation
// by hard links), each expected to produce a problem line naming the damaged path.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <functional>

#include <catch2/catch.hpp>

#include "tests/support/cli_runner.h"
#include "tests/support/test_pki.h"
#include "truststore/connector_runtime.h"
#include "truststore/file_util.h"
#include "truststore/library.h"

using namespace trustctl;
using namespace trustctl::truststore;
using namespace trustctl::testing;

namespace {

constexpr UnixTime kNow = 1'800'000'000;

ImportRequest request(const std::string& name, std::vector<CertificatePtr> certs,
                      PrivateKeyPtr key = nullptr) {
  ImportRequest r;
  r.name = name;
  r.material.certificates = std::move(certs);
  r.material.key = std::move(key);
  r.source = name + ".pem";
  return r;
}

void apply(Store& store, const std::function<Result<void>(Transaction&)>& fn) {
  UpdateOptions options;
  options.now = kNow;
  options.lock_timeout = std::chrono::milliseconds(5000);
  auto r = store.update(options, fn);
  INFO((r ? "" : r.error().message));
  REQUIRE(r);
}

void append(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::app | std::ios::binary) << data;
}

void overwrite(const std::string& path, const std::string& data) {
  std::filesystem::remove(path);  // hard-linked files: replace this one only
  std::ofstream(path, std::ios::binary) << data;
}

struct CheckedStore {
  TempDir dir;
  TestPki pki{kNow};
  TestPki::Chain chain = pki.makeChain("Check");
  TestPki::Chain foreign = pki.makeChain("Foreign");
  Store store{dir.file("store")};

  CheckedStore() {
    apply(store, [&](Transaction& tx) -> Result<void> {
      for (auto r : {importEntry(tx, request("root", {chain.root.cert})),
                     importEntry(tx, request("ica", {chain.intermediate.cert})),
                     importEntry(tx, request("client", {chain.leaf.cert}, chain.leaf.key)),
                     createConnector(tx, "api", "prod", ""),
                     attachTrust(tx, "api", {"root", "ica"}), setIdentity(tx, "api", "client")}) {
        if (!r) {
          return r;
        }
      }
      return {};
    });
    // A later generation: "api" is carried over by hard links with its older manifest.
    apply(store, [&](Transaction& tx) -> Result<void> {
      if (auto r = createConnector(tx, "other", "test", ""); !r) {
        return r;
      }
      return attachTrust(tx, "other", {"root"});
    });
  }
  std::string api() const { return store.currentGenerationDir() + "/connectors/api"; }
  std::vector<std::string> problems() const {
    auto r = store.check();
    REQUIRE(r);
    return *r;
  }
};

struct Damage {
  const char* what;
  std::function<void(CheckedStore& s, const std::string& store, const std::string& api)> apply;
  std::string must_name;  // a part of the problem line
};

std::string firstFileIn(const std::string& dir) {
  for (const auto& e : std::filesystem::directory_iterator(dir)) {
    return e.path().string();
  }
  return "";
}

}  // namespace

TEST_CASE("StoreCheck: a store as trustctl wrote it is consistent", "[truststore]") {
  CheckedStore s;
  auto problems = s.problems();
  for (const auto& p : problems) {
    UNSCOPED_INFO(p);
  }
  CHECK(problems.empty());
}

TEST_CASE("StoreCheck: every single-file damage is reported", "[truststore]") {
  const std::vector<Damage> damages{
      {"a foreign root appended to ca-bundle.pem",
       [](auto& s, auto&, auto& api) {
         append(api + "/" + kBundleFile, toPem({s.foreign.root.cert}));
       },
       kBundleFile},
      {"a capath link deleted",
       [](auto&, auto&, auto& api) { std::filesystem::remove(firstFileIn(api + "/capath")); },
       "capath/"},
      {"a foreign certificate added to capath",
       [](auto&, auto&, auto& api) { overwrite(api + "/capath/00000000.0", "x"); }, "00000000.0"},
      {"the manifest edited",
       [](auto&, auto&, auto& api) {
         auto text = readWholeFile(api + "/" + kManifestFile);
         std::string t = *text;
         t.replace(t.find("prod"), 4, "test");
         overwrite(api + "/" + kManifestFile, t);
       },
       kManifestFile},
      {"anchors.der truncated",
       [](auto&, auto&, auto& api) {
         REQUIRE(::truncate((api + "/" + kAnchorsDerFile).c_str(), 10) == 0);
       },
       kAnchorsDerFile},
      {"anchors.idx emptied",
       [](auto&, auto&, auto& api) { overwrite(api + "/" + kAnchorsIndexFile, ""); },
       kAnchorsIndexFile},
      {"the Java truststore replaced by an empty file",
       [](auto&, auto&, auto& api) { overwrite(api + "/" + kJavaTruststoreFile, ""); },
       kJavaTruststoreFile},
      {"identity.pem with a certificate appended",
       [](auto&, auto&, auto& api) { append(api + "/" + kIdentityCertFile, "junk\n"); },
       kIdentityCertFile},
      {"ca-bundle.pem replaced by a link to the same content",
       [](auto&, auto&, auto& api) {
         std::string path = api + "/" + kBundleFile;
         std::string copy = path + ".copy";
         std::filesystem::copy_file(path, copy);
         std::filesystem::remove(path);
         std::filesystem::create_symlink(copy, path);
       },
       kBundleFile},
      {"an extra file in the connector folder",
       [](auto&, auto&, auto& api) { overwrite(api + "/extra.pem", "x"); }, "extra.pem"},
      {"a runtime folder of no connector",
       [](auto&, auto&, auto& api) { std::filesystem::create_directory(api + "/../ghost"); },
       "ghost"},
      {"a missing object",
       [](auto&, auto& store, auto&) { std::filesystem::remove(firstFileIn(store + "/objects")); },
       "objects/"},
      {"a leftover temporary object",
       [](auto&, auto& store, auto&) { overwrite(store + "/objects/abc.der.tmp.123", "x"); },
       "abc.der.tmp.123"},
      {"a leftover temporary generation",
       [](auto&, auto& store, auto&) {
         std::filesystem::create_directory(store + "/generations/.tmp-9-1");
       },
       ".tmp-9-1"},
  };
  for (const auto& d : damages) {
    DYNAMIC_SECTION(d.what) {
      CheckedStore s;
      d.apply(s, s.store.dir(), s.api());
      auto problems = s.problems();
      std::string all;
      for (const auto& p : problems) {
        all += p + "\n";
      }
      INFO(all);
      CHECK_FALSE(problems.empty());
      CHECK_THAT(all, Catch::Contains(d.must_name));
    }
  }
}

TEST_CASE("StoreCheck: damaged objects and keys are reported, and keys nobody references",
          "[truststore]") {
  CheckedStore s;
  std::string root_obj = s.store.dir() + "/objects/" + s.chain.root.cert->sha256() + ".der";
  std::string key_path = s.store.dir() + "/keys/" + s.chain.leaf.key->spkiSha256() + ".pem";
  SECTION("an object holding another certificate") {
    overwrite(root_obj, s.foreign.root.cert->der());
  }
  SECTION("an identity key swapped for another key") {
    overwrite(key_path, keyPem(s.foreign.leaf.key));
  }
  SECTION("the connector's identity.key swapped") {
    overwrite(s.api() + "/" + kIdentityKeyFile, keyPem(s.foreign.leaf.key));
  }
  SECTION("an extra private key in keys/") {
    overwrite(s.store.dir() + "/keys/" + s.foreign.leaf.key->spkiSha256() + ".pem",
              keyPem(s.foreign.leaf.key));
  }
  auto problems = s.problems();
  CHECK_FALSE(problems.empty());
}

TEST_CASE("StoreCheck: trustctl store check exits 1 on a damaged bundle", "[agent]") {
  CheckedStore s;
  CHECK(runTrustctl({"--store", s.store.dir(), "store", "check"}).exit_code == 0);
  append(s.api() + "/" + kBundleFile, toPem({s.foreign.root.cert}));
  RunResult r = runTrustctl({"--store", s.store.dir(), "store", "check"});
  CHECK(r.exit_code == 1);
  CHECK_THAT(r.out, Catch::Contains(kBundleFile));
}
