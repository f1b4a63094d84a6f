// The real binary on hostile paths (issue 12): a FIFO, a device or an oversized file given as
// input is refused at once with one line and exit 2; an output path that is a link, a FIFO
// or a device is refused and left as it was; and the store is unchanged either way.
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include "tests/support/cli_runner.h"
#include "tests/support/test_pki.h"
#include "truststore/file_util.h"

using namespace trustctl::testing;

namespace {

// Before the fix these commands blocked (FIFO) or read without end (/dev/zero); the kill
// keeps such a regression from hanging the suite, and shows as a failed exit code.
constexpr int kKillAfterUs = 2'500'000;

struct Fixture {
  TempDir dir;
  TestPki pki{trustctl::wallClockNow()};
  TestPki::Chain chain = pki.makeChain("Bounds");
  std::string store = dir.file("store");
  std::string fifo = dir.file("pipe");

  Fixture() {
    std::string root = dir.write("root.pem", toPem({chain.root.cert}));
    REQUIRE(runTrustctl({"--store", store, "import", root, "--name", "existing"}).exit_code == 0);
    REQUIRE(runTrustctl({"--store", store, "connector", "create", "api"}).exit_code == 0);
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  }

  // Runs `args` against the store and checks the bad-input contract; returns stderr.
  std::string fails(std::vector<std::string> args, const std::string& must_name,
                    const std::string& code) {
    std::string before = treeFingerprint(store);
    args.insert(args.begin(), {"--store", store, "--json"});
    RunOptions options;
    options.kill_after_us = kKillAfterUs;
    RunResult r = runTrustctl(args, options);
    INFO("stderr: " << r.err);
    CHECK(r.signal == 0);
    CHECK(r.exit_code == 2);
    CHECK(lineCount(r.err) == 1);
    CHECK_THAT(r.err, Catch::Contains(must_name));
    CHECK_THAT(r.out, Catch::Contains("\"" + code + "\""));
    CHECK(treeFingerprint(store) == before);
    return r.err;
  }
};

bool isFifo(const std::string& path) {
  struct stat st {};
  return ::lstat(path.c_str(), &st) == 0 && S_ISFIFO(st.st_mode);
}

}  // namespace

TEST_CASE("Input bounds: a FIFO or device as input is refused at once", "[agent][bad-input]") {
  Fixture f;
  SECTION("a FIFO as the certificate file") {
    f.fails({"import", f.fifo, "--name", "piped"}, f.fifo, "not_a_regular_file");
  }
  SECTION("/dev/zero as the certificate file") {
    f.fails({"import", "/dev/zero", "--name", "zero"}, "/dev/zero", "not_a_regular_file");
  }
  SECTION("a FIFO as --password-file names the FIFO, not a missing password") {
    std::string p12 =
        f.dir.write("id.p12", toPkcs12(f.chain.leaf.key, {f.chain.leaf.cert}, "pw-1"));
    f.fails({"import", p12, "--password-file", f.fifo}, f.fifo, "not_a_regular_file");
  }
  SECTION("/dev/zero as --password-file") {
    std::string p12 =
        f.dir.write("id.p12", toPkcs12(f.chain.leaf.key, {f.chain.leaf.cert}, "pw-1"));
    f.fails({"import", p12, "--password-file", "/dev/zero"}, "/dev/zero", "not_a_regular_file");
  }
  SECTION("a password file over the 4 KiB cap") {
    std::string p12 =
        f.dir.write("id.p12", toPkcs12(f.chain.leaf.key, {f.chain.leaf.cert}, "pw-1"));
    std::string pw = f.dir.write("huge.txt", std::string(5000, 'p'));
    f.fails({"import", p12, "--password-file", pw}, "huge.txt", "file_too_large");
  }
  SECTION("/dev/zero as --bind-password-file") {
    f.fails({"probe", "ldaps://127.0.0.1:1", "--bind-dn", "cn=x", "--bind-password-file",
             "/dev/zero", "--timeout", "2"},
            "/dev/zero", "not_a_regular_file");
  }
  SECTION("/dev/zero and a FIFO as --replay") {
    f.fails({"probe", "--replay", "/dev/zero", "--connector", "api"}, "/dev/zero",
            "not_a_regular_file");
    f.fails({"probe", "--replay", f.fifo, "--connector", "api"}, f.fifo, "not_a_regular_file");
  }
}

TEST_CASE("Input bounds: a symbolic link to a regular file is still a fine input",
          "[agent][bad-input]") {
  Fixture f;
  std::string real = f.dir.write("leaf.pem", toPem({f.chain.leaf.cert}));
  std::string link = f.dir.file("leaf-link.pem");
  REQUIRE(::symlink(real.c_str(), link.c_str()) == 0);
  auto r = runTrustctl({"--store", f.store, "import", link, "--name", "via-link"});
  INFO(r.err);
  CHECK(r.exit_code == 0);
}

TEST_CASE("Input bounds: output files never go through a link, a FIFO or a device",
          "[agent][bad-input]") {
  Fixture f;
  std::string p12 = f.dir.write("id.p12", toPkcs12(f.chain.leaf.key, {f.chain.leaf.cert}, "in"));
  std::string pw = f.dir.write("pw.txt", "in\n");
  REQUIRE(
      runTrustctl({"--store", f.store, "import", p12, "--name", "client", "--password-file", pw})
          .exit_code == 0);
  SECTION("export-identity -o an existing symbolic link") {
    std::string victim = f.dir.write("victim.txt", "keep me");
    std::string link = f.dir.file("out.p12");
    REQUIRE(::symlink(victim.c_str(), link.c_str()) == 0);
    f.fails({"export-identity", "client", "-o", link, "--password-file", pw}, link,
            "not_a_regular_file");
    auto kept = trustctl::truststore::readUserFile(victim, 100, "the victim");
    REQUIRE(kept);
    CHECK(*kept == "keep me");
  }
  SECTION("export-identity -o a FIFO") {
    f.fails({"export-identity", "client", "-o", f.fifo, "--password-file", pw}, f.fifo,
            "not_a_regular_file");
    CHECK(isFifo(f.fifo));
  }
  SECTION("export-identity -o a device node (as root: a /dev/full twin in the temp dir)") {
    if (::geteuid() != 0) {
      WARN("not root: mknod needs root; the FIFO section covers the same check");
      return;
    }
    std::string dev = f.dir.file("full");
    REQUIRE(::mknod(dev.c_str(), S_IFCHR | 0666, makedev(1, 7)) == 0);
    f.fails({"export-identity", "client", "-o", dev, "--password-file", pw}, dev,
            "not_a_regular_file");
    struct stat st {};
    REQUIRE(::lstat(dev.c_str(), &st) == 0);
    CHECK(S_ISCHR(st.st_mode));
  }
  SECTION("probe --record a FIFO") {
    RunOptions options;
    options.kill_after_us = kKillAfterUs;
    RunResult r = runTrustctl({"--store", f.store, "probe", "https://127.0.0.1:1/", "--timeout",
                               "2", "--no-aia", "--no-system-catalog", "--record", f.fifo},
                              options);
    INFO(r.err);
    CHECK(r.signal == 0);
    CHECK(r.exit_code == 2);
    CHECK_THAT(r.err, Catch::Contains(f.fifo));
    CHECK(isFifo(f.fifo));
  }
}
