#include "tests/support/runtime_matrix.h"

#include <algorithm>
#include <future>
#include <stdexcept>

#include "tests/support/cli_runner.h"
#include "truststore/connector_runtime.h"

namespace trustctl::testing {

namespace {

constexpr std::int64_t kDay = 86400;

// One server certificate fault. `host` is what the HTTPS runtimes verify; a DNS-name host has
// no libldap cell (libldap rewrites localhost, see kLdapHost).
struct Fault {
  std::string name;
  std::string host;
  bool sha1_intermediate = false;
  bool send_intermediate = true;
  std::string cn = "localhost";
  CertOptions leaf;
};

std::vector<Fault> faults() {
  const std::vector<std::string> both = {"DNS:localhost", "IP:127.0.0.1"};
  std::vector<Fault> out;
  out.push_back({"none", "localhost", false, true, "localhost", {}});
  out.push_back({"missing_intermediate", "localhost", false, false, "localhost", {}});
  out.push_back({"expired", "localhost", false, true, "localhost", {}});
  out.back().leaf.not_before_offset = -30 * kDay;
  out.back().leaf.not_after_offset = -1 * kDay;
  out.push_back({"hostname_mismatch", "localhost", false, true, "wrong.example.test", {}});
  out.back().leaf.sans = {"DNS:wrong.example.test", "IP:192.0.2.7"};
  // The host only in the subject CN, no subjectAltName at all: once as a DNS name, once as an
  // IP literal, since runtimes fall back to the CN differently for the two.
  out.push_back({"cn_only", "localhost", false, true, "localhost", {}});
  out.back().leaf.no_san = true;
  out.push_back({"cn_only_ip", "127.0.0.1", false, true, "127.0.0.1", {}});
  out.back().leaf.no_san = true;
  out.push_back({"weak_key", "localhost", false, true, "localhost", {}});
  out.back().leaf.key = KeyType::Rsa1024;
  out.push_back({"sha1_intermediate", "localhost", true, true, "localhost", {}});
  for (auto& f : out) {
    if (f.leaf.sans.empty() && !f.leaf.no_san) {
      f.leaf.sans = both;
    }
  }
  return out;
}

std::string entryName(const std::string& text) {
  std::string out = text;
  std::replace(out.begin(), out.end(), '_', '-');
  return out;
}

RunResult trustctlOk(const std::string& store, std::vector<std::string> args) {
  args.insert(args.begin(), {"--store", store});
  RunResult r = runTrustctl(args);
  if (r.exit_code != 0) {
    std::string line;
    for (const auto& a : args) {
      line += " " + a;
    }
    throw std::runtime_error("trustctl" + line + " failed: " + r.err + r.out);
  }
  return r;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) {
    text.pop_back();
  }
  return text;
}

// The exported files of `connector`, as `trustctl connector path` names them.
void exportedFiles(const std::string& store, MatrixRow& row) {
  row.ca_bundle = trimmed(trustctlOk(store, {"connector", "path", row.connector}).out);
  row.java_truststore =
      trimmed(trustctlOk(store, {"connector", "path", row.connector, "--file", "java"}).out);
  std::string dir =
      trimmed(trustctlOk(store, {"connector", "path", row.connector, "--file", "dir"}).out);
  row.anchors_der = dir + "/" + truststore::kAnchorsDerFile;
  row.anchors_index = dir + "/" + truststore::kAnchorsIndexFile;
}

}  // namespace

RuntimeMatrix::RuntimeMatrix(UnixTime now) : pki_(now) {
  Issued root = pki_.makeRoot("Matrix Root CA");
  Issued inter = pki_.makeIntermediate(root, "Matrix Intermediate CA");
  CertOptions sha1;
  sha1.digest = "sha1";
  Issued inter_sha1 = pki_.makeIntermediate(root, "Matrix SHA-1 Intermediate CA", sha1);

  struct Served {
    Fault fault;
    Issued leaf;
    const Issued* inter;
    std::vector<CertificatePtr> presented;
    int https_port = 0, ldaps_port = 0;
  };
  std::vector<Served> served;
  for (const Fault& f : faults()) {
    const Issued* issuer = f.sha1_intermediate ? &inter_sha1 : &inter;
    Issued leaf = pki_.makeLeaf(*issuer, f.cn, f.leaf);
    // Built whole, not pushed onto: GCC 12 warns (falsely) about a push_back after a
    // one-element initializer list of shared_ptrs.
    std::vector<CertificatePtr> presented =
        f.send_intermediate ? std::vector<CertificatePtr>{leaf.cert, issuer->cert}
                            : std::vector<CertificatePtr>{leaf.cert};
    served.push_back({f, leaf, issuer, presented});
  }

  // The servers start while the store is made: slapd takes ~0.2 s each, a store change ~0.1 s.
  auto https = std::async(std::launch::async, [&] {
    std::vector<std::unique_ptr<TestServer>> out;
    for (auto& s : served) {
      TlsServerOptions o;
      o.chain = s.presented;
      o.key = s.leaf.key;
      // The weak leaf key and the SHA-1 intermediate must be served: the clients judge them.
      o.extra_args = {"-cipher", "DEFAULT:@SECLEVEL=0"};
      out.push_back(startSServer(o));
      s.https_port = out.back()->port;
    }
    return out;
  });
  auto ldaps = std::async(std::launch::async, [&] {
    std::vector<std::unique_ptr<TestServer>> out;
    for (auto& s : served) {
      if (s.fault.host != kLdapHost && s.fault.leaf.no_san) {
        continue;  // a DNS-name CN libldap cannot be made to check (kLdapHost)
      }
      TlsServerOptions o;
      o.chain = s.presented;
      o.key = s.leaf.key;
      out.push_back(startSlapd(o));
      s.ldaps_port = out.back()->port;
    }
    return out;
  });

  std::string store = storeDir();
  std::vector<std::string> import{"import"};
  import.push_back(dir_.write("root.pem", toPem({root.cert})));
  import.push_back(dir_.write("inter.pem", toPem({inter.cert})));
  import.push_back(dir_.write("inter-sha1.pem", toPem({inter_sha1.cert})));
  for (const auto& s : served) {
    import.push_back(dir_.write("leaf-" + entryName(s.fault.name) + ".pem", toPem({s.leaf.cert})));
  }
  std::exception_ptr store_error;
  try {
    trustctlOk(store, import);
    // "inter-root": what the probe recommends to a runtime that anchors only at self-signed
    // roots when the server does not send its intermediate.
    std::vector<std::pair<std::string, std::vector<std::string>>> connectors = {
        {"root", {"root"}},
        {"inter", {"inter"}},
        {"inter-sha1", {"inter-sha1"}},
        {"inter-root", {"inter", "root"}},
        {"inter-sha1-root", {"inter-sha1", "root"}},
        {"nothing", {}}};
    for (const auto& s : served) {
      connectors.push_back({"pin-" + entryName(s.fault.name), {"leaf-" + entryName(s.fault.name)}});
    }
    for (const auto& [connector, entries] : connectors) {
      trustctlOk(store, {"connector", "create", connector});
      for (const auto& entry : entries) {
        trustctlOk(store, {"connector", "trust", connector, entry});
      }
    }
  } catch (...) {
    store_error = std::current_exception();
  }
  // Both server threads end before anything here can throw: they write into `served`.
  auto https_servers = https.get();
  auto ldaps_servers = ldaps.get();
  for (auto* list : {&https_servers, &ldaps_servers}) {
    for (auto& s : *list) {
      servers_.push_back(std::move(s));
    }
  }
  if (store_error) {
    std::rethrow_exception(store_error);
  }

  std::map<std::string, MatrixRow> files;  // by connector: `connector path` once each
  for (const std::string trust :
       {"root", "intermediate", "intermediate+root", "server", "nothing"}) {
    for (const auto& s : served) {
      MatrixRow row;
      row.trust = trust;
      row.fault = s.fault.name;
      row.host = s.fault.host;
      row.presented = s.presented;
      row.https_port = s.https_port;
      row.ldaps_port = s.ldaps_port;
      row.connector = trust == "root" ? "root"
                      : trust == "intermediate"
                          ? (s.fault.sha1_intermediate ? "inter-sha1" : "inter")
                      : trust == "intermediate+root"
                          ? (s.fault.sha1_intermediate ? "inter-sha1-root" : "inter-root")
                      : trust == "server" ? "pin-" + entryName(s.fault.name)
                                          : "nothing";
      if (files.count(row.connector) == 0) {
        exportedFiles(store, row);
        files[row.connector] = row;
      }
      const MatrixRow& known = files[row.connector];
      row.ca_bundle = known.ca_bundle;
      row.java_truststore = known.java_truststore;
      row.anchors_der = known.anchors_der;
      row.anchors_index = known.anchors_index;
      rows_.push_back(row);
    }
  }
}

RuntimeMatrix::~RuntimeMatrix() = default;

}  // namespace trustctl::testing
