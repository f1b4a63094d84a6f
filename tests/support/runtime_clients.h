#pragma once
// The real client of each connector runtime, run over a batch of connections for the runtime
// matrix ([runtime-matrix]): JSSE, Python ssl, Node tls and Go crypto/tls each in one process
// for the whole batch (sources in tests/support/runtime_clients/), curl, openssl s_client,
// ldapsearch and the example connector one process per connection, a few at a time. Each
// loads the connector's exported file with nothing added. It reports what the client did; it
// does not predict or judge anything.

#include <string>
#include <vector>

#include "truststore/runtime_model.h"

namespace trustctl::testing {

using truststore::ConnectorRuntime;

// One connection a runtime's client makes to 127.0.0.1.
struct ClientCell {
  std::string id;         // unique within a batch; no tab or newline
  std::string host;       // the DNS name or IP literal verified (and the SNI name when a name)
  int port = 0;           // HTTPS, or LDAPS for libldap
  std::string ca_bundle;  // the connector's ca-bundle.pem
  std::string java_truststore;       // the connector's truststore.p12
  std::string store_dir, connector;  // for the example connector (the runtime library)
  // Python, Node and openssl: turn on the flag the README gives for intermediate trust
  // (VERIFY_X509_PARTIAL_CHAIN, allowPartialTrustChain, -partial_chain).
  bool partial_chain = false;
};

struct ClientOutcome {
  bool ran = false;       // false: the client gave no verdict (see message)
  bool accepted = false;  // the handshake (and, for HTTPS and LDAP, the request) succeeded
  std::string message;    // the client's own error, one line; "" when accepted
};

// Where the clients come from.
struct ClientTools {
  std::string source_dir;         // the trustctl source tree (tests/support/runtime_clients/)
  std::string example_connector;  // the trustctl-example-connector binary
  std::string work_dir;           // scratch space (the Go build, HOME for clients)
};

// "" when `runtime`'s client can run on this machine; else one sentence saying what is missing.
std::string runtimeClientMissing(ConnectorRuntime runtime);

// How `runtime`'s client loads the store and connects, for the README and the test log.
std::string runtimeClientCommand(ConnectorRuntime runtime);

// The runtime's version as its own tool prints it ("OpenJDK 17.0.15", "Python 3.11.2", ...),
// one line; "" when it is missing or says nothing.
std::string runtimeClientVersion(ConnectorRuntime runtime);

// Runs `runtime`'s real client over `cells` and returns one outcome per cell, in order. Every
// child process is bounded in time; a client that is missing, does not start or prints no
// verdict for a cell gives ran = false with the reason. Throws nothing.
std::vector<ClientOutcome> runRuntimeClient(ConnectorRuntime runtime,
                                            const std::vector<ClientCell>& cells,
                                            const ClientTools& tools);

// The per-connection clients (runtime_clients_cli.cc), used by runRuntimeClient.
std::vector<ClientOutcome> runCurlClient(const std::vector<ClientCell>& cells,
                                         const ClientTools& tools);
std::vector<ClientOutcome> runOpensslClient(const std::vector<ClientCell>& cells,
                                            const ClientTools& tools);
std::vector<ClientOutcome> runLdapsearchClient(const std::vector<ClientCell>& cells,
                                               const ClientTools& tools);
std::vector<ClientOutcome> runExampleConnectorClient(const std::vector<ClientCell>& cells,
                                                     const ClientTools& tools);

}  // namespace trustctl::testing
