// Every bad input gives one line naming the file and what is wrong, exit code 2, and leaves
// the store exactly as it was.
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "tests/support/cli_runner.h"
#include "tests/support/test_pki.h"

using namespace trustctl::testing;

namespace {

struct Fixture {
  TempDir dir;
  TestPki pki{trustctl::wallClockNow()};
  TestPki::Chain chain = pki.makeChain("Bad");
  std::string store = dir.file("store");

  Fixture() {
    // A store with content, so "unchanged" means something.
    std::string root = dir.write("root.pem", toPem({chain.root.cert}));
    REQUIRE(runTrustctl({"--store", store, "import", root, "--name", "existing"}).exit_code == 0);
    REQUIRE(runTrustctl({"--store", store, "connector", "create", "api"}).exit_code == 0);
  }

  // Runs an import of `path` and checks the contract; returns stderr.
  std::string importFails(const std::vector<std::string>& extra, const std::string& must_name,
                          const RunOptions& options = {}) {
    std::string before = treeFingerprint(store);
    std::vector<std::string> args{"--store", store, "import"};
    args.insert(args.end(), extra.begin(), extra.end());
    RunResult r = runTrustctl(args, options);
    INFO("stderr: " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(lineCount(r.err) == 1);
    CHECK_THAT(r.err, Catch::Contains(must_name));
    CHECK(treeFingerprint(store) == before);
    return r.err;
  }
};

}  // namespace

TEST_CASE("Bad input: each broken file gets one clear line and exit 2", "[agent][bad-input]") {
  Fixture f;
  SECTION("empty file") {
    f.importFails({f.dir.write("empty.pem", "")}, "empty.pem");
  }
  SECTION("truncated PEM") {
    std::string pem = toPem({f.chain.leaf.cert});
    f.importFails({f.dir.write("cut.pem", pem.substr(0, pem.size() / 2))}, "cut.pem");
  }
  SECTION("garbage bytes") {
    std::string junk;
    for (int i = 0; i < 4096; ++i) {
      junk += static_cast<char>((i * 7919) & 0xff);
    }
    f.importFails({f.dir.write("junk.bin", junk)}, "junk.bin");
  }
  SECTION("a 50 MB file") {
    std::string big = f.dir.file("big.pem");
    REQUIRE(truncate(f.dir.write("big.pem", "x").c_str(), 50LL * 1024 * 1024) == 0);
    f.importFails({big}, "big.pem");
  }
  SECTION("wrong PKCS#12 password, which never appears in the output") {
    std::string p12 =
        f.dir.write("id.p12", toPkcs12(f.chain.leaf.key, {f.chain.leaf.cert}, "right-one"));
    std::string pw = f.dir.write("pw.txt", "Wr0ngSecret\n");
    auto err = f.importFails({p12, "--password-file", pw}, "id.p12");
    CHECK(err.find("Wr0ngSecret") == std::string::npos);
  }
  SECTION("wrong PKCS#12 password from an environment variable") {
    std::string p12 =
        f.dir.write("id.p12", toPkcs12(f.chain.leaf.key, {f.chain.leaf.cert}, "right-one"));
    RunOptions env;
    env.env["P12_PASS"] = "AlsoWr0ng";
    auto err = f.importFails({p12, "--password-env", "P12_PASS"}, "id.p12", env);
    CHECK(err.find("AlsoWr0ng") == std::string::npos);
  }
  SECTION("PKCS#12 with no certificate") {
    f.importFails({f.dir.write("keyonly.p12", toPkcs12KeyOnly(f.chain.leaf.key, "pw")),
                   "--password-env", "PW"},
                  "keyonly.p12", RunOptions{{{"PW", "pw"}}, "", -1});
  }
  SECTION("a key that does not match its certificate") {
    std::string file =
        f.dir.write("mismatch.pem", toPem({f.chain.leaf.cert}) + keyPem(f.chain.root.key));
    f.importFails({file}, "mismatch.pem");
  }
  SECTION("a separate --key that does not match") {
    std::string cert = f.dir.write("leaf.pem", toPem({f.chain.leaf.cert}));
    std::string key = f.dir.write("other.key", keyPem(f.chain.root.key));
    f.importFails({cert, "--key", key, "--name", "leaf"}, "other.key");
  }
  SECTION("a private key where a certificate was expected") {
    f.importFails({f.dir.write("key.pem", keyPem(f.chain.leaf.key))}, "key.pem");
    f.importFails({f.dir.write("key.der", keyDer(f.chain.leaf.key))}, "key.der");
  }
  SECTION("a duplicate name") {
    f.importFails(
        {f.dir.write("other.pem", toPem({f.chain.intermediate.cert})), "--name", "existing"},
        "existing");
  }
  SECTION("the same certificate under another name") {
    f.importFails({f.dir.write("again.pem", toPem({f.chain.root.cert})), "--name", "again"},
                  "existing");
  }
  SECTION("an invalid name") {
    f.importFails({f.dir.write("ok.pem", toPem({f.chain.leaf.cert})), "--name", "Bad Name!"},
                  "Bad Name!");
  }
  SECTION("a path that does not exist") {
    f.importFails({f.dir.file("missing.pem")}, "missing.pem");
  }
  SECTION("a directory") {
    f.importFails({f.dir.path()}, f.dir.path());
  }
  SECTION("a PKCS#12 without a key imported as an identity") {
    std::string p12 = f.dir.write("certs.p12", toPkcs12(nullptr, {f.chain.leaf.cert}, "pw"));
    f.importFails({p12, "--identity", "--password-env", "PW"}, "certs.p12",
                  RunOptions{{{"PW", "pw"}}, "", -1});
  }
}

TEST_CASE("Bad input: connector commands fail cleanly and change nothing", "[agent][bad-input]") {
  Fixture f;
  std::string before = treeFingerprint(f.store);
  auto r = runTrustctl({"--store", f.store, "connector", "trust", "api", "no-such-entry"});
  CHECK(r.exit_code == 2);
  CHECK_THAT(r.err, Catch::Contains("no-such-entry"));
  r = runTrustctl({"--store", f.store, "connector", "trust", "nope", "existing"});
  CHECK(r.exit_code == 2);
  r = runTrustctl({"--store", f.store, "connector", "create", "UPPER"});
  CHECK(r.exit_code == 2);
  r = runTrustctl({"--store", f.store, "remove", "missing"});
  CHECK(r.exit_code == 2);
  r = runTrustctl({"--store", f.store, "frobnicate"});
  CHECK(r.exit_code == 2);
  CHECK(treeFingerprint(f.store) == before);
}

TEST_CASE("Bad input: one certificate imported under three names is refused twice",
          "[agent][bad-input]") {
  Fixture f;
  std::string pw = f.dir.write("pw.txt", "pfx-pass\n");
  std::string p12 = f.dir.write(
      "client.p12",
      toPkcs12(f.chain.leaf.key, {f.chain.leaf.cert, f.chain.intermediate.cert}, "pfx-pass"));
  REQUIRE(
      runTrustctl({"--store", f.store, "import", p12, "--name", "as-pfx", "--password-file", pw})
          .exit_code == 0);
  SECTION("the same identity as PEM certificate + key") {
    std::string cert = f.dir.write("client.crt", toPem({f.chain.leaf.cert}));
    std::string key = f.dir.write("client.key", keyPem(f.chain.leaf.key));
    f.importFails({cert, "--key", key, "--name", "as-pem"}, "'as-pfx'");
  }
  SECTION("the identity's certificate alone") {
    f.importFails({f.dir.write("leaf.pem", toPem({f.chain.leaf.cert})), "--name", "alone"},
                  "'as-pfx'");
  }
  SECTION("an identity whose certificate is already a plain entry") {
    RunResult r = runTrustctl({"--store", f.store, "remove", "as-pfx"});
    REQUIRE(r.exit_code == 0);
    REQUIRE(runTrustctl({"--store", f.store, "import",
                         f.dir.write("leaf.pem", toPem({f.chain.leaf.cert})), "--name", "plain"})
                .exit_code == 0);
    f.importFails({p12, "--name", "as-pfx-again", "--password-file", pw}, "'plain'");
  }
  SECTION("a CA certificate shared with a chain is fine: the root alone, and a chain with it") {
    // `existing` holds the root alone; the PKCS#12 holds the intermediate. A server chain
    // bringing both CAs along is normal, and so is trusting the intermediate on its own.
    RunResult r =
        runTrustctl({"--store", f.store, "import",
                     f.dir.write("ica.pem", toPem({f.chain.intermediate.cert})), "--name", "ica"});
    CHECK(r.exit_code == 0);
    TestPki::Chain other = f.pki.makeChain("Other");
    std::string chain_pem = toPem({other.leaf.cert, f.chain.intermediate.cert, f.chain.root.cert});
    r = runTrustctl(
        {"--store", f.store, "import", f.dir.write("chain.pem", chain_pem), "--name", "srv"});
    INFO(r.err);
    CHECK(r.exit_code == 0);
  }
}
