// The runtimes whose real client is a command: one bounded process per connection, a few at a
// time (process start dominates; the servers answer each in milliseconds).
#include <arpa/inet.h>

#include <atomic>
#include <functional>
#include <sstream>
#include <thread>

#include "tests/support/bounded_run.h"
#include "tests/support/runtime_clients.h"

namespace trustctl::testing {

namespace {

constexpr int kParallel = 4;
constexpr int kCellLimitSeconds = 30;  // each client also has its own 10 s network limit

bool isIpLiteral(const std::string& host) {
  unsigned char buf[16];
  return inet_pton(AF_INET, host.c_str(), buf) == 1 || inet_pton(AF_INET6, host.c_str(), buf) == 1;
}

std::string oneLine(const std::string& text) {
  std::string out;
  std::istringstream in(text);
  for (std::string word; in >> word;) {
    out += (out.empty() ? "" : " ") + word;
  }
  return out.size() > 500 ? out.substr(0, 500) + "..." : out;
}

// The lines of `text` with the first of `marks` (in order of preference) that any line has,
// joined; all of it when none has any.
std::string linesWith(const std::string& text, const std::vector<std::string>& marks) {
  for (const auto& m : marks) {
    std::string out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);) {
      if (line.find(m) != std::string::npos) {
        out += (out.empty() ? "" : " | ") + line;
      }
    }
    if (!out.empty()) {
      return oneLine(out);
    }
  }
  return oneLine(text);
}

std::string limitNote(const BoundedRun& run) {
  return run.killed_at_limit ? " (killed at the time limit)" : "";
}

// Runs `one` for every cell on a few threads; outcomes in cell order.
std::vector<ClientOutcome> forEachCell(const std::vector<ClientCell>& cells,
                                       const std::function<ClientOutcome(const ClientCell&)>& one) {
  std::vector<ClientOutcome> out(cells.size());
  std::atomic<size_t> next{0};
  std::vector<std::thread> workers;
  for (int w = 0; w < kParallel; ++w) {
    workers.emplace_back([&] {
      for (size_t i = next++; i < cells.size(); i = next++) {
        try {
          out[i] = one(cells[i]);
        } catch (const std::exception& e) {
          out[i] = {false, false, std::string("the client could not be run: ") + e.what()};
        }
      }
    });
  }
  for (auto& w : workers) {
    w.join();
  }
  return out;
}

RunOptions scratchHome(const ClientTools& tools) {
  RunOptions options;
  options.env = {{"HOME", tools.work_dir + "/home"}};
  return options;
}

}  // namespace

std::vector<ClientOutcome> runCurlClient(const std::vector<ClientCell>& cells,
                                         const ClientTools& tools) {
  return forEachCell(cells, [&](const ClientCell& c) {
    std::string port = std::to_string(c.port);
    // -q first: no ~/.curlrc. --capath /dev/null: Debian's curl adds /etc/ssl/certs otherwise.
    std::vector<std::string> args{"-q", "-sS",      "-o",        "/dev/null", "--max-time",
                                  "10", "--cacert", c.ca_bundle, "--capath",  "/dev/null"};
    if (isIpLiteral(c.host)) {
      args.push_back("https://" + c.host + ":" + port + "/");
    } else {
      args.insert(args.end(), {"--resolve", c.host + ":" + port + ":127.0.0.1",
                               "https://" + c.host + ":" + port + "/"});
    }
    BoundedRun run =
        runProgramBounded("/usr/bin/curl", args, scratchHome(tools), kCellLimitSeconds);
    bool ok = run.result.exit_code == 0;
    std::string said = run.result.err.substr(0, run.result.err.find("\nMore details here"));
    return ClientOutcome{true, ok, ok ? "" : oneLine(said) + limitNote(run)};
  });
}

std::vector<ClientOutcome> runOpensslClient(const std::vector<ClientCell>& cells,
                                            const ClientTools& tools) {
  return forEachCell(cells, [&](const ClientCell& c) {
    // -no-CApath -no-CAstore: only the bundle, as a client calling SSL_CTX_load_verify_file.
    // An IP host goes to -verify_ip, as SSL_set1_host does with an IP literal in OpenSSL 3.
    std::vector<std::string> args{"s_client",
                                  "-connect",
                                  "127.0.0.1:" + std::to_string(c.port),
                                  "-CAfile",
                                  c.ca_bundle,
                                  "-no-CApath",
                                  "-no-CAstore",
                                  "-verify_return_error"};
    if (c.partial_chain) {
      args.push_back("-partial_chain");
    }
    if (isIpLiteral(c.host)) {
      args.insert(args.end(), {"-verify_ip", c.host});
    } else {
      args.insert(args.end(), {"-verify_hostname", c.host, "-servername", c.host});
    }
    BoundedRun run =
        runProgramBounded("/usr/bin/openssl", args, scratchHome(tools), kCellLimitSeconds);
    bool ok = run.result.exit_code == 0 &&
              run.result.out.find("Verify return code: 0 (ok)") != std::string::npos;
    return ClientOutcome{
        true, ok, ok ? "" : linesWith(run.result.err, {"verify error", "error:"}) + limitNote(run)};
  });
}

std::vector<ClientOutcome> runLdapsearchClient(const std::vector<ClientCell>& cells,
                                               const ClientTools& tools) {
  return forEachCell(cells, [&](const ClientCell& c) {
    RunOptions options = scratchHome(tools);
    // TLS_REQCERT demand is Debian's default; said explicitly so an ldap.conf cannot relax it.
    options.env["LDAPTLS_CACERT"] = c.ca_bundle;
    options.env["LDAPTLS_REQCERT"] = "demand";
    // -d 1 prints GnuTLS's reason ("TLS: ..."); ldapsearch alone says only "Can't contact".
    std::vector<std::string> args{"-x", "-LLL",
                                  "-d", "1",
                                  "-o", "nettimeout=10",
                                  "-l", "10",
                                  "-H", "ldaps://" + c.host + ":" + std::to_string(c.port),
                                  "-b", "",
                                  "-s", "base",
                                  "1.1"};
    BoundedRun run = runProgramBounded("/usr/bin/ldapsearch", args, options, kCellLimitSeconds);
    bool ok = run.result.exit_code == 0;
    return ClientOutcome{
        true, ok, ok ? "" : linesWith(run.result.err, {"TLS:", "Can't contact"}) + limitNote(run)};
  });
}

std::vector<ClientOutcome> runExampleConnectorClient(const std::vector<ClientCell>& cells,
                                                     const ClientTools& tools) {
  return forEachCell(cells, [&](const ClientCell& c) {
    std::string url = "https://" + c.host + ":" + std::to_string(c.port) + "/";
    BoundedRun run = runProgramBounded(tools.example_connector,
                                       {"--store", c.store_dir, "--connector", c.connector, url},
                                       scratchHome(tools), kCellLimitSeconds);
    bool ok =
        run.result.exit_code == 0 && run.result.out.find(" ok generation=") != std::string::npos;
    std::string said = run.result.out;
    if (size_t at = said.find(": "); at != std::string::npos) {
      said = said.substr(at + 2);
    }
    return ClientOutcome{true, ok, ok ? "" : oneLine(said + " " + run.result.err) + limitNote(run)};
  });
}

}  // namespace trustctl::testing
