// Issuing N TLS server certificates with the built-in CA (the library trustctl ca issue
// calls: new P-256 key, sign, PEM out) next to what an operator would otherwise run for each:
// `openssl req -new -newkey ec` + `openssl x509 -req` with the same profile, in one run.
// Usage: ca_bench WORK_DIR [N]   (default 1000). Prints both times and the ratio.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <string>

#include "bench/bench_util.h"
#include "truststore/builtin_ca.h"

using namespace trustctl;
using namespace trustctl::truststore;

namespace {

double secondsOf(const std::function<bool()>& fn) {
  auto start = std::chrono::steady_clock::now();
  if (!fn()) {
    std::fprintf(stderr, "ca_bench: a run failed\n");
    std::exit(1);
  }
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

void writeFile(const std::string& path, const std::string& text) {
  std::ofstream(path) << text;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: ca_bench WORK_DIR [N]\n");
    return 2;
  }
  std::string work = argv[1];
  int n = argc > 2 ? std::stoi(argv[2]) : 1000;
  UnixTime now = wallClockNow();
  auto ca = createCa("bench", CaKeyType::Ec, now);
  if (!ca) {
    std::fprintf(stderr, "ca_bench: %s\n", ca.error().message.c_str());
    return 1;
  }
  size_t bytes = 0;
  double ours = secondsOf([&] {
    for (int i = 0; i < n; ++i) {
      LeafRequest r;
      r.dns = {"host" + std::to_string(i) + ".bench.example"};
      r.now = now;
      auto leaf = issueLeaf(*ca->issuing, *ca->issuing_key, r);
      if (!leaf) {
        return false;
      }
      bytes += leaf->cert->pem().size() + leaf->key->pkcs8Pem().size();
    }
    return true;
  });

  // The openssl side signs with its own P-256 issuing CA made the same way, outside the timing.
  const std::string sh = "/bin/sh";
  std::string ca_key = work + "/ca.key", ca_crt = work + "/ca.crt", ext = work + "/leaf.ext";
  writeFile(ext,
            "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\n"
            "extendedKeyUsage=serverAuth\nsubjectKeyIdentifier=hash\n"
            "authorityKeyIdentifier=keyid:always\nsubjectAltName=DNS:$ENV::SAN\n");
  if (bench::runQuiet({"/usr/bin/openssl",
                       "req",
                       "-x509",
                       "-newkey",
                       "ec",
                       "-pkeyopt",
                       "ec_paramgen_curve:P-256",
                       "-nodes",
                       "-keyout",
                       ca_key,
                       "-out",
                       ca_crt,
                       "-subj",
                       "/CN=bench Issuing CA",
                       "-days",
                       "1826",
                       "-addext",
                       "basicConstraints=critical,CA:TRUE,pathlen:0",
                       "-addext",
                       "keyUsage=critical,keyCertSign,cRLSign"}) != 0) {
    std::fprintf(stderr, "ca_bench: openssl req -x509 failed\n");
    return 1;
  }
  double theirs = secondsOf([&] {
    for (int i = 0; i < n; ++i) {
      std::string host = "host" + std::to_string(i) + ".bench.example";
      std::string base = work + "/leaf";
      std::string script =
          "SAN=" + host + " && export SAN && /usr/bin/openssl req -new -newkey ec -pkeyopt " +
          "ec_paramgen_curve:P-256 -nodes -keyout " + base + ".key -out " + base +
          ".csr -subj /CN=" + host + " && /usr/bin/openssl x509 -req -in " + base + ".csr -CA " +
          ca_crt + " -CAkey " + ca_key + " -set_serial 0x" + std::to_string(1000 + i) +
          " -days 397 -sha256 -extfile " + ext + " -out " + base + ".crt";
      if (bench::runQuiet({sh, "-c", script}) != 0) {
        return false;
      }
    }
    return true;
  });
  std::printf("Issuing %d TLS server certificates (P-256, SAN, serverAuth), one run:\n", n);
  std::printf("  trustctl built-in CA (library)       %8.3f s  %8.0f/s\n", ours, n / ours);
  std::printf("  openssl req + openssl x509 -req      %8.3f s  %8.0f/s\n", theirs, n / theirs);
  std::printf("  ratio (openssl / trustctl)           %8.1fx\n", theirs / ours);
  return bytes > 0 ? 0 : 1;
}
