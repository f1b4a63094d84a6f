// Token signing (issue 15): the RFC 7638 thumbprint against the RFC's own example, the
// rotation state machine driven by an injected `now` (no sleeps), the signing set in a real
// store with its files under current/signing/, and the ES256 signature's JWS shape.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/support/test_pki.h"
#include "truststore/builtin_ca.h"
#include "truststore/file_util.h"
#include "truststore/library.h"
#include "truststore/signing_chain.h"
#include "truststore/signing_files.h"

using namespace trustctl;
using namespace trustctl::truststore;
using namespace trustctl::testing;

namespace {

constexpr UnixTime kNow = 1'800'000'000;
constexpr std::int64_t kGrace = 3600;

SigningKey key(const std::string& entry, SigningKeyState state, UnixTime activates,
               UnixTime retire = 0) {
  SigningKey k;
  k.entry = entry;
  k.kid = "kid-" + entry;
  k.algorithm = "ES256";
  k.state = state;
  k.created_at = kNow;
  k.activates_at = activates;
  k.retire_at = retire;
  return k;
}

// A store and a CA to issue from, at kNow.
struct SigningFixture {
  SigningFixture() {
    auto ca = createCa("corp", CaKeyType::Ec, kNow);
    REQUIRE(ca);
    issuer = {"corp", ca->issuing, ca->issuing_key, CaKeyType::Ec};
  }
  Result<std::uint64_t> update(UnixTime now, const std::function<Result<void>(Transaction&)>& fn) {
    UpdateOptions o;
    o.now = now;
    return store.update(o, fn);
  }
  StoreState state() {
    auto s = store.load();
    REQUIRE(s);
    return s->state;
  }
  nlohmann::json jwksFile() {
    auto text = readWholeFile(store.dir() + "/current/signing/jwks.json");
    REQUIRE(text);
    return nlohmann::json::parse(*text);
  }
  SigningIssuer issuer;
  TempDir dir;
  Store store{dir.file("store")};
};

std::vector<std::string> kids(const nlohmann::json& jwks) {
  std::vector<std::string> out;
  for (const auto& k : jwks["keys"]) {
    out.push_back(k["kid"]);
  }
  return out;
}

}  // namespace

TEST_CASE("Jwk: the RFC 7638 section 3.1 example key has the RFC's thumbprint", "[signing]") {
  Jwk rsa;
  rsa.kty = "RSA";
  rsa.e = "AQAB";
  rsa.n =
      "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECP"
      "ebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65YGjQR0_FDW2Qvz"
      "qY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-bFTWhAI4vMQFh6We"
      "Zu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw";
  CHECK(jwkThumbprint(rsa) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs");
  CHECK(jwsAlgorithm(rsa) == "RS256");
}

TEST_CASE("Jwk: base64url has no padding and the URL alphabet", "[signing]") {
  CHECK(base64Url("") == "");
  CHECK(base64Url("f") == "Zg");
  CHECK(base64Url("fo") == "Zm8");
  CHECK(base64Url("foo") == "Zm9v");
  CHECK(base64Url(std::string("\xfb\xff\xbf", 3)) == "-_-_");
}

TEST_CASE("advanceSigning: next -> active -> retired -> dropped, at the scheduled instants",
          "[signing]") {
  SigningState s;
  s.ca = "corp";
  s.keys = {key("signing-1", SigningKeyState::Active, kNow, kNow + 2 * kGrace),
            key("signing-2", SigningKeyState::Next, kNow + kGrace)};

  SECTION("before the switch nothing moves and both are published") {
    auto r = advanceSigning(s, kNow + kGrace - 1);
    CHECK_FALSE(r.changed());
    CHECK(s.active()->entry == "signing-1");
    CHECK(s.published().size() == 2);
  }
  SECTION("at the switch the next key signs, the old one stays published") {
    auto r = advanceSigning(s, kNow + kGrace);
    CHECK(r.activated == std::vector<std::string>{"signing-2"});
    CHECK(r.retired == std::vector<std::string>{"signing-1"});
    CHECK(r.dropped.empty());
    CHECK(s.active()->entry == "signing-2");
    CHECK(s.next() == nullptr);
    CHECK(s.published().size() == 2);
    SECTION("applying it again at the same instant changes nothing") {
      CHECK_FALSE(advanceSigning(s, kNow + kGrace).changed());
    }
    SECTION("the retired key leaves at its retire_at") {
      CHECK_FALSE(advanceSigning(s, kNow + 2 * kGrace - 1).changed());
      auto later = advanceSigning(s, kNow + 2 * kGrace);
      CHECK(later.dropped == std::vector<std::string>{"signing-1"});
      REQUIRE(s.published().size() == 1);
      CHECK(s.published().front()->entry == "signing-2");
    }
  }
  SECTION("a store left alone past both instants ends in the same state in one call") {
    auto r = advanceSigning(s, kNow + 10 * kGrace);
    CHECK(r.activated.size() == 1);
    CHECK(r.retired.size() == 1);
    CHECK(r.dropped == std::vector<std::string>{"signing-1"});
    REQUIRE(s.keys.size() == 1);
    CHECK(s.keys.front().state == SigningKeyState::Active);
  }
  SECTION("upcoming events are listed in time order") {
    auto ev = upcomingSigningEvents(s);
    REQUIRE(ev.size() == 2);
    CHECK(ev[0].at == kNow + kGrace);
    CHECK(ev[1].at == kNow + 2 * kGrace);
  }
}

TEST_CASE("Signing chain: init, rotate and advance in a store, with its files", "[signing]") {
  SigningFixture f;
  REQUIRE(f.update(kNow, [&](Transaction& tx) -> Result<void> {
    auto made = ensureDefaultSigningChain(tx, f.issuer, kNow);
    REQUIRE(made);
    CHECK(*made);
    return {};
  }));
  StoreState s = f.state();
  REQUIRE(s.signing.keys.size() == 1);
  const SigningKey first = s.signing.keys.front();
  CHECK(first.state == SigningKeyState::Active);
  CHECK(first.algorithm == "ES256");
  CHECK(first.kid.size() == 43);  // SHA-256 in unpadded base64url
  REQUIRE(s.findEntry(first.entry) != nullptr);
  CHECK(s.findEntry(first.entry)->type == EntryType::Identity);
  CHECK(kids(f.jwksFile()) == std::vector<std::string>{first.kid});
  struct stat st {};
  REQUIRE(::stat((f.store.dir() + "/current/signing/active-key.pem").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);

  SECTION("a second init changes nothing") {
    REQUIRE(f.update(kNow, [&](Transaction& tx) -> Result<void> {
      CHECK_FALSE(ensureDefaultSigningChain(tx, f.issuer, kNow).value());
      return {};
    }));
    CHECK(f.state().signing.keys.size() == 1);
  }
  SECTION("the entry of a signing key cannot be removed by hand") {
    auto r = f.update(kNow, [&](Transaction& tx) { return removeEntry(tx, first.entry, true); });
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::EntryInUse);
  }
  SECTION("a rotation publishes the next key first and drops the old one after two graces") {
    std::string next_kid;
    REQUIRE(f.update(kNow + 10, [&](Transaction& tx) -> Result<void> {
      auto next = rotateSigning(tx, f.issuer, kNow + 10, kGrace);
      REQUIRE(next);
      next_kid = next->kid;
      CHECK(next->state == SigningKeyState::Next);
      CHECK(next->activates_at == kNow + 10 + kGrace);
      return {};
    }));
    CHECK(next_kid != first.kid);
    CHECK(kids(f.jwksFile()) == std::vector<std::string>{first.kid, next_kid});
    CHECK(f.state().signing.active()->kid == first.kid);

    auto again = f.update(kNow + 20, [&](Transaction& tx) -> Result<void> {
      auto r = rotateSigning(tx, f.issuer, kNow + 20, kGrace);
      return r ? Result<void>{} : Result<void>(tl::unexpected(r.error()));
    });
    REQUIRE_FALSE(again);
    CHECK(again.error().code == ErrorCode::InvalidArgument);

    UnixTime switched = kNow + 10 + kGrace;
    REQUIRE(f.update(switched, [&](Transaction& tx) -> Result<void> {
      auto r = applySigningAdvance(tx, switched);
      REQUIRE(r);
      CHECK(r->activated.size() == 1);
      return {};
    }));
    CHECK(f.state().signing.active()->kid == next_kid);
    CHECK(kids(f.jwksFile()) == std::vector<std::string>{first.kid, next_kid});

    REQUIRE(f.update(switched + kGrace, [&](Transaction& tx) -> Result<void> {
      REQUIRE(applySigningAdvance(tx, switched + kGrace));
      return {};
    }));
    StoreState after = f.state();
    CHECK(after.findEntry(first.entry) == nullptr);
    CHECK(kids(f.jwksFile()) == std::vector<std::string>{next_kid});
  }
  SECTION("rotate without a signing chain is refused") {
    SigningFixture empty;
    auto r = empty.update(kNow, [&](Transaction& tx) -> Result<void> {
      auto k = rotateSigning(tx, empty.issuer, kNow, kGrace);
      return k ? Result<void>{} : Result<void>(tl::unexpected(k.error()));
    });
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::InvalidArgument);
  }
}

TEST_CASE("Signing files: only the active key's file is a secret, at the top or in a scope",
          "[signing]") {
  CHECK(isSigningSecretFile("signing/active-key.pem"));
  CHECK(isSigningSecretFile("scopes/vendor/signing/active-key.pem"));
  CHECK_FALSE(isSigningSecretFile("signing/jwks.json"));
  CHECK_FALSE(isSigningSecretFile("signing/active-chain.pem"));
  CHECK_FALSE(isSigningSecretFile("mysigning/active-key.pem"));
}

TEST_CASE("Signing chain: state.json round-trips the signing set, absent when empty", "[signing]") {
  StoreState s;
  CHECK(serializeState(s).find("\"signing\"") == std::string::npos);
  s.signing.ca = "corp";
  s.signing.next_serial = 4;
  s.signing.keys = {key("signing-3", SigningKeyState::Retired, kNow, kNow + 5)};
  auto back = parseState(serializeState(s), "state.json");
  REQUIRE(back);
  REQUIRE(back->signing.keys.size() == 1);
  CHECK(back->signing.next_serial == 4);
  CHECK(back->signing.keys[0].state == SigningKeyState::Retired);
  CHECK(back->signing.keys[0].retire_at == kNow + 5);
}

TEST_CASE("JWS: ES256 signatures are raw r||s (64 bytes), RS256 by RSA keys", "[signing]") {
  for (auto type : {CaKeyType::Ec, CaKeyType::Rsa}) {
    auto ca = createCa("corp", CaKeyType::Ec, kNow);
    REQUIRE(ca);
    LeafRequest request;
    request.profile = LeafProfile::TokenSigning;
    request.common_name = "signer";
    request.key = type;
    request.now = kNow;
    auto leaf = issueLeaf(*ca->issuing, *ca->issuing_key, request);
    REQUIRE(leaf);
    auto jwk = jwkOfCertificate(*leaf->cert);
    REQUIRE(jwk);
    std::string alg = jwsAlgorithm(*jwk);
    CHECK(alg == (type == CaKeyType::Ec ? "ES256" : "RS256"));
    auto token = signCompactJws(*leaf->key, alg, jwkThumbprint(*jwk), "{}");
    REQUIRE(token);
    std::string sig = token->substr(token->rfind('.') + 1);
    if (type == CaKeyType::Ec) {
      CHECK(sig.size() == 86);  // 64 bytes in unpadded base64url
    } else {
      CHECK(sig.size() == 342);  // 256 bytes
    }
    auto wrong = signCompactJws(*leaf->key, type == CaKeyType::Ec ? "RS256" : "ES256", "k", "{}");
    REQUIRE_FALSE(wrong);
    CHECK(wrong.error().code == ErrorCode::InvalidArgument);
  }
}
