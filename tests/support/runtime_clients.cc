#include "tests/support/runtime_clients.h"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

#include "tests/support/bounded_run.h"
#include "truststore/file_util.h"

namespace trustctl::testing {

namespace {

// Debian's own interpreter: the pyenv python3 first on PATH is not the runtime connectors use.
constexpr const char* kPython = "/usr/bin/python3";
// A batch client's whole run: its start (the JVM compiles the source) plus every handshake,
// each bounded by the client at 10 s.
constexpr int kBatchLimitSeconds = 90;
constexpr int kGoBuildLimitSeconds = 120;

std::string onPath(const std::string& name) {
  const char* path = std::getenv("PATH");
  std::istringstream dirs(path ? path : "/usr/bin:/bin");
  for (std::string dir; std::getline(dirs, dir, ':');) {
    std::string candidate = dir + "/" + name;
    if (!dir.empty() && ::access(candidate.c_str(), X_OK) == 0) {
      return candidate;
    }
  }
  return "";
}

std::string lastLines(const std::string& text, size_t max_chars = 600) {
  std::string out = text.size() > max_chars ? text.substr(text.size() - max_chars) : text;
  for (char& c : out) {
    c = (c == '\n' || c == '\t') ? ' ' : c;
  }
  return out;
}

std::string clientSource(const ClientTools& tools, const std::string& name) {
  return tools.source_dir + "/tests/support/runtime_clients/" + name;
}

// The environment every client gets: a scratch HOME (no ~/.curlrc, ~/.ldaprc or caches of the
// user) and none of the variables that add certificates behind the explicit trust line.
std::map<std::string, std::string> clientEnvironment(const ClientTools& tools) {
  std::string home = tools.work_dir + "/home";
  std::filesystem::create_directories(home);
  return {{"HOME", home}, {"NODE_EXTRA_CA_CERTS", ""}};
}

std::vector<ClientOutcome> allFailed(size_t n, const std::string& why) {
  return std::vector<ClientOutcome>(n, ClientOutcome{false, false, why});
}

// Runs a batch client: one cell per stdin line (ID, HOST, PORT, FILE[, PASSWORD]), one verdict
// per stdout line (ID, ok|fail, message).
std::vector<ClientOutcome> runBatch(const std::string& program,
                                    const std::vector<std::string>& args,
                                    const std::vector<ClientCell>& cells, bool java,
                                    const ClientTools& tools) {
  RunOptions options;
  options.env = clientEnvironment(tools);
  for (const auto& c : cells) {
    options.stdin_data += c.id + "\t" + c.host + "\t" + std::to_string(c.port) + "\t" +
                          (java ? c.java_truststore + "\tchangeit" : c.ca_bundle) +
                          (c.partial_chain && !java ? "\tpartial" : "") + "\n";
  }
  BoundedRun run = runProgramBounded(program, args, options, kBatchLimitSeconds);
  std::map<std::string, ClientOutcome> by_id;
  std::istringstream lines(run.result.out);
  for (std::string line; std::getline(lines, line);) {
    size_t a = line.find('\t');
    size_t b = a == std::string::npos ? a : line.find('\t', a + 1);
    if (b == std::string::npos) {
      continue;
    }
    std::string verdict = line.substr(a + 1, b - a - 1);
    by_id[line.substr(0, a)] = {true, verdict == "ok", line.substr(b + 1)};
  }
  std::string why = program + " printed no verdict for this cell" +
                    (run.killed_at_limit ? " (killed at the time limit)" : "") + ": exit " +
                    std::to_string(run.result.exit_code) + ", " + lastLines(run.result.err);
  std::vector<ClientOutcome> out;
  for (const auto& c : cells) {
    auto it = by_id.find(c.id);
    out.push_back(it != by_id.end() ? it->second : ClientOutcome{false, false, why});
  }
  return out;
}

// Builds the Go client in the scratch folder, offline, with a cache of its own.
std::string buildGoClient(const ClientTools& tools, std::string* error) {
  std::string dir = tools.work_dir + "/go";
  std::filesystem::create_directories(dir);
  RunOptions options;
  options.env = {{"HOME", dir},        {"GOCACHE", dir + "/cache"}, {"GOPATH", dir + "/gopath"},
                 {"GOPROXY", "off"},   {"GOFLAGS", "-mod=mod"},     {"GO111MODULE", "on"},
                 {"CGO_ENABLED", "0"}, {"GOTOOLCHAIN", "local"}};
  std::string binary = dir + "/tls_client";
  BoundedRun run =
      runProgramBounded(onPath("go"), {"build", "-o", binary, clientSource(tools, "tls_client.go")},
                        options, kGoBuildLimitSeconds);
  if (run.result.exit_code != 0) {
    *error = "go build of the Go client failed: " + lastLines(run.result.err);
    return "";
  }
  return binary;
}

}  // namespace

std::string runtimeClientMissing(ConnectorRuntime runtime) {
  auto need = [](const std::string& program, const std::string& package) -> std::string {
    bool present =
        program.front() == '/' ? ::access(program.c_str(), X_OK) == 0 : !onPath(program).empty();
    return present ? "" : program + " is not installed (Debian package " + package + ")";
  };
  switch (runtime) {
    case ConnectorRuntime::Trustctl:
      return "";
    case ConnectorRuntime::Openssl:
      return need("openssl", "openssl");
    case ConnectorRuntime::Curl:
      return need("curl", "curl");
    case ConnectorRuntime::Java:
      return need("java", "default-jdk-headless");
    case ConnectorRuntime::Python:
      return need(kPython, "python3");
    case ConnectorRuntime::Node:
      return need("node", "nodejs");
    case ConnectorRuntime::Libldap:
      return need("ldapsearch", "ldap-utils");
    case ConnectorRuntime::Go:
      return need("go", "golang-go");
  }
  return "unknown runtime";
}

std::string runtimeClientCommand(ConnectorRuntime runtime) {
  switch (runtime) {
    case ConnectorRuntime::Trustctl:
      return "trustctl-example-connector --store S --connector C https://HOST:P/ (libcurl "
             "through the runtime library)";
    case ConnectorRuntime::Openssl:
      return "openssl s_client -connect 127.0.0.1:P -CAfile ca-bundle.pem -no-CApath "
             "-no-CAstore -verify_return_error -verify_hostname HOST -servername HOST "
             "(-verify_ip for an IP)";
    case ConnectorRuntime::Curl:
      return "curl -q --cacert ca-bundle.pem --capath /dev/null --resolve HOST:P:127.0.0.1 "
             "https://HOST:P/";
    case ConnectorRuntime::Java:
      return "java TlsClient.java: SSLContext from truststore.p12 (PKCS12, PKIX), endpoint "
             "identification HTTPS";
    case ConnectorRuntime::Python:
      return "/usr/bin/python3 tls_client.py: ssl.create_default_context(cafile=ca-bundle.pem), "
             "wrap_socket(server_hostname=HOST)";
    case ConnectorRuntime::Node:
      return "node tls_client.js: tls.connect({ca: ca-bundle.pem, servername: HOST}), "
             "NODE_EXTRA_CA_CERTS empty";
    case ConnectorRuntime::Libldap:
      return "LDAPTLS_CACERT=ca-bundle.pem LDAPTLS_REQCERT=demand ldapsearch -x -H "
             "ldaps://127.0.0.1:P -b '' -s base (Debian's libldap, on GnuTLS)";
    case ConnectorRuntime::Go:
      return "tls_client.go (go build, offline): tls.Config{RootCAs: ca-bundle.pem, ServerName: "
             "HOST}";
  }
  return "";
}

std::string runtimeClientVersion(ConnectorRuntime runtime) {
  if (!runtimeClientMissing(runtime).empty()) {
    return "";
  }
  std::vector<std::string> command;
  switch (runtime) {
    case ConnectorRuntime::Trustctl:
      return "libcurl of the example connector";
    case ConnectorRuntime::Openssl:
      command = {onPath("openssl"), "version"};
      break;
    case ConnectorRuntime::Curl:
      command = {onPath("curl"), "--version"};
      break;
    case ConnectorRuntime::Java:
      command = {onPath("java"), "-version"};
      break;
    case ConnectorRuntime::Python:
      command = {kPython, "--version"};
      break;
    case ConnectorRuntime::Node:
      command = {onPath("node"), "--version"};
      break;
    case ConnectorRuntime::Libldap:
      command = {onPath("ldapsearch"), "-VV"};
      break;
    case ConnectorRuntime::Go:
      command = {onPath("go"), "version"};
      break;
  }
  BoundedRun run =
      runProgramBounded(command[0], {command.begin() + 1, command.end()}, RunOptions{}, 20);
  std::string text = run.result.out.empty() ? run.result.err : run.result.out;
  std::string first = lastLines(text.substr(0, text.find('\n')), 1000);
  // The name and version lead; curl's feature list after them does not fit a table cell.
  if (first.size() > 64) {
    size_t cut = first.rfind(' ', 64);
    first = first.substr(0, cut == std::string::npos ? 64 : cut);
  }
  return first;
}

std::vector<ClientOutcome> runRuntimeClient(ConnectorRuntime runtime,
                                            const std::vector<ClientCell>& cells,
                                            const ClientTools& tools) {
  if (std::string missing = runtimeClientMissing(runtime); !missing.empty()) {
    return allFailed(cells.size(), missing);
  }
  try {
    switch (runtime) {
      case ConnectorRuntime::Trustctl:
        return runExampleConnectorClient(cells, tools);
      case ConnectorRuntime::Openssl:
        return runOpensslClient(cells, tools);
      case ConnectorRuntime::Curl:
        return runCurlClient(cells, tools);
      case ConnectorRuntime::Libldap:
        return runLdapsearchClient(cells, tools);
      case ConnectorRuntime::Java:
        return runBatch(onPath("java"), {clientSource(tools, "TlsClient.java")}, cells, true,
                        tools);
      case ConnectorRuntime::Python:
        return runBatch(kPython, {"-I", clientSource(tools, "tls_client.py")}, cells, false, tools);
      case ConnectorRuntime::Node:
        return runBatch(onPath("node"), {clientSource(tools, "tls_client.js")}, cells, false,
                        tools);
      case ConnectorRuntime::Go: {
        std::string error;
        std::string binary = buildGoClient(tools, &error);
        return binary.empty() ? allFailed(cells.size(), error)
                              : runBatch(binary, {}, cells, false, tools);
      }
    }
  } catch (const std::exception& e) {
    return allFailed(cells.size(), std::string("the client could not be run: ") + e.what());
  }
  return allFailed(cells.size(), "unknown runtime");
}

}  // namespace trustctl::testing
