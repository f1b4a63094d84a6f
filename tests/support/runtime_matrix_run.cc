// Running the matrix: every runtime's client over every row at once, trustctl's prediction per
// cell, and the table that the test log and the README show.
#include <chrono>
#include <future>
#include <sstream>

#include "tests/support/runtime_matrix.h"
#include "truststore/anchor_set.h"
#include "truststore/time_util.h"

namespace trustctl::testing {

namespace {

using truststore::ConnectorRuntime;

// The cells of `runtime`, in row order; a row without a cell for it stays not applicable.
std::vector<MatrixCell> cellsOf(const RuntimeMatrix& matrix, ConnectorRuntime runtime) {
  std::vector<MatrixCell> out;
  for (size_t i = 0; i < matrix.rows().size(); ++i) {
    const MatrixRow& row = matrix.rows()[i];
    MatrixCell cell;
    cell.row = i;
    cell.runtime = runtime;
    bool ldap = runtime == ConnectorRuntime::Libldap;
    cell.applicable = !ldap || row.ldaps_port != 0;
    cell.host = ldap ? kLdapHost : row.host;
    out.push_back(cell);
  }
  return out;
}

std::vector<ClientOutcome> runClients(const RuntimeMatrix& matrix, ConnectorRuntime runtime,
                                      const std::vector<MatrixCell>& cells,
                                      const ClientTools& tools) {
  std::vector<ClientCell> batch;
  for (const auto& cell : cells) {
    if (!cell.applicable) {
      continue;
    }
    const MatrixRow& row = matrix.rows()[cell.row];
    ClientCell c;
    c.id = row.label();
    c.host = cell.host;
    c.port = runtime == ConnectorRuntime::Libldap ? row.ldaps_port : row.https_port;
    c.ca_bundle = row.ca_bundle;
    c.java_truststore = row.java_truststore;
    c.store_dir = matrix.storeDir();
    c.connector = row.connector;
    batch.push_back(c);
  }
  return runRuntimeClient(runtime, batch, tools);
}

truststore::RuntimeVerdict predict(const MatrixRow& row, const MatrixCell& cell, UnixTime now) {
  truststore::RuntimeVerdict v;
  auto anchors = truststore::AnchorSet::loadIndexed(row.anchors_der, row.anchors_index);
  if (!anchors) {
    v.code = "no_anchors";
    v.sentence = "the connector's anchors could not be loaded: " + anchors.error().message;
    return v;
  }
  truststore::VerifyOptions options;
  options.now = now;
  options.host = cell.host;
  return truststore::judgeAsRuntime(truststore::runtimeModel(cell.runtime), row.presented,
                                    **anchors, options);
}

std::string cellText(const MatrixResult& result, const MatrixCell& cell) {
  if (result.missing.count(cell.runtime)) {
    return "skipped";
  }
  if (!cell.applicable) {
    return "n/a";
  }
  if (!cell.real.ran) {
    return "error";
  }
  return std::string(cell.real.accepted ? "ok" : "refused") + (cell.disagrees() ? " !" : "");
}

}  // namespace

MatrixResult runRuntimeMatrix(const RuntimeMatrix& matrix, const ClientTools& tools) {
  MatrixResult result;
  result.runtimes = truststore::allRuntimes();
  auto start = std::chrono::steady_clock::now();
  std::vector<std::future<std::vector<MatrixCell>>> running;
  for (ConnectorRuntime runtime : result.runtimes) {
    if (std::string missing = runtimeClientMissing(runtime); !missing.empty()) {
      result.missing[runtime] = missing;
    }
    running.push_back(std::async(std::launch::async, [&matrix, &tools, runtime] {
      std::vector<MatrixCell> cells = cellsOf(matrix, runtime);
      std::vector<ClientOutcome> outcomes = runClients(matrix, runtime, cells, tools);
      size_t next = 0;
      for (auto& cell : cells) {
        if (cell.applicable && next < outcomes.size()) {
          cell.real = outcomes[next++];
        }
      }
      return cells;
    }));
  }
  std::vector<std::vector<MatrixCell>> columns;
  for (auto& f : running) {
    columns.push_back(f.get());
  }
  result.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  // The runtimes judged at about this instant; nothing in the PKI is near a validity edge.
  UnixTime now = wallClockNow();
  for (size_t r = 0; r < matrix.rows().size(); ++r) {
    for (auto& column : columns) {
      MatrixCell cell = column[r];
      if (cell.applicable) {
        cell.predicted = predict(matrix.rows()[r], cell, now);
      }
      result.cells.push_back(cell);
    }
  }
  return result;
}

std::string matrixTable(const RuntimeMatrix& matrix, const MatrixResult& result) {
  std::ostringstream out;
  out << "| trust/fault | host |";
  for (auto rt : result.runtimes) {
    out << " " << truststore::runtimeName(rt) << " |";
  }
  out << "\n|---|---|";
  for (size_t i = 0; i < result.runtimes.size(); ++i) {
    out << "---|";
  }
  out << "\n";
  size_t n = result.runtimes.size();
  for (size_t r = 0; r < matrix.rows().size(); ++r) {
    const MatrixRow& row = matrix.rows()[r];
    out << "| " << row.label() << " | " << row.host << " |";
    for (size_t c = 0; c < n; ++c) {
      out << " " << cellText(result, result.cells[r * n + c]) << " |";
    }
    out << "\n";
  }
  out << "\nok / refused: what the runtime's real client did; \"!\": trustctl's model of that "
         "runtime predicted the opposite; n/a: libldap only reaches "
      << kLdapHost
      << " (it rewrites localhost), so it has no cell where the host is a DNS name in the CN "
         "only, and its other cells verify "
      << kLdapHost << " (an IP SAN of every leaf).\n";
  for (const auto& [rt, why] : result.missing) {
    out << "skipped " << truststore::runtimeName(rt) << ": " << why << "\n";
  }
  return out.str();
}

std::string matrixDisagreements(const RuntimeMatrix& matrix, const MatrixResult& result) {
  std::ostringstream out;
  for (const auto& cell : result.cells) {
    if (result.missing.count(cell.runtime) || !cell.applicable ||
        (cell.real.ran && !cell.disagrees())) {
      continue;
    }
    out << matrix.rows()[cell.row].label() << " " << truststore::runtimeName(cell.runtime)
        << " (host " << cell.host << "): ";
    if (!cell.real.ran) {
      out << "no verdict: " << cell.real.message << "\n";
      continue;
    }
    out << "really " << (cell.real.accepted ? "accepted" : "refused") << ", predicted "
        << (cell.predicted.accepted ? "accepted" : "refused (" + cell.predicted.code + ")")
        << (cell.real.message.empty() ? "" : "; the client said: " + cell.real.message) << "\n";
  }
  return out.str();
}

std::string matrixCellLog(const RuntimeMatrix& matrix, const MatrixResult& result) {
  std::ostringstream out;
  for (const auto& cell : result.cells) {
    if (!cell.applicable || result.missing.count(cell.runtime)) {
      continue;
    }
    out << matrix.rows()[cell.row].label() << "\t" << truststore::runtimeName(cell.runtime) << "\t"
        << cell.host << "\treal "
        << (!cell.real.ran       ? "error"
            : cell.real.accepted ? "ok"
                                 : "refused")
        << "\tpredicted " << cell.predicted.code << "\t" << cell.real.message << "\n";
  }
  return out.str();
}

std::string matrixReadmeSection(const RuntimeMatrix& matrix, const MatrixResult& result) {
  std::ostringstream out;
  out << kReadmeBegin << "\n## Runtime matrix\n\n"
      << "Each runtime's model (`truststore/runtime_models.def`, what `--runtime` and "
         "`runtime =` select) is checked against the real runtime, not asserted: "
         "`tests/integration/runtime_matrix_test.cc` runs the real client of every runtime on the "
         "machine with a connector's exported files and nothing added, against real servers on "
         "127.0.0.1 (one `openssl s_server` for HTTPS and one slapd for LDAPS per fault, "
         "serving the PKI the test generates), over trust (root / intermediate / "
         "intermediate+root, what the probe recommends to a runtime that anchors only at "
         "roots / server certificate pin / nothing: an empty bundle) x faults, and compares "
         "every cell with trustctl's prediction (`judgeAsRuntime`). A second case runs Python, "
         "Node and openssl again with the intermediate-trust flag of the table above on, "
         "trusting the intermediate or the server certificate: each must then accept. The store is "
         "made with the `trustctl` "
         "binary (`import`, `connector create`, `connector trust`, `connector path`).\n\n"
      << "Rerun it with `build/dev/tests/unit_tests \"[runtime-matrix]\"` (about 10 s on 2 "
         "cores, the JVM and the offline `go build` being most of it). It prints the table, "
         "writes it with every client's own message to `build/dev/tests/runtime-matrix.md` "
         "and fails on every cell marked `!`; with `TRUSTCTL_MATRIX_README=README.md` it also "
         "rewrites this section.\n\n"
      << "Hosts: the HTTPS clients connect to 127.0.0.1 and verify the name `localhost` (sent "
         "as SNI), except in `cn_only_ip`, where they verify the IP literal. Every leaf but the "
         "CN-only and mismatched ones has both `DNS:localhost` and `IP:127.0.0.1`. Faults: "
         "`none`; `missing_intermediate` (the server sends only its certificate); `expired` "
         "(the leaf); `hostname_mismatch` (SANs of another name and IP); `cn_only` and "
         "`cn_only_ip` (no subjectAltName, the host only in the CN); `weak_key` (an RSA-1024 "
         "leaf); `sha1_intermediate` (the intermediate signed with SHA-1).\n\n"
      << "This run (a cell is what the client did; `!` marks a prediction that said the "
         "opposite):\n\n"
      << matrixTable(matrix, result) << "\nThe clients:\n\n";
  for (auto rt : result.runtimes) {
    std::string version = runtimeClientVersion(rt);
    out << "- `" << truststore::runtimeName(rt) << "`: " << runtimeClientCommand(rt)
        << (version.empty() ? "" : " [" + version + "]") << "\n";
  }
  out << kReadmeEnd << "\n";
  return out.str();
}

}  // namespace trustctl::testing
