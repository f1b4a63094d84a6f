// Renewal of what the built-in CA issued, as pure functions at an injected `now`: when two
// thirds of a lifetime have passed, which server certificates are due, and CA rotation
// keeping the old issuing CA's leaves valid under the same root (openssl verify -x509_strict).
#include <catch2/catch.hpp>

#include "tests/support/cli_runner.h"
#include "tests/support/test_pki.h"
#include "truststore/builtin_ca.h"
#include "truststore/renewal.h"

using namespace trustctl;
using namespace trustctl::truststore;
using trustctl::testing::TempDir;

namespace {

constexpr UnixTime kNow = 1'900'000'000;  // fixed: nothing here depends on today's date
constexpr UnixTime kDay = 86400;

// A state holding server certificate `name` whose leaf is valid [nb, na].
void addServer(StoreState& state, const std::string& name, const std::string& source, UnixTime nb,
               UnixTime na) {
  std::string sha = std::string(64, 'a' + static_cast<char>(state.server_certs.size()));
  CertificateInfo info;
  info.sha256 = sha;
  info.not_before = nb;
  info.not_after = na;
  state.certificates[sha] = info;
  Entry e;
  e.name = "srv." + name;
  e.type = EntryType::Identity;
  e.certificates = {sha};
  state.entries[e.name] = e;
  ServerCert s;
  s.name = name;
  s.domains = {name + ".example"};
  s.entry = e.name;
  s.source = source;
  s.issuer = source == "ca" ? "corp" : "";
  state.server_certs[name] = s;
}

std::string strictVerify(const Certificate& root, const Certificate& issuing,
                         const Certificate& leaf) {
  TempDir dir;
  auto r = testing::runProgram(
      "/usr/bin/openssl",
      {"verify", "-x509_strict", "-purpose", "sslserver", "-attime", std::to_string(kNow + 60),
       "-CAfile", dir.write("root.pem", root.pem()), "-untrusted",
       dir.write("issuing.pem", issuing.pem()), dir.write("leaf.pem", leaf.pem())});
  return r.exit_code == 0 ? "" : r.out + r.err;
}

}  // namespace

TEST_CASE("Renewal: a leaf is due when two thirds of its lifetime have passed", "[renewal]") {
  CertificateInfo leaf;
  leaf.not_before = kNow;
  leaf.not_after = kNow + 90 * kDay;
  CHECK(renewalTime(leaf) == kNow + 60 * kDay);

  StoreState state;
  addServer(state, "web", "ca", kNow, kNow + 90 * kDay);
  addServer(state, "api", "ca", kNow - 80 * kDay, kNow + 10 * kDay);
  addServer(state, "upload", "user", kNow - 80 * kDay, kNow + 10 * kDay);

  SECTION("only what the built-in CA issued, only past the mark") {
    auto due = renewalDue(state, {}, kNow);
    REQUIRE(due.size() == 1);
    CHECK(due[0].name == "api");
    CHECK(due[0].issuer == "corp");
    CHECK(renewalDue(state, {}, kNow + 60 * kDay - 1).size() == 1);
    CHECK(renewalDue(state, {}, kNow + 60 * kDay).size() == 2);
  }
  SECTION("names narrow the selection") {
    CHECK(renewalDue(state, {"web"}, kNow).empty());
    CHECK(renewalDue(state, {"api"}, kNow).size() == 1);
  }
  SECTION("a user upload or an unknown name is not renewable, with its own code") {
    CHECK(renewable(state, "api"));
    CHECK(renewable(state, "upload").error().code == ErrorCode::InvalidArgument);
    CHECK(renewable(state, "nope").error().code == ErrorCode::ServerCertNotFound);
  }
}

TEST_CASE("Renewal: the request re-issues with the recorded domains, validity and key",
          "[renewal]") {
  ServerCert s;
  s.domains = {"a.example", "b.example"};
  s.profile = "tls-server";
  s.validity_days = 30;
  s.key_algorithm = "rsa";
  auto r = renewalRequest(s, kNow);
  CHECK(r.dns == s.domains);
  CHECK(r.days == 30);
  CHECK(r.key == CaKeyType::Rsa);
  CHECK(r.profile == LeafProfile::TlsServer);
  CHECK(r.now == kNow);
  CHECK(checkLeafRequest(r));
}

TEST_CASE("Renewal: a test lifetime in seconds replaces the days", "[renewal]") {
  auto ca = createCa("corp", CaKeyType::Ec, kNow);
  REQUIRE(ca);
  LeafRequest r;
  r.dns = {"web.example"};
  r.now = kNow;
  r.lifetime_seconds = 60;
  auto leaf = issueLeaf(*ca->issuing, *ca->issuing_key, r);
  REQUIRE(leaf);
  CHECK(leaf->cert->info().not_after == kNow + 60);
  // Backdated five minutes: a 60-second leaf is past two thirds at once.
  CHECK(renewalTime(leaf->cert->info()) <= kNow);
}

TEST_CASE("Renewal: after CA rotation old and new leaves both verify to the same root",
          "[renewal][ca]") {
  auto ca = createCa("corp", CaKeyType::Ec, kNow);
  REQUIRE(ca);
  LeafRequest r;
  r.dns = {"web.example"};
  r.now = kNow;
  auto old_leaf = issueLeaf(*ca->issuing, *ca->issuing_key, r);
  REQUIRE(old_leaf);
  auto next = issueIntermediate(*ca->root, *ca->root_key, "corp", CaKeyType::Ec, 2, kNow);
  REQUIRE(next);
  CHECK(next->cert->info().subject_cn == "corp Issuing CA G2");
  CHECK(next->cert->info().not_after <= ca->root->info().not_after);
  auto new_leaf = issueLeaf(*next->cert, *next->key, r);
  REQUIRE(new_leaf);
  CHECK(strictVerify(*ca->root, *ca->issuing, *old_leaf->cert).empty());
  CHECK(strictVerify(*ca->root, *next->cert, *new_leaf->cert).empty());
  // Each leaf needs the issuing CA that signed it: the old one must stay in the library.
  CHECK_FALSE(strictVerify(*ca->root, *next->cert, *old_leaf->cert).empty());
  CHECK(issueIntermediate(*ca->root, *ca->root_key, "corp", CaKeyType::Ec, 1, kNow).error().code ==
        ErrorCode::InvalidArgument);
}
