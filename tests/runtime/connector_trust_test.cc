// The runtime library without the network: open, verify, hot reload, reloads skipped when only
// other connectors changed, a damaged generation kept out, and readers racing a writer.
#include <atomic>
#include <fstream>
#include <thread>

#include <catch2/catch.hpp>

#include "runtime/connector_trust.h"
#include "tests/integration/probe_fixture.h"

using namespace trustctl;
using namespace trustctl::testing;
using runtime::ConnectorTrust;

namespace {

std::vector<std::string> derChain(const std::vector<CertificatePtr>& certs) {
  std::vector<std::string> out;
  for (const auto& c : certs) {
    out.push_back(c->der());
  }
  return out;
}

std::uint64_t currentGeneration(const std::string& store) {
  char buf[256];
  ssize_t n = readlink((store + "/current").c_str(), buf, sizeof buf - 1);
  std::string target(buf, n > 0 ? static_cast<size_t>(n) : 0);
  return std::stoull(target.substr(target.rfind('/') + 1));
}

// Overwrites a file in place (same inode), as a disk error or a careless edit would.
void damage(const std::string& path) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << "not what the manifest says";
}

}  // namespace

TEST_CASE("runtime: open names what is wrong", "[runtime]") {
  ProbeFixture f;
  auto missing_store = ConnectorTrust::open(f.dir().file("nowhere"), "api");
  REQUIRE_FALSE(missing_store);
  CHECK(missing_store.error().code == ErrorCode::StoreCorrupt);
  CHECK_THAT(missing_store.error().message, Catch::Contains("nowhere/current"));

  f.createConnector("api");
  auto unknown = ConnectorTrust::open(f.storeDir(), "billing");
  REQUIRE_FALSE(unknown);
  CHECK(unknown.error().code == ErrorCode::ConnectorNotFound);
  CHECK_THAT(unknown.error().message, Catch::Contains("'billing'"));
  CHECK(runtime::describeError(unknown.error()).rfind("connector_not_found: ", 0) == 0);
}

TEST_CASE("runtime: verifies with partial-chain trust and reloads on change", "[runtime]") {
  ProbeFixture f;
  auto c = f.pki.makeChain("Rt");
  auto other = f.pki.makeChain("Other");
  f.trust("api", "rt-intermediate", {c.intermediate.cert});
  std::vector<std::uint64_t> reloads;
  runtime::TrustOptions options;
  options.on_reload = [&](std::uint64_t g) { reloads.push_back(g); };
  auto trust = ConnectorTrust::open(f.storeDir(), "api", options);
  REQUIRE(trust);
  auto first = (*trust)->current();
  CHECK(first->anchorCount() == 1);
  CHECK_FALSE(first->hasIdentity());

  auto chain = derChain({c.leaf.cert, c.intermediate.cert});
  CHECK((*trust)->verify(chain, "localhost").ok);
  CHECK((*trust)->verify(chain, "127.0.0.1").ok);
  auto wrong_host = (*trust)->verify(chain, "db.example.com");
  CHECK_FALSE(wrong_host.ok);
  CHECK(wrong_host.x509_error == X509_V_ERR_HOSTNAME_MISMATCH);
  auto untrusted =
      (*trust)->verify(derChain({other.leaf.cert, other.intermediate.cert}), "localhost");
  CHECK_FALSE(untrusted.ok);
  CHECK_THAT(untrusted.reason, Catch::Contains("connector 'api' does not accept"));

  SECTION("another connector's change does not reload this one") {
    f.createConnector("unrelated");
    CHECK(currentGeneration(f.storeDir()) > first->generation());
    CHECK((*trust)->current() == first);
    CHECK(reloads.empty());
  }
  SECTION("a trust change is used by the next connection; old snapshots stay whole") {
    f.trust("api", "other-root", {other.root.cert});
    auto second = (*trust)->current();
    CHECK(second != first);
    CHECK(second->anchorCount() == 2);
    CHECK(first->anchorCount() == 1);
    CHECK(reloads == std::vector<std::uint64_t>{second->generation()});
    CHECK((*trust)->verify(derChain({other.leaf.cert, other.intermediate.cert}), "localhost").ok);
    CHECK((*trust)->verify(*first, derChain({other.leaf.cert}), "localhost").ok == false);
  }
}

TEST_CASE("runtime: a damaged generation keeps the last good trust", "[runtime]") {
  ProbeFixture f;
  auto c = f.pki.makeChain("Dmg");
  f.trust("api", "dmg-root", {c.root.cert});
  std::vector<std::string> failures;
  runtime::TrustOptions options;
  options.on_reload_error = [&](const Error& e) { failures.push_back(e.message); };
  auto trust = ConnectorTrust::open(f.storeDir(), "api", options);
  REQUIRE(trust);
  auto good = (*trust)->current();

  f.trust("api", "dmg-intermediate", {c.intermediate.cert});
  std::string dir = f.storeDir() + "/generations/" +
                    std::to_string(currentGeneration(f.storeDir())) + "/connectors/api";
  SECTION("anchors that do not match the manifest") {
    damage(dir + "/anchors.der");
  }
  SECTION("a manifest that is not one") {
    damage(dir + "/manifest.json");
  }
  SECTION("an index file that is gone") {
    REQUIRE(::unlink((dir + "/anchors.idx").c_str()) == 0);
  }
  CHECK((*trust)->current() == good);
  CHECK((*trust)->current() == good);  // reported once, not on every connection
  REQUIRE(failures.size() == 1);
  REQUIRE((*trust)->lastReloadError());
  CHECK_THAT(failures[0], Catch::Contains(dir));
  CHECK((*trust)->verify(derChain({c.leaf.cert, c.intermediate.cert}), "localhost").ok);

  // The next good change is picked up and clears the error.
  f.trust("api", "dmg-leaf", {c.leaf.cert});
  CHECK((*trust)->current()->anchorCount() == 3);
  CHECK_FALSE((*trust)->lastReloadError());
}

TEST_CASE("runtime: an identity is loaded with its key", "[runtime]") {
  ProbeFixture f;
  auto c = f.pki.makeChain("Id");
  auto client = f.pki.makeLeaf(c.intermediate, "connector-client");
  std::string p12 =
      f.dir().write("client.p12", toPkcs12(client.key, {client.cert, c.intermediate.cert}, "pw"));
  std::string pw = f.dir().write("pw", "pw");
  f.trust("api", "id-root", {c.root.cert});
  REQUIRE(f.run({"import", p12, "--name", "client-id", "--identity", "--password-file", pw})
              .exit_code == 0);
  REQUIRE(f.run({"connector", "identity", "api", "client-id"}).exit_code == 0);
  auto trust = ConnectorTrust::open(f.storeDir(), "api");
  REQUIRE(trust);
  auto snap = (*trust)->current();
  REQUIRE(snap->hasIdentity());
  CHECK(X509_cmp(snap->identityCertificate(), client.cert->x509()) == 0);
  CHECK(snap->identityChain().size() == 1);
  CHECK(X509_check_private_key(snap->identityCertificate(), snap->identityKey()) == 1);
}

TEST_CASE("runtime: readers racing a writer always see a whole trust", "[runtime]") {
  ProbeFixture f;
  auto c = f.pki.makeChain("Race");
  f.trust("api", "race-root", {c.root.cert});
  auto trust = ConnectorTrust::open(f.storeDir(), "api");
  REQUIRE(trust);
  auto chain = derChain({c.leaf.cert, c.intermediate.cert});
  std::atomic<bool> stop{false};
  std::atomic<int> refused{0};
  std::atomic<int> checks{0};
  std::vector<std::thread> readers;
  for (int t = 0; t < 3; ++t) {
    readers.emplace_back([&] {
      std::uint64_t last = 0;
      // Bounded: stops when the writer is done, or after 200,000 checks at most.
      for (int i = 0; i < 200000 && !stop; ++i) {
        auto snap = (*trust)->current();
        if (snap->generation() < last || !(*trust)->verify(*snap, chain, "localhost").ok) {
          ++refused;
        }
        last = snap->generation();
        ++checks;
      }
    });
  }
  // Every generation the writer makes trusts the root (plus more), so no reader may refuse.
  for (int i = 0; i < 6; ++i) {
    auto extra = f.pki.makeRoot("Extra " + std::to_string(i));
    f.trust("api", "extra-" + std::to_string(i), {extra.cert});
  }
  stop = true;
  for (auto& t : readers) {
    t.join();
  }
  CHECK(refused == 0);
  CHECK(checks > 0);
  CHECK((*trust)->current()->anchorCount() == 7);
}
