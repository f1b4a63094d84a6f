// Scopes (issue 15): isolation, explicit ancestor references seen from both sides, several
// scopes changed in one transaction, and a tree that survives state.json, check and backup.
#include <catch2/catch.hpp>

#include "runtime/connector_trust.h"
#include "tests/support/test_pki.h"
#include "truststore/connector_runtime.h"
#include "truststore/file_util.h"
#include "truststore/library.h"
#include "truststore/scope.h"

using namespace trustctl;
using namespace trustctl::truststore;
using namespace trustctl::testing;

namespace {

ImportRequest certificate(const std::string& name, const CertificatePtr& cert) {
  ImportRequest r;
  r.name = name;
  r.material.certificates = {cert};
  r.source = name + ".pem";
  return r;
}

struct Tree {
  TestPki pki{1'800'000'000};
  TempDir dir;
  Issued corp = pki.makeRoot("Corp Root");
  Issued vendor = pki.makeRoot("Vendor Root");
  Issued customer_b = pki.makeRoot("Customer B Root");

  Result<std::uint64_t> update(const std::string& scope,
                               const std::function<Result<void>(Transaction&)>& fn) {
    UpdateOptions o;
    o.now = pki.now();
    return Store(dir.path(), scope).update(o, fn);
  }
  // root: corp-root; vendor: vendor-root; vendor/customer-a: crm (no trust yet);
  // vendor/customer-b: its own root and connector; all in one transaction.
  void build() {
    REQUIRE(update("", [&](Transaction& tx) -> Result<void> {
      if (auto r = importEntry(tx, certificate("corp-root", corp.cert)); !r) {
        return r;
      }
      for (const char* path : {"vendor", "vendor/customer-a", "vendor/customer-b"}) {
        if (auto r = tx.createScope(path); !r) {
          return r;
        }
      }
      if (auto r = tx.selectScope("vendor"); !r) {
        return r;
      }
      if (auto r = importEntry(tx, certificate("vendor-root", vendor.cert)); !r) {
        return r;
      }
      if (auto r = tx.selectScope("vendor/customer-a"); !r) {
        return r;
      }
      if (auto r = createConnector(tx, "crm", "prod", ""); !r) {
        return r;
      }
      if (auto r = tx.selectScope("vendor/customer-b"); !r) {
        return r;
      }
      if (auto r = importEntry(tx, certificate("b-root", customer_b.cert)); !r) {
        return r;
      }
      return createConnector(tx, "billing", "prod", "");
    }));
  }
  std::string bundle(const std::string& scope, const std::string& connector) {
    auto text =
        readWholeFile(Store(dir.path(), scope).connectorPath(connector) + "/" + kBundleFile);
    REQUIRE(text);
    return *text;
  }
};

}  // namespace

TEST_CASE("scope paths, references and folders", "[scope]") {
  CHECK(isValidScopePath(""));
  CHECK(isValidScopePath("vendor/customer-a"));
  CHECK_FALSE(isValidScopePath("vendor/"));
  CHECK_FALSE(isValidScopePath("/vendor"));
  CHECK_FALSE(isValidScopePath("Vendor"));
  CHECK_FALSE(isValidScopePath("a/b/c/d/e"));
  CHECK(isAncestorScope("", "vendor"));
  CHECK(isAncestorScope("vendor", "vendor/customer-a"));
  CHECK_FALSE(isAncestorScope("vendor", "vendor"));
  CHECK_FALSE(isAncestorScope("vend", "vendor/customer-a"));
  CHECK_FALSE(isAncestorScope("vendor/customer-b", "vendor/customer-a"));
  auto ref = parseEntryRef("vendor:corp-root");
  REQUIRE(ref);
  CHECK(ref->scope == "vendor");
  CHECK(ref->entry == "corp-root");
  REQUIRE(parseEntryRef("/:corp-root"));
  CHECK(parseEntryRef("/:corp-root")->scope.empty());
  CHECK_FALSE(parseEntryRef("corp-root"));
  CHECK(scopeFolderPrefix("vendor/customer-a") == "scopes/vendor/scopes/customer-a/");
  CHECK(caKeyFolderName("vendor/customer-a", "ca") == "vendor+customer-a+ca");
}

TEST_CASE("a store without scopes keeps its state.json and paths", "[scope]") {
  Tree t;
  REQUIRE(t.update(
      "", [&](Transaction& tx) { return importEntry(tx, certificate("corp-root", t.corp.cert)); }));
  auto text = readWholeFile(Store(t.dir.path()).currentGenerationDir() + "/state.json");
  REQUIRE(text);
  CHECK(text->find("\"scopes\"") == std::string::npos);
  CHECK(Store(t.dir.path()).connectorPath("x") == t.dir.path() + "/current/connectors/x");
}

TEST_CASE("several scopes are created and filled in one transaction", "[scope]") {
  Tree t;
  t.build();
  Store root(t.dir.path());
  CHECK(root.currentGeneration() == 1);
  auto tree = root.loadTree();
  REQUIRE(tree);
  CHECK(tree->state.scopes.size() == 3);
  CHECK(tree->state.scopes.at("vendor").entries.count("vendor-root") == 1);
  auto problems = root.check();
  REQUIRE(problems);
  CHECK(problems->empty());
  SECTION("a failed change in one scope leaves every scope as it was") {
    auto r = t.update("", [&](Transaction& tx) -> Result<void> {
      REQUIRE(tx.selectScope("vendor"));
      REQUIRE(removeEntry(tx, "vendor-root", false));
      REQUIRE(tx.selectScope("vendor/customer-a"));
      return createConnector(tx, "Bad Name", "", "");
    });
    CHECK_FALSE(r);
    CHECK(root.currentGeneration() == 1);
  }
}

TEST_CASE("a connector sees only its scope's entries unless it names an ancestor's", "[scope]") {
  Tree t;
  t.build();
  auto in_a = [&](const std::function<Result<void>(Transaction&)>& fn) {
    return t.update("vendor/customer-a", fn);
  };
  // Plain names are the scope's own: the root's corp-root is not there.
  auto plain = in_a([](Transaction& tx) { return attachTrust(tx, "crm", {"corp-root"}); });
  REQUIRE_FALSE(plain);
  CHECK(plain.error().code == ErrorCode::EntryNotFound);
  // A sibling is no ancestor.
  auto sibling =
      in_a([](Transaction& tx) { return attachTrust(tx, "crm", {"vendor/customer-b:b-root"}); });
  REQUIRE_FALSE(sibling);
  CHECK(sibling.error().code == ErrorCode::InvalidArgument);
  auto view = Store(t.dir.path(), "vendor/customer-a").load();
  REQUIRE(view);
  CHECK(view->state.entries.empty());

  REQUIRE(in_a([](Transaction& tx) {
    return attachTrust(tx, "crm", {"vendor:vendor-root", "/:corp-root"});
  }));
  std::string bundle = t.bundle("vendor/customer-a", "crm");
  CHECK(bundle.find(toPem({t.vendor.cert})) != std::string::npos);
  CHECK(bundle.find(toPem({t.corp.cert})) != std::string::npos);
  CHECK(bundle.find(toPem({t.customer_b.cert})) == std::string::npos);
  CHECK(t.bundle("vendor/customer-b", "billing").empty());

  // The references are not stored as entries of the scope: only the names in the connector.
  auto tree = Store(t.dir.path()).loadTree();
  REQUIRE(tree);
  CHECK(tree->state.scopes.at("vendor/customer-a").entries.empty());
  CHECK(referencesFromOtherScopes(tree->state, "vendor", "vendor-root") ==
        std::vector<std::string>{"vendor/customer-a:crm"});
  CHECK(referencesFromOtherScopes(tree->state, "", "corp-root") ==
        std::vector<std::string>{"vendor/customer-a:crm"});
  view = Store(t.dir.path(), "vendor/customer-a").load();
  REQUIRE(view);
  CHECK(view->state.whereUsed("vendor:vendor-root") == std::vector<std::string>{"crm"});

  SECTION("the referenced entry is changed only in its own scope") {
    auto r = in_a([](Transaction& tx) { return removeEntry(tx, "vendor:vendor-root", true); });
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::ScopeReadOnly);
  }
  SECTION("the owner cannot remove it while a descendant uses it") {
    auto r =
        t.update("vendor", [](Transaction& tx) { return removeEntry(tx, "vendor-root", true); });
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("vendor/customer-a: connector crm") != std::string::npos);
  }
  SECTION("a change of the owner's entry reaches the descendant's runtime files") {
    Issued next = t.pki.makeRoot("Vendor Root 2");
    REQUIRE(t.update("vendor", [&](Transaction& tx) {
      return replaceEntry(tx, certificate("vendor-root", next.cert));
    }));
    std::string after = t.bundle("vendor/customer-a", "crm");
    CHECK(after.find(toPem({next.cert})) != std::string::npos);
    CHECK(after.find(toPem({t.vendor.cert})) == std::string::npos);
  }
  SECTION("the flat view the agent runs names every scope's connector") {
    StoreState flat = flattenScopes(tree->state);
    REQUIRE(flat.connectors.count("vendor/customer-a/crm") == 1);
    CHECK(flat.connectors.at("vendor/customer-a/crm").trust ==
          std::vector<std::string>{"vendor/vendor-root", "corp-root"});
    CHECK(flat.entries.count("vendor/vendor-root") == 1);
    CHECK(flat.connectors.count("vendor/customer-b/billing") == 1);
  }
}

TEST_CASE("removing a scope", "[scope]") {
  Tree t;
  t.build();
  auto r = t.update("", [](Transaction& tx) { return tx.removeScope("vendor", false); });
  REQUIRE_FALSE(r);
  CHECK(r.error().code == ErrorCode::ScopeNotEmpty);
  REQUIRE(t.update("", [](Transaction& tx) { return tx.removeScope("vendor", true); }));
  auto tree = Store(t.dir.path()).loadTree();
  REQUIRE(tree);
  CHECK(tree->state.scopes.empty());
  auto gone = Store(t.dir.path(), "vendor/customer-a").load();
  REQUIRE_FALSE(gone);
  CHECK(gone.error().code == ErrorCode::ScopeNotFound);
}

TEST_CASE("a backup carries every scope", "[scope]") {
  Tree t;
  t.build();
  REQUIRE(t.update("vendor/customer-a",
                   [](Transaction& tx) { return attachTrust(tx, "crm", {"vendor:vendor-root"}); }));
  UpdateOptions o;
  o.now = t.pki.now();
  TempDir scratch;
  std::string archive = scratch.file("backup.tar");
  REQUIRE(Store(t.dir.path()).backup(archive, o));
  TempDir other;
  REQUIRE(Store(other.path()).restore(archive, false, o));
  auto tree = Store(other.path()).loadTree();
  REQUIRE(tree);
  CHECK(tree->state.scopes.size() == 3);
  auto problems = Store(other.path()).check();
  REQUIRE(problems);
  CHECK(problems->empty());
  auto text = readWholeFile(Store(other.path(), "vendor/customer-a").connectorPath("crm") + "/" +
                            kBundleFile);
  REQUIRE(text);
  CHECK(text->find(toPem({t.vendor.cert})) != std::string::npos);
}

TEST_CASE("the runtime library opens a scope's connector by its qualified name", "[scope]") {
  Tree t;
  t.build();
  REQUIRE(t.update("vendor/customer-a",
                   [](Transaction& tx) { return attachTrust(tx, "crm", {"vendor:vendor-root"}); }));
  auto trust = runtime::ConnectorTrust::open(t.dir.path(), "vendor/customer-a/crm");
  REQUIRE(trust);
  auto snapshot = (*trust)->current();
  REQUIRE(snapshot);
  CHECK(snapshot->generation() == Store(t.dir.path()).currentGeneration());
  auto missing = runtime::ConnectorTrust::open(t.dir.path(), "vendor/customer-b/crm");
  REQUIRE_FALSE(missing);
  CHECK(missing.error().code == ErrorCode::ConnectorNotFound);
}
