// `trustctl signing` through the real binary, checked by an independent JOSE implementation:
// Debian's python3-jwcrypto verifies every token from the JWKS trustctl exported, and checks
// each kid is its own RFC 7638 thumbprint. The clock is moved with TRUSTCTL_TEST_NOW (test
// only): before the switch the old key signs and both are published; after it the new key
// signs and the old key's tokens verify until it is retired, then no longer.
#include <sys/stat.h>

#include <catch2/catch.hpp>

#include <nlohmann/json.hpp>

#include "tests/support/cli_runner.h"
#include "tests/support/test_pki.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

// Exit 0 verified, 3 kid not in the JWKS, 4 bad signature, 5 a kid is not the thumbprint.
constexpr const char* kVerifier = R"PY(
import sys
from jwcrypto import jwk, jws
keys = jwk.JWKSet.from_json(open(sys.argv[1]).read())
for k in keys:
    if k.thumbprint() != k.get("kid"):
        print("kid is not the RFC 7638 thumbprint: " + str(k.get("kid")))
        sys.exit(5)
token = jws.JWS()
token.deserialize(open(sys.argv[2]).read().strip())
kid = token.jose_header.get("kid")
key = keys.get_key(kid)
if key is None:
    print("kid not in the JWKS: " + str(kid))
    sys.exit(3)
try:
    token.verify(key)
except Exception as e:
    print("bad signature: " + repr(e))
    sys.exit(4)
print("verified " + kid + " " + token.payload.decode())
)PY";

constexpr std::int64_t kGrace = 3600;

struct SigningCli {
  SigningCli() : start(wallClockNow()) {
    ::chmod(dir.write("ca.pass", "corp-ca-passphrase-1\n").c_str(), 0600);  // trustctl insists
    dir.write("verify.py", kVerifier);
    dir.write("payload.json", R"({"sub":"erp-sync","aud":"billing"})");
    REQUIRE(run({"ca", "create", "corp", "--passphrase-file", dir.file("ca.pass")}, 0).exit_code ==
            0);
  }
  RunResult run(std::vector<std::string> args, std::int64_t offset) {
    args.insert(args.begin(), {"--store", dir.file("store")});
    RunOptions o;
    o.env["TRUSTCTL_TEST_NOW"] = "@" + std::to_string(start + offset);
    RunResult r = runTrustctl(args, o);
    INFO(r.err);
    return r;
  }
  // Signs the payload at `offset`; returns the token file.
  std::string sign(const std::string& name, std::int64_t offset) {
    auto r = run({"signing", "sign", "--payload-file", dir.file("payload.json")}, offset);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return dir.write(name, r.out);
  }
  std::string jwks(const std::string& name, std::int64_t offset) {
    auto r = run({"signing", "jwks", "--out", dir.file(name)}, offset);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return dir.file(name);
  }
  RunResult verify(const std::string& jwks_file, const std::string& token_file) {
    return runProgram("/usr/bin/python3", {dir.file("verify.py"), jwks_file, token_file});
  }
  std::string activeKid(std::int64_t offset) {
    auto r = run({"--json", "signing", "status"}, offset);
    REQUIRE(r.exit_code == 0);
    auto status = nlohmann::json::parse(r.out);  // named: the loop must not outlive it
    for (const auto& k : status["keys"]) {
      if (k["state"] == "active") {
        return k["kid"];
      }
    }
    return "";
  }
  UnixTime start;
  TempDir dir;
};

}  // namespace

TEST_CASE("signing: tokens verify with jwcrypto from the exported JWKS across a rotation",
          "[signing][agent]") {
  SigningCli f;
  auto init = f.run({"signing", "init", "--passphrase-file", f.dir.file("ca.pass")}, 0);
  INFO(init.err);
  REQUIRE(init.exit_code == 0);
  CHECK(init.out.find("PRIVATE KEY") == std::string::npos);
  std::string old_kid = f.activeKid(0);
  REQUIRE_FALSE(old_kid.empty());

  std::string t0 = f.sign("t0.jws", 0);
  auto v0 = f.verify(f.jwks("jwks0.json", 0), t0);
  INFO(v0.out << v0.err);
  REQUIRE(v0.exit_code == 0);
  CHECK_THAT(v0.out, Catch::Contains("verified " + old_kid) && Catch::Contains("erp-sync"));
  // The file a server loads holds the same JWKS.
  CHECK(f.verify(f.dir.file("store") + "/current/signing/jwks.json", t0).exit_code == 0);

  auto rotate =
      f.run({"signing", "rotate", "--grace", "1h", "--passphrase-file", f.dir.file("ca.pass")}, 60);
  INFO(rotate.err);
  REQUIRE(rotate.exit_code == 0);
  CHECK(
      f.run({"signing", "rotate", "--grace", "1h", "--passphrase-file", f.dir.file("ca.pass")}, 70)
          .exit_code == 2);

  // Before the switch: the old key still signs, both keys are published.
  std::string before = f.jwks("jwks1.json", 60 + kGrace - 1);
  CHECK(nlohmann::json::parse(f.run({"signing", "jwks"}, 60 + kGrace - 1).out)["keys"].size() == 2);
  std::string t1 = f.sign("t1.jws", 60 + kGrace - 1);
  auto v1 = f.verify(before, t1);
  INFO(v1.out << v1.err);
  CHECK(v1.exit_code == 0);
  CHECK_THAT(v1.out, Catch::Contains("verified " + old_kid));

  // After the switch: the new key signs; the old key's tokens still verify in the grace.
  std::int64_t after = 60 + kGrace + 1;
  std::string new_kid = f.activeKid(after);
  REQUIRE(new_kid != old_kid);
  std::string jwks_after = f.jwks("jwks2.json", after);
  std::string t2 = f.sign("t2.jws", after);
  auto v2 = f.verify(jwks_after, t2);
  INFO(v2.out << v2.err);
  CHECK(v2.exit_code == 0);
  CHECK_THAT(v2.out, Catch::Contains("verified " + new_kid));
  CHECK(f.verify(jwks_after, t0).exit_code == 0);
  // A verifier that fetched the JWKS before the switch already knew the new key.
  CHECK(f.verify(before, t2).exit_code == 0);

  // Written to the store and its files by `signing advance`, as the agent does.
  auto advance = f.run({"signing", "advance"}, after);
  CHECK_THAT(advance.out, Catch::Contains("now signs"));
  CHECK(f.verify(f.dir.file("store") + "/current/signing/jwks.json", t2).exit_code == 0);
  auto pem = f.run({"signing", "pem"}, after);
  CHECK(pem.out.find("BEGIN CERTIFICATE") != std::string::npos);
  CHECK(pem.out.find("PRIVATE KEY") == std::string::npos);

  // After retirement the old key is gone: its tokens no longer verify, new ones do.
  std::int64_t retired = 60 + 2 * kGrace + 1;
  std::string jwks_retired = f.jwks("jwks3.json", retired);
  auto v3 = f.verify(jwks_retired, t0);
  INFO(v3.out);
  CHECK(v3.exit_code == 3);
  CHECK(f.verify(jwks_retired, t2).exit_code == 0);
  auto status = f.run({"signing", "status"}, retired);
  CHECK_THAT(status.out, Catch::Contains("due: ") && Catch::Contains("left the JWKS"));
}

TEST_CASE("signing: a tampered token is refused by jwcrypto", "[signing][agent]") {
  SigningCli f;
  REQUIRE(f.run({"signing", "init", "--passphrase-file", f.dir.file("ca.pass")}, 0).exit_code == 0);
  std::string token =
      f.run({"signing", "sign", "--payload-file", f.dir.file("payload.json")}, 0).out;
  // Another payload under the same header and signature.
  size_t first = token.find('.');
  size_t last = token.rfind('.');
  std::string forged = token.substr(0, first + 1) + "eyJzdWIiOiJhZG1pbiJ9" + token.substr(last);
  auto v = f.verify(f.jwks("jwks.json", 0), f.dir.write("forged.jws", forged));
  INFO(v.out);
  CHECK(v.exit_code == 4);
}

TEST_CASE("signing: usage errors are one line with exit code 2", "[signing][agent]") {
  SigningCli f;
  CHECK(f.run({"signing", "status"}, 0).exit_code == 2);  // no signing chain yet
  CHECK(f.run({"signing", "rotate", "--passphrase-file", f.dir.file("ca.pass")}, 0).exit_code == 2);
  REQUIRE(f.run({"signing", "init", "--passphrase-file", f.dir.file("ca.pass")}, 0).exit_code == 0);
  CHECK(f.run({"signing", "init", "--passphrase-file", f.dir.file("ca.pass")}, 0).exit_code == 2);
  auto bad_grace = f.run({"signing", "rotate", "--grace", "soon"}, 0);
  CHECK(bad_grace.exit_code == 2);
  CHECK(lineCount(bad_grace.err) == 1);
  auto wrong_pass = f.dir.write("wrong.pass", "not-it\n");
  ::chmod(wrong_pass.c_str(), 0600);
  CHECK(f.run({"signing", "rotate", "--passphrase-file", wrong_pass}, 0).exit_code == 2);
}

TEST_CASE("signing: RS256 keys (--key rsa) verify with jwcrypto too", "[signing][agent]") {
  SigningCli f;
  REQUIRE(f.run({"signing", "init", "--key", "rsa", "--passphrase-file", f.dir.file("ca.pass")}, 0)
              .exit_code == 0);
  std::string jwks = f.jwks("jwks.json", 0);
  auto doc = nlohmann::json::parse(f.run({"signing", "jwks"}, 0).out);
  REQUIRE(doc["keys"].size() == 1);
  CHECK(doc["keys"][0]["alg"] == "RS256");
  CHECK(doc["keys"][0]["kty"] == "RSA");
  auto v = f.verify(jwks, f.sign("rsa.jws", 0));
  INFO(v.out << v.err);
  CHECK(v.exit_code == 0);
  // A rotation keeps the algorithm verifiers were configured for.
  REQUIRE(
      f.run({"signing", "rotate", "--grace", "0", "--passphrase-file", f.dir.file("ca.pass")}, 10)
          .exit_code == 0);
  auto after = nlohmann::json::parse(f.run({"signing", "jwks"}, 11).out);
  for (const auto& k : after["keys"]) {
    CHECK(k["alg"] == "RS256");
  }
  CHECK(f.verify(f.jwks("jwks2.json", 11), f.sign("rsa2.jws", 11)).exit_code == 0);
}
