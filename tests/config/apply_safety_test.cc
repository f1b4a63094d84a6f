// trustctl apply against hostile or careless input (issue 12): a path that is not a config
// file, a --prune that would remove without asking or empty the store, numbers that are not
// finite, configs built to exhaust the parser, and on_change commands in a file that others
// may write. Each is one clear line, a documented exit code and an unchanged store.
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include <catch2/catch.hpp>

#include "tests/config/apply_fixture.h"
#include "tests/support/cli_runner.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

const char* kOne = R"(
[entries.corp-root]
file = "root.pem"
[connectors.erp]
trust = ["corp-root"]
)";

// The store is exactly as it was and the refusal is one line with the expected exit code.
void checkRefused(ApplyFixture& f, const RunResult& r, int exit_code, const std::string& before) {
  INFO(r.out << r.err);
  CHECK(r.exit_code == exit_code);
  CHECK(lineCount(r.err) == 1);
  CHECK(treeFingerprint(f.store()) == before);
}

}  // namespace

TEST_CASE("apply: a directory or a FIFO is not read as an empty config", "[config][bad-input]") {
  ApplyFixture f;
  REQUIRE(f.apply(kOne).exit_code == 0);
  std::string before = treeFingerprint(f.store());
  SECTION("a directory: is_directory, nothing pruned") {
    auto r = f.run({"--json", "apply", f.dir.path(), "--prune", "--yes"});
    checkRefused(f, r, 2, before);
    CHECK_THAT(r.out, Catch::Contains("\"is_directory\""));
  }
  SECTION("a FIFO: refused at once, never waited on") {
    std::string fifo = f.dir.file("config.fifo");
    REQUIRE(::mkfifo(fifo.c_str(), 0600) == 0);
    auto r = f.run({"apply", fifo, "--prune", "--yes"});
    checkRefused(f, r, 2, before);
    CHECK_THAT(r.err, Catch::Contains("not a regular file"));
  }
  SECTION("a missing file") {
    auto r = f.run({"apply", f.dir.file("nope.toml"), "--prune", "--yes"});
    checkRefused(f, r, 2, before);
  }
}

TEST_CASE("apply --prune: removals need --yes off a terminal, and an empty file --allow-empty",
          "[config][agent]") {
  ApplyFixture f;
  REQUIRE(f.run({"connector", "create", "legacy"}).exit_code == 0);
  std::string before = treeFingerprint(f.store());
  SECTION("no terminal and no --yes: confirmation_required, store unchanged") {
    auto r = f.apply(kOne, {"--prune", "--json"});
    checkRefused(f, r, 2, before);
    CHECK_THAT(r.out, Catch::Contains("\"confirmation_required\""));
    CHECK_THAT(r.err, Catch::Contains("legacy") && Catch::Contains("existing") &&
                          Catch::Contains("--yes"));
  }
  SECTION("with --yes: removed") {
    auto r = f.apply(kOne, {"--prune", "--yes"});
    CHECK(r.exit_code == 0);
    CHECK(f.run({"connector", "show", "legacy"}).exit_code == 2);
    CHECK(f.run({"show", "existing"}).exit_code == 2);
  }
  SECTION("nothing to remove: no confirmation needed") {
    REQUIRE(f.apply(kOne, {"--prune", "--yes"}).exit_code == 0);
    auto r = f.apply(kOne, {"--prune"});
    CHECK(r.exit_code == 0);
    CHECK_THAT(r.out, Catch::Contains("No changes"));
  }
  SECTION("a file that declares nothing: refused even with --yes, unless --allow-empty") {
    auto r = f.apply("# nothing here\n", {"--prune", "--yes", "--json"});
    checkRefused(f, r, 2, before);
    CHECK_THAT(r.out, Catch::Contains("\"prune_would_empty\""));
    CHECK_THAT(r.err, Catch::Contains("--allow-empty"));
    auto dry = f.apply("# nothing here\n", {"--prune", "--dry-run"});
    checkRefused(f, dry, 2, before);
    auto emptied = f.apply("# nothing here\n", {"--prune", "--yes", "--allow-empty"});
    CHECK(emptied.exit_code == 0);
    CHECK(f.run({"show", "existing"}).exit_code == 2);
  }
}

TEST_CASE("apply --prune on a terminal: shows the removals and asks; no keeps the store",
          "[config][agent]") {
  // util-linux script(1) gives the child a real terminal and feeds it our standard input.
  if (::access("/usr/bin/script", X_OK) != 0) {
    WARN("no /usr/bin/script: the terminal prompt is not tested");
    return;
  }
  ApplyFixture f;
  REQUIRE(f.run({"connector", "create", "legacy"}).exit_code == 0);
  std::string path = f.dir.write("trustctl.toml", kOne);
  std::string command = trustctlPath() + " --store " + f.store() + " apply " + path + " --prune";
  auto onTerminal = [&](const std::string& answer) {
    RunOptions o;
    o.stdin_data = answer;
    return runProgram("/usr/bin/script", {"-q", "-e", "-c", command, "/dev/null"}, o);
  };
  std::string before = treeFingerprint(f.store());
  auto no = onTerminal("n\n");
  INFO(no.out);
  CHECK(no.exit_code == 1);
  CHECK_THAT(no.out, Catch::Contains("- remove connector legacy") &&
                         Catch::Contains("Remove entry existing and connector legacy? [y/N]") &&
                         Catch::Contains("Nothing changed."));
  CHECK(treeFingerprint(f.store()) == before);
  auto yes = onTerminal("y\n");
  INFO(yes.out);
  CHECK(yes.exit_code == 0);
  CHECK(f.run({"connector", "show", "legacy"}).exit_code == 2);
}

TEST_CASE("apply and global options: nan, inf and out-of-range numbers are refused",
          "[config][bad-input]") {
  ApplyFixture f;
  std::string before = treeFingerprint(f.store());
  for (const char* value : {"nan", "+nan", "-nan", "inf", "-inf", "-1.0", "1e300"}) {
    INFO(value);
    auto r = f.apply(std::string("[agent]\nprobe_timeout_seconds = ") + value + "\n");
    checkRefused(f, r, 2, before);
    CHECK_THAT(r.err,
               Catch::Contains("trustctl.toml:2:") && Catch::Contains("probe_timeout_seconds"));
  }
  auto huge = f.apply("[agent]\nmax_parallel_probes = 99999999999999999999\n");
  checkRefused(f, huge, 2, before);
  auto negative = f.apply("[connectors.erp]\nprobe_interval_seconds = -5\n");
  checkRefused(f, negative, 2, before);
  for (std::vector<std::string> args : std::vector<std::vector<std::string>>{
           {"--lock-timeout", "nan", "list"},
           {"--lock-timeout", "inf", "list"},
           {"--lock-timeout", "-1", "list"},
           {"--expiring-days", "nan", "list"},
           {"probe", "https://127.0.0.1:1/", "--timeout", "nan"},
           {"probe", "https://127.0.0.1:1/", "--timeout", "inf"},
           {"probe", "https://127.0.0.1:1/", "--parallel", "nan"},
           {"log", "-n", "nan"},
       }) {
    auto r = f.run(args);
    INFO(args[0] << " " << args[1] << " -> " << r.err);
    CHECK(r.exit_code == 2);
    CHECK(lineCount(r.err) == 1);
  }
}

TEST_CASE("apply: configs built to exhaust the parser are config_invalid, never a crash",
          "[config][bad-input]") {
  ApplyFixture f;
  std::string before = treeFingerprint(f.store());
  auto expectInvalid = [&](const std::string& toml, const std::string& where) {
    auto r = f.apply(toml, {"--json"});
    checkRefused(f, r, 2, before);
    CHECK(r.signal == 0);
    CHECK_THAT(r.out, Catch::Contains("\"config_invalid\""));
    CHECK_THAT(r.err, Catch::Contains("trustctl.toml:" + where));
  };
  SECTION("100,000 dotted keys") {
    std::string toml;
    for (int i = 0; i < 100000; ++i) {
      toml += "connectors.c" + std::to_string(i) + ".note = \"x\"\n";
    }
    expectInvalid(toml, "50001:");
  }
  SECTION("one key of 100,000 dotted parts") {
    std::string key = "a";
    for (int i = 0; i < 100000; ++i) {
      key += ".a";
    }
    expectInvalid(key + " = 1\n", "1:");
  }
  SECTION("a table header 100,000 levels deep") {
    std::string key = "connectors";
    for (int i = 0; i < 100000; ++i) {
      key += ".x";
    }
    expectInvalid("[" + key + "]\nnote = \"x\"\n", "1:");
  }
  SECTION("nested arrays and inline tables") {
    expectInvalid(
        "[connectors.erp]\ntargets = " + std::string(5000, '[') + std::string(5000, ']') + "\n",
        "2:");
    std::string inline_tables;
    for (int i = 0; i < 5000; ++i) {
      inline_tables += "{ a = ";
    }
    inline_tables += "1" + std::string(5000, '}');
    expectInvalid("x = " + inline_tables + "\n", "1:");
  }
  SECTION("over the size cap") {
    std::string toml = "# " + std::string(5u << 20, 'x') + "\n";
    auto r = f.apply(toml, {"--json"});
    checkRefused(f, r, 2, before);
    CHECK_THAT(r.err, Catch::Contains("MiB limit"));
  }
}

TEST_CASE("apply: on_change in a config others can write is refused", "[config][bad-input]") {
  ApplyFixture f;
  std::string toml = std::string(kOne) + "on_change = \"true\"\n";
  std::string path = f.dir.write("trustctl.toml", toml);
  std::string before = treeFingerprint(f.store());
  SECTION("group- or world-writable") {
    for (mode_t mode : {0666, 0620, 0602}) {
      REQUIRE(::chmod(path.c_str(), mode) == 0);
      auto r = f.run({"--json", "apply", path});
      checkRefused(f, r, 2, before);
      CHECK_THAT(r.out, Catch::Contains("\"config_unsafe\""));
      CHECK_THAT(r.err, Catch::Contains(path) && Catch::Contains("on_change") &&
                            Catch::Contains("chmod go-w"));
    }
    REQUIRE(::chmod(path.c_str(), 0644) == 0);
    CHECK(f.run({"apply", path}).exit_code == 0);
  }
  SECTION("owned by another user") {
    if (::geteuid() != 0) {
      WARN("not root: cannot give the file to another user");
      return;
    }
    REQUIRE(::chmod(path.c_str(), 0644) == 0);
    REQUIRE(::chown(path.c_str(), 65534, 65534) == 0);
    auto r = f.run({"apply", path});
    checkRefused(f, r, 2, before);
    CHECK_THAT(r.err, Catch::Contains("uid 65534"));
  }
  SECTION("in a folder others can change") {
    std::string folder = f.dir.file("shared");
    REQUIRE(::mkdir(folder.c_str(), 0755) == 0);
    REQUIRE(::chmod(folder.c_str(), 0777) == 0);  // not sticky: anyone may swap the file
    std::string inside = folder + "/trustctl.toml";
    REQUIRE(::rename(path.c_str(), inside.c_str()) == 0);
    // The config names root.pem relative to its own folder.
    std::filesystem::copy_file(f.dir.file("root.pem"), folder + "/root.pem");
    REQUIRE(::chmod(inside.c_str(), 0644) == 0);
    auto r = f.run({"apply", inside});
    checkRefused(f, r, 2, before);
    CHECK_THAT(r.err, Catch::Contains(folder) && Catch::Contains("swap"));
    REQUIRE(::chmod(folder.c_str(), 0755) == 0);
    CHECK(f.run({"apply", inside}).exit_code == 0);
  }
  SECTION("without on_change a group-writable file is fine") {
    std::string plain = f.dir.write("plain.toml", kOne);
    REQUIRE(::chmod(plain.c_str(), 0664) == 0);
    CHECK(f.run({"apply", plain}).exit_code == 0);
  }
}
