#pragma once
// The runtime differential matrix ([runtime-matrix]): a PKI generated at test time with one
// server certificate per fault, one openssl s_server (HTTPS) and one slapd (LDAPS) per fault
// on 127.0.0.1, and a real trustctl store (made with the trustctl binary) whose connectors
// trust the root, the intermediate, both, the server certificate or nothing. Each row is one
// trust option against one fault; runRuntimeMatrix runs every runtime's real client over every
// row and puts trustctl's prediction (judgeAsRuntime) beside what the client did. It judges
// nothing itself: the test compares.

#include <map>
#include <memory>
#include <string>
#include <vector>

#include "tests/support/runtime_clients.h"
#include "tests/support/servers.h"
#include "tests/support/test_pki.h"
#include "truststore/runtime_model.h"

namespace trustctl::testing {

struct MatrixRow {
  std::string trust;  // "root", "intermediate", "intermediate+root", "server", "nothing"
  std::string fault;  // "none", "missing_intermediate", "expired", ...
  std::string host;   // what the HTTPS runtimes verify: "localhost" or "127.0.0.1"
  std::vector<CertificatePtr> presented;  // what both servers of the fault send, leaf first
  int https_port = 0;
  int ldaps_port = 0;     // 0: no libldap cell (it can only reach 127.0.0.1, see kLdapHost)
  std::string connector;  // in store()
  std::string ca_bundle, java_truststore, anchors_der, anchors_index;  // its exported files
  std::string label() const { return trust + "/" + fault; }
};

// libldap replaces "localhost" by the machine's own name before it checks the certificate, so
// its cells always connect to and verify this IP literal (the leaves carry it as an IP SAN).
inline constexpr const char* kLdapHost = "127.0.0.1";

class RuntimeMatrix {
 public:
  // Generates the PKI at `now`, starts the servers and makes the store. Throws
  // std::runtime_error (with the server's log or trustctl's message) when any of it fails.
  explicit RuntimeMatrix(UnixTime now);
  ~RuntimeMatrix();
  RuntimeMatrix(const RuntimeMatrix&) = delete;
  RuntimeMatrix& operator=(const RuntimeMatrix&) = delete;

  const std::vector<MatrixRow>& rows() const { return rows_; }
  std::string storeDir() const { return dir_.file("store"); }
  const TempDir& dir() const { return dir_; }

 private:
  TempDir dir_;
  TestPki pki_;
  std::vector<std::unique_ptr<TestServer>> servers_;
  std::vector<MatrixRow> rows_;
};

struct MatrixCell {
  size_t row = 0;  // index in RuntimeMatrix::rows()
  truststore::ConnectorRuntime runtime = truststore::ConnectorRuntime::Trustctl;
  bool applicable = true;  // false: the runtime has no cell in this row
  std::string host;        // what this runtime's client verified
  truststore::RuntimeVerdict predicted;
  ClientOutcome real;
  // A comparable cell whose prediction is not what the client did.
  bool disagrees() const { return applicable && real.ran && predicted.accepted != real.accepted; }
};

struct MatrixResult {
  std::vector<truststore::ConnectorRuntime> runtimes;           // the table's columns
  std::map<truststore::ConnectorRuntime, std::string> missing;  // runtime -> why it was skipped
  std::vector<MatrixCell> cells;                                // every (row, runtime), row-major
  double seconds = 0;                                           // wall time of all clients
};

// Runs every runtime's client over every row (the runtimes in parallel) and predicts each
// cell with the runtime's model at the current time. Throws nothing.
MatrixResult runRuntimeMatrix(const RuntimeMatrix& matrix, const ClientTools& tools);

// The Markdown table: rows "trust/fault", a host column, one column per runtime; a cell is
// "ok" or "refused" (what the client did), "!" after it when trustctl predicted otherwise,
// "n/a" when the runtime has no cell there, "skipped" when it is not installed, "error" when
// its client gave no verdict. A legend follows.
std::string matrixTable(const RuntimeMatrix& matrix, const MatrixResult& result);

// One line per disagreement or client error: cell, prediction, what the client said.
std::string matrixDisagreements(const RuntimeMatrix& matrix, const MatrixResult& result);

// README.md's "Runtime matrix" section from this run, markers included: what is run and
// how, the table, and each runtime's client with its version.
std::string matrixReadmeSection(const RuntimeMatrix& matrix, const MatrixResult& result);
inline constexpr const char* kReadmeBegin = "<!-- runtime-matrix:begin -->";
inline constexpr const char* kReadmeEnd = "<!-- runtime-matrix:end -->";

// One line per applicable cell: what the client did and said, and what was predicted, with
// the model's code (for whoever refines the models: the refusal reasons, not just verdicts).
std::string matrixCellLog(const RuntimeMatrix& matrix, const MatrixResult& result);

}  // namespace trustctl::testing
