// Server certificates (issue 15 B): every upload check as one bad input with its stable code,
// the store byte for byte unchanged after it; the good path's files at their stable paths.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include "tests/support/cli_runner.h"
#include "tests/support/test_pki.h"
#include "truststore/file_util.h"
#include "truststore/library.h"
#include "truststore/server_cert.h"

using namespace trustctl;
using namespace trustctl::truststore;
using namespace trustctl::testing;

namespace {

CertOptions wwwOptions() {
  CertOptions o;
  o.sans = {"DNS:www.example.test"};
  return o;
}

ImportRequest certificates(const std::string& name, std::vector<CertificatePtr> certs) {
  ImportRequest r;
  r.name = name;
  r.material.certificates = std::move(certs);
  r.source = name + ".pem";
  return r;
}

struct Fixture {
  Fixture() : pki(1'800'000'000), chain(pki.makeChain("Srv", wwwOptions())) {
    // Something in the store already, so "unchanged" means something.
    auto other = pki.makeRoot("Unrelated Root");
    REQUIRE(update(
        [&](Transaction& tx) { return importEntry(tx, certificates("unrelated", {other.cert})); }));
  }
  Result<std::uint64_t> update(const std::function<Result<void>(Transaction&)>& fn) {
    UpdateOptions o;
    o.now = pki.now();
    return store.update(o, fn);
  }
  // The agent's path: the checks, then the change; nothing is stored when a check fails.
  Result<CheckedServerCert> add(const std::string& name, std::vector<CertificatePtr> certs,
                                PrivateKeyPtr key, std::vector<std::string> domains) {
    ServerCertInput in{std::move(certs), key, std::move(domains), "cert.pem", "key.pem"};
    auto snapshot = store.load();
    REQUIRE(snapshot);
    auto known = libraryCandidates(store, snapshot->state);
    REQUIRE(known);
    auto checked = checkServerCert(in, {pki.now(), *known});
    if (!checked) {
      return checked;
    }
    auto r = update([&](Transaction& tx) {
      ServerCertRequest request;
      request.name = name;
      request.domains = in.domains;
      request.checked = *checked;
      request.key = key;
      request.source_file = "cert.pem";
      return addServerCert(tx, request);
    });
    if (!r) {
      return tl::unexpected(r.error());
    }
    return checked;
  }
  std::vector<CertificatePtr> full() const {
    return {chain.leaf.cert, chain.intermediate.cert, chain.root.cert};
  }
  TestPki pki;
  TestPki::Chain chain;
  TempDir dir;
  Store store{dir.file("store")};
};

// One bad input: the code, and the store as it was.
void expectRefused(Fixture& f, ErrorCode code, std::vector<CertificatePtr> certs, PrivateKeyPtr key,
                   std::vector<std::string> domains) {
  std::string before = treeFingerprint(f.store.dir());
  auto r = f.add("bad", std::move(certs), std::move(key), std::move(domains));
  REQUIRE_FALSE(r);
  INFO(r.error().message);
  CHECK(r.error().code == code);
  CHECK(r.error().message.find('\n') == std::string::npos);
  CHECK(treeFingerprint(f.store.dir()) == before);
}

std::string fileMode(const std::string& path) {
  struct stat st {};
  REQUIRE(::stat(path.c_str(), &st) == 0);
  char buf[8];
  std::snprintf(buf, sizeof buf, "%o", st.st_mode & 0777);
  return buf;
}

}  // namespace

TEST_CASE("ServerCert: a key of another certificate is refused, RSA and EC alike",
          "[server-cert][truststore]") {
  Fixture f;
  SECTION("EC") {
    auto other = f.pki.makeLeaf(f.chain.intermediate, "www.example.test");
    expectRefused(f, ErrorCode::ServerKeyMismatch, f.full(), other.key, {"www.example.test"});
  }
  SECTION("RSA") {
    CertOptions rsa;
    rsa.key = KeyType::Rsa2048;
    auto leaf = f.pki.makeLeaf(f.chain.intermediate, "www.example.test", rsa);
    auto other = f.pki.makeLeaf(f.chain.intermediate, "www.example.test", rsa);
    expectRefused(f, ErrorCode::ServerKeyMismatch, {leaf.cert, f.chain.intermediate.cert},
                  other.key, {"www.example.test"});
  }
}

TEST_CASE("ServerCert: a reversed chain is put in order leaf -> root and accepted",
          "[server-cert][truststore]") {
  Fixture f;
  auto r = f.add(
      "web",
      {f.chain.root.cert, f.chain.intermediate.cert, f.chain.leaf.cert, f.chain.intermediate.cert},
      f.chain.leaf.key, {"www.example.test"});
  INFO((r ? "" : r.error().message));
  REQUIRE(r);
  REQUIRE(r->chain.size() == 3);
  CHECK(r->chain[0]->sha256() == f.chain.leaf.cert->sha256());
  CHECK(r->chain[1]->sha256() == f.chain.intermediate.cert->sha256());
  CHECK(r->chain[2]->sha256() == f.chain.root.cert->sha256());
  CHECK(std::count(r->notes.begin(), r->notes.end(), "put the chain in order leaf -> root") == 1);
  CHECK(std::count(r->notes.begin(), r->notes.end(), "dropped 1 duplicate certificate(s)") == 1);
}

TEST_CASE("ServerCert: a missing intermediate is taken from the library, or reported",
          "[server-cert][truststore]") {
  Fixture f;
  SECTION("nowhere: reported with what to do") {
    expectRefused(f, ErrorCode::ServerChainIncomplete, {f.chain.leaf.cert}, f.chain.leaf.key,
                  {"www.example.test"});
  }
  SECTION("in the library") {
    REQUIRE(f.update([&](Transaction& tx) {
      return importEntry(tx,
                         certificates("srv-ca", {f.chain.intermediate.cert, f.chain.root.cert}));
    }));
    auto r = f.add("web", {f.chain.leaf.cert}, f.chain.leaf.key, {"www.example.test"});
    INFO((r ? "" : r.error().message));
    REQUIRE(r);
    CHECK(r->chain.size() == 3);
  }
}

TEST_CASE("ServerCert: a '*.' certificate does not cover the apex", "[server-cert][truststore]") {
  Fixture f;
  CertOptions wild;
  wild.sans = {"DNS:*.example.test"};
  auto leaf = f.pki.makeLeaf(f.chain.intermediate, "*.example.test", wild);
  std::vector<CertificatePtr> certs{leaf.cert, f.chain.intermediate.cert, f.chain.root.cert};
  expectRefused(f, ErrorCode::ServerNameNotCovered, certs, leaf.key, {"example.test"});
  expectRefused(f, ErrorCode::ServerNameNotCovered, certs, leaf.key, {"a.b.example.test"});
  CHECK(f.add("wild", certs, leaf.key, {"*.example.test", "www.example.test"}));
}

TEST_CASE("ServerCert: expired, weak and non-server certificates are refused",
          "[server-cert][truststore]") {
  Fixture f;
  CertOptions o;
  ErrorCode code = ErrorCode::Internal;
  SECTION("expired") {
    o.not_before_offset = -30 * 86400;
    o.not_after_offset = -3600;
    code = ErrorCode::ServerCertExpired;
  }
  SECTION("RSA-1024") {
    o.key = KeyType::Rsa1024;
    code = ErrorCode::ServerCertWeak;
  }
  SECTION("SHA-1 signed") {
    o.digest = "sha1";
    code = ErrorCode::ServerCertWeak;
  }
  SECTION("clientAuth only") {
    o.eku = {"clientAuth"};
    code = ErrorCode::ServerCertNotServer;
  }
  SECTION("a CA certificate") {
    o.ca = true;
    code = ErrorCode::ServerCertNotServer;
  }
  auto leaf = f.pki.makeLeaf(f.chain.intermediate, "www.example.test", o);
  expectRefused(f, code, {leaf.cert, f.chain.intermediate.cert, f.chain.root.cert}, leaf.key,
                {"www.example.test"});
}

TEST_CASE("ServerCert: the intermediate CA with its own key is no server certificate",
          "[server-cert][truststore]") {
  Fixture f;
  expectRefused(f, ErrorCode::ServerCertNotServer, {f.chain.intermediate.cert, f.chain.root.cert},
                f.chain.intermediate.key, {"www.example.test"});
}

TEST_CASE("ServerCert: the files a server loads, at stable paths, the key 0600",
          "[server-cert][truststore]") {
  Fixture f;
  REQUIRE(f.add("web", f.full(), f.chain.leaf.key, {"www.example.test"}));
  std::string dir = f.store.dir() + "/current/server-certs/web/";
  auto read = [&](const char* name) {
    auto text = readWholeFile(dir + name);
    REQUIRE(text);
    return *text;
  };
  CHECK(read(kServerCertFile) == f.chain.leaf.cert->pem());
  CHECK(read(kServerChainFile) == f.chain.intermediate.cert->pem());
  CHECK(read(kServerFullchainFile) == f.chain.leaf.cert->pem() + f.chain.intermediate.cert->pem());
  CHECK(read(kServerKeyFile) == f.chain.leaf.key->pkcs8Pem());
  CHECK(fileMode(dir + kServerKeyFile) == "600");
  CHECK(fileMode(dir + kServerBundleFile) == "600");
  CHECK(fileMode(dir + kServerCertFile) == "640");
  auto problems = f.store.check();
  REQUIRE(problems);
  CHECK(problems->empty());

  SECTION("a later unrelated change keeps the files; the entry cannot be removed alone") {
    auto removed = f.update([&](Transaction& tx) { return removeEntry(tx, "srv.web", true); });
    REQUIRE_FALSE(removed);
    CHECK(removed.error().code == ErrorCode::EntryInUse);
    REQUIRE(f.update([&](Transaction& tx) { return removeEntry(tx, "unrelated", false); }));
    CHECK(read(kServerKeyFile) == f.chain.leaf.key->pkcs8Pem());
  }
  SECTION("a backup restored elsewhere has the same files, the key still 0600") {
    UpdateOptions o;
    o.now = f.pki.now();
    std::string archive = f.dir.file("backup.tar");
    REQUIRE(f.store.backup(archive, o));
    Store copy{f.dir.file("copy")};
    REQUIRE(copy.restore(archive, false, o));
    std::string restored = copy.dir() + "/current/server-certs/web/";
    CHECK(fileMode(restored + kServerKeyFile) == "600");
    CHECK(fileMode(restored + kServerBundleFile) == "600");
    auto restored_chain = readWholeFile(restored + kServerFullchainFile);
    REQUIRE(restored_chain);
    CHECK(*restored_chain == read(kServerFullchainFile));
  }
  SECTION("remove takes the record, the entry and the files") {
    REQUIRE(f.update([&](Transaction& tx) { return removeServerCert(tx, "web"); }));
    auto s = f.store.load();
    REQUIRE(s);
    CHECK(s->state.server_certs.empty());
    CHECK(s->state.findEntry("srv.web") == nullptr);
    CHECK_FALSE(pathExists(dir));
    auto missing = f.update([&](Transaction& tx) { return removeServerCert(tx, "web"); });
    REQUIRE_FALSE(missing);
    CHECK(missing.error().code == ErrorCode::ServerCertNotFound);
  }
}

TEST_CASE("ServerCert: the record round-trips through state.json, absent when none",
          "[server-cert][truststore]") {
  StoreState state;
  CHECK(serializeState(state).find("server_certs") == std::string::npos);
  state.server_certs["web"] =
      ServerCert{"web", {"a.test", "*.a.test"}, "srv.web", "user", 5, 6, {}};
  auto back = parseState(serializeState(state), "state.json");
  REQUIRE(back);
  REQUIRE(back->server_certs.count("web") == 1);
  const ServerCert& s = back->server_certs.at("web");
  CHECK(s.domains == std::vector<std::string>{"a.test", "*.a.test"});
  CHECK(s.entry == "srv.web");
  CHECK(s.source == "user");
  CHECK(s.created_at == 5);
  CHECK(s.updated_at == 6);
}
