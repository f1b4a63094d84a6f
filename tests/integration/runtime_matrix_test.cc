// The runtime differential matrix (issue 14): trustctl's model of each connector runtime is
// checked against the real runtime, not asserted. Every runtime on the machine (the example
// connector on the runtime library, openssl, curl, Java, Python, Node, libldap, Go) runs its
// real client with a connector's exported files against real servers on 127.0.0.1, over
// trust (root / intermediate / both / server pin / nothing) x faults. Each cell compares trustctl's
// predicted verdict (judgeAsRuntime) with what the runtime did; the table goes to the test
// log and to runtime-matrix.md beside the test binary (README.md, "Runtime matrix", shows it).
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <sstream>

#include <catch2/catch.hpp>

#include "tests/support/runtime_matrix.h"
#include "truststore/time_util.h"

using namespace trustctl;
using namespace trustctl::testing;
using truststore::ConnectorRuntime;

namespace {

// The matrix runs once per test binary run; both test cases read it.
struct Run {
  RuntimeMatrix matrix{wallClockNow()};
  TempDir work;
  MatrixResult result;
  double setup_seconds = 0;
};

std::string besideTestBinary(const std::string& name) {
  std::error_code ec;
  auto exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  return (ec ? std::filesystem::current_path() : exe.parent_path()) / name;
}

// With TRUSTCTL_MATRIX_README=PATH, the section between the markers in PATH is replaced by this
// run's (or appended when PATH has none).
void rewriteReadme(const std::string& section) {
  const char* path = std::getenv("TRUSTCTL_MATRIX_README");
  if (path == nullptr || *path == '\0') {
    return;
  }
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  std::string readme = text.str();
  size_t begin = readme.find(kReadmeBegin);
  size_t end = readme.find(kReadmeEnd);
  if (begin != std::string::npos && end != std::string::npos && end > begin) {
    size_t after = readme.find('\n', end);
    readme.replace(begin, (after == std::string::npos ? readme.size() : after + 1) - begin,
                   section);
  } else {
    readme += "\n" + section;
  }
  std::ofstream(path) << readme;
  std::cout << "(README section rewritten in " << path << ")\n";
}

Run& matrixRun() {
  static std::unique_ptr<Run> run;
  if (!run) {
    auto start = std::chrono::steady_clock::now();
    auto fresh = std::make_unique<Run>();
    fresh->setup_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ClientTools tools{TRUSTCTL_SOURCE_DIR, TRUSTCTL_EXAMPLE_CONNECTOR, fresh->work.path()};
    fresh->result = runRuntimeMatrix(fresh->matrix, tools);
    std::string table = matrixTable(fresh->matrix, fresh->result);
    std::string details = matrixDisagreements(fresh->matrix, fresh->result);
    std::cout << "\nRuntime matrix (setup " << fresh->setup_seconds << " s, clients "
              << fresh->result.seconds << " s):\n\n"
              << table << "\n"
              << (details.empty() ? "No disagreement.\n" : "Disagreements:\n" + details)
              << std::flush;
    std::string path = besideTestBinary("runtime-matrix.md");
    std::ofstream(path) << table << "\n"
                        << details << "\nEvery cell (row, runtime, host, real, predicted, the "
                        << "client's message):\n\n"
                        << matrixCellLog(fresh->matrix, fresh->result);
    std::cout << "(written to " << path << ")\n";
    rewriteReadme(matrixReadmeSection(fresh->matrix, fresh->result));
    run = std::move(fresh);
  }
  return *run;
}

}  // namespace

TEST_CASE("runtime matrix: every runtime's real client does what trustctl predicts",
          "[runtime-matrix][net]") {
  Run& run = matrixRun();
  for (const auto& [runtime, why] : run.result.missing) {
    WARN("runtime " << truststore::runtimeName(runtime) << " skipped: " << why);
  }
  for (const auto& cell : run.result.cells) {
    if (!cell.applicable || run.result.missing.count(cell.runtime)) {
      continue;
    }
    const MatrixRow& row = run.matrix.rows()[cell.row];
    INFO(row.label() << " on " << truststore::runtimeName(cell.runtime) << " (host " << cell.host
                     << ")\npredicted: " << (cell.predicted.accepted ? "accepted" : "refused")
                     << " [" << cell.predicted.code << "] " << cell.predicted.sentence
                     << "\nreal: " << (cell.real.accepted ? "accepted" : "refused")
                     << "; the client said: " << cell.real.message);
    CHECK(cell.real.ran);
    CHECK(cell.real.accepted == cell.predicted.accepted);
  }
}

// Whatever the models say, the harness must show real verdicts: every client reaches the
// well-formed server when it trusts the root, and none does when it trusts nothing. A broken
// client (wrong port, no file loaded, system roots added) shows up here first.
TEST_CASE("runtime matrix: every client accepts root/none and refuses nothing/none",
          "[runtime-matrix][net]") {
  Run& run = matrixRun();
  for (const auto& cell : run.result.cells) {
    const MatrixRow& row = run.matrix.rows()[cell.row];
    if (!cell.applicable || run.result.missing.count(cell.runtime) || row.fault != "none" ||
        (row.trust != "root" && row.trust != "nothing")) {
      continue;
    }
    INFO(row.label() << " on " << truststore::runtimeName(cell.runtime)
                     << "; the client said: " << cell.real.message);
    CHECK(cell.real.ran);
    CHECK(cell.real.accepted == (row.trust == "root"));
  }
}

// The README's table gives, for the runtimes that anchor only at self-signed roots, the flag
// that makes a trusted intermediate or server certificate anchor. The claim is checked with
// the runtime: the same clients with the flag on accept what they refused without it.
TEST_CASE("runtime matrix: the intermediate-trust flags the README gives really work",
          "[runtime-matrix][net]") {
  Run& run = matrixRun();
  TempDir work;
  ClientTools tools{TRUSTCTL_SOURCE_DIR, TRUSTCTL_EXAMPLE_CONNECTOR, work.path()};
  std::vector<ClientCell> cells;
  for (const auto& row : run.matrix.rows()) {
    if (row.fault == "none" && (row.trust == "intermediate" || row.trust == "server")) {
      ClientCell c;
      c.id = row.trust;
      c.host = row.host;
      c.port = row.https_port;
      c.ca_bundle = row.ca_bundle;
      c.partial_chain = true;
      cells.push_back(c);
    }
  }
  REQUIRE(cells.size() == 2);
  for (ConnectorRuntime runtime :
       {ConnectorRuntime::Python, ConnectorRuntime::Node, ConnectorRuntime::Openssl}) {
    REQUIRE_FALSE(truststore::runtimeModel(runtime).partial_chain.empty());
    if (!runtimeClientMissing(runtime).empty()) {
      WARN("runtime " << truststore::runtimeName(runtime) << " skipped");
      continue;
    }
    auto outcomes = runRuntimeClient(runtime, cells, tools);
    REQUIRE(outcomes.size() == cells.size());
    for (size_t i = 0; i < cells.size(); ++i) {
      INFO(truststore::runtimeName(runtime) << " trusting the " << cells[i].id << " with "
                                            << truststore::runtimeModel(runtime).partial_chain
                                            << "; the client said: " << outcomes[i].message);
      CHECK(outcomes[i].ran);
      CHECK(outcomes[i].accepted);
    }
  }
}
