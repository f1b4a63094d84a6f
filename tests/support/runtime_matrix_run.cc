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

}  // namespace trustctl::testing
