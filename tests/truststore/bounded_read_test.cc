// Bounded reads and safe output files (file_util.h, output_file.h): a FIFO never blocks,
// a device never streams forever, a link is followed only where a user named the path, every
// read stops at its cap, and an output never goes through a link or over a device.
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <filesystem>

#include <catch2/catch.hpp>

#include "tests/support/test_pki.h"
#include "truststore/file_util.h"
#include "truststore/output_file.h"

using namespace trustctl;
using namespace trustctl::truststore;
using namespace trustctl::testing;

namespace {

std::string contentOf(const std::string& path) {
  auto r = readUserFile(path, 1 << 20, "a test file");
  REQUIRE(r);
  return *r;
}

}  // namespace

TEST_CASE("FileUtil: reads refuse what is not a regular file, at once", "[truststore]") {
  TempDir dir;
  std::string fifo = dir.file("fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  SECTION("a FIFO with no writer does not block") {
    auto user = readUserFile(fifo, 4096, "a password file");
    REQUIRE_FALSE(user);
    CHECK(user.error().code == ErrorCode::NotARegularFile);
    CHECK_THAT(user.error().message, Catch::StartsWith(fifo + ": is a FIFO"));
    auto store = readWholeFile(fifo);
    REQUIRE_FALSE(store);
    CHECK(store.error().code == ErrorCode::NotARegularFile);
  }
  SECTION("a character device such as /dev/zero") {
    auto r = readUserFile("/dev/zero", 4096, "a password file");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::NotARegularFile);
  }
  SECTION("a directory") {
    auto r = readUserFile(dir.path(), 4096, "a certificate file");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::IsDirectory);
  }
  SECTION("a missing file") {
    auto r = readUserFile(dir.file("nope"), 4096, "a certificate file");
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::FileNotFound);
  }
}

TEST_CASE("FileUtil: user paths follow links to regular files, store files never do",
          "[truststore]") {
  TempDir dir;
  std::string target = dir.write("real.txt", "content\n");
  std::string link = dir.file("link.txt");
  REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
  CHECK(contentOf(link) == "content\n");
  auto store = readWholeFile(link);
  REQUIRE_FALSE(store);
  CHECK(store.error().code == ErrorCode::NotARegularFile);
  CHECK_THAT(store.error().message, Catch::Contains("symbolic link"));
  std::string fifo = dir.file("fifo");
  REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
  std::string to_fifo = dir.file("to-fifo");
  REQUIRE(::symlink(fifo.c_str(), to_fifo.c_str()) == 0);
  auto through = readUserFile(to_fifo, 4096, "a password file");
  REQUIRE_FALSE(through);
  CHECK(through.error().code == ErrorCode::NotARegularFile);
}

TEST_CASE("FileUtil: a read stops at its cap", "[truststore]") {
  TempDir dir;
  std::string exact = dir.write("exact", std::string(4096, 'a'));
  std::string over = dir.write("over", std::string(4097, 'a'));
  auto ok = readUserFile(exact, 4096, "a password file");
  REQUIRE(ok);
  CHECK(ok->size() == 4096);
  auto big = readUserFile(over, 4096, "a password file");
  REQUIRE_FALSE(big);
  CHECK(big.error().code == ErrorCode::FileTooLarge);
  CHECK_THAT(big.error().message, Catch::Contains("4 KiB"));
  auto store = readWholeFile(over, 100);
  REQUIRE_FALSE(store);
  CHECK(store.error().code == ErrorCode::FileTooLarge);
}

TEST_CASE("OutputFile: replaces regular files only, never through a link", "[truststore]") {
  TempDir dir;
  SECTION("a new file gets exactly the mode asked for, whatever the umask") {
    mode_t old = ::umask(0);
    std::string out = dir.file("new.p12");
    auto r = writeOutputFile(out, "secret", 0600);
    ::umask(old);
    REQUIRE(r);
    struct stat st {};
    REQUIRE(::stat(out.c_str(), &st) == 0);
    CHECK((st.st_mode & 07777) == 0600);
    CHECK(contentOf(out) == "secret");
  }
  SECTION("an existing regular file is replaced whole") {
    std::string out = dir.write("old.txt", "old content that is longer");
    REQUIRE(writeOutputFile(out, "new", 0644));
    CHECK(contentOf(out) == "new");
  }
  SECTION("an existing symbolic link is refused and its target untouched") {
    std::string target = dir.write("victim.txt", "keep me");
    std::string link = dir.file("out.p12");
    REQUIRE(::symlink(target.c_str(), link.c_str()) == 0);
    auto r = writeOutputFile(link, "secret", 0600);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::NotARegularFile);
    CHECK_THAT(r.error().message, Catch::StartsWith(link + ": is a symbolic link"));
    CHECK(contentOf(target) == "keep me");
    struct stat st {};
    REQUIRE(::lstat(link.c_str(), &st) == 0);
    CHECK(S_ISLNK(st.st_mode));
  }
  SECTION("a FIFO is refused without blocking and stays a FIFO") {
    std::string fifo = dir.file("record.jsonl");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    auto r = writeOutputFile(fifo, "x", 0644);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::NotARegularFile);
    struct stat st {};
    REQUIRE(::lstat(fifo.c_str(), &st) == 0);
    CHECK(S_ISFIFO(st.st_mode));
  }
  SECTION("a directory is refused") {
    auto r = writeOutputFile(dir.path(), "x", 0644);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::IsDirectory);
  }
  SECTION("a device node (a /dev/full twin, made as root) is refused and stays a device") {
    if (::geteuid() != 0) {
      WARN("not root: mknod needs root; the FIFO section covers the same check");
      return;
    }
    std::string dev = dir.file("full");
    REQUIRE(::mknod(dev.c_str(), S_IFCHR | 0666, makedev(1, 7)) == 0);
    auto r = writeOutputFile(dev, "x", 0600);
    REQUIRE_FALSE(r);
    CHECK(r.error().code == ErrorCode::NotARegularFile);
    struct stat st {};
    REQUIRE(::lstat(dev.c_str(), &st) == 0);
    CHECK(S_ISCHR(st.st_mode));
  }
  // No temporary file is left behind in any case.
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    CHECK(e.path().filename().string().find(".tmp-") == std::string::npos);
  }
}
