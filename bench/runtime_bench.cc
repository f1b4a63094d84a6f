// The runtime library's costs, side by side in one run on one machine with what a connector
// would otherwise do:
//   the per-connection change check           vs  one loopback TLS handshake
//   reloading a 1,000-anchor trust             vs  SSL_CTX_load_verify_locations on the same
//                                                  bundle, and `openssl verify -CAfile` on it
//   handshakes/s through the library (libcurl) vs  plain libcurl with CURLOPT_CAINFO on the
//                                                  same bundle, plus the example connector
// nginx (1 worker) serves on 127.0.0.1; every connection is new and no TLS session is resumed.
// Usage: runtime_bench TRUSTCTL_BIN EXAMPLE_CONNECTOR_BIN [HANDSHAKES]   (default 3000)
#include <curl/curl.h>
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "bench/bench_util.h"
#include "runtime/connector_trust.h"
#include "runtime/curl_trust.h"
#include "tests/support/cli_runner.h"
#include "tests/support/servers.h"
#include "tests/support/test_pki.h"

using namespace trustctl;
using namespace trustctl::bench;
using namespace trustctl::testing;

namespace {

double secondsSince(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

size_t discard(char*, size_t size, size_t count, void*) {
  return size * count;
}

double cpuSeconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return static_cast<double>(u.ru_utime.tv_sec + u.ru_stime.tv_sec) +
         static_cast<double>(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6;
}

struct Rate {
  double per_second = 0;
  double cpu_us = 0;  // this process's CPU per handshake
};

// `n` requests, each on a new connection with a full handshake.
Rate handshakeRate(CURL* easy, const std::string& url, int n) {
  curl_easy_setopt(easy, CURLOPT_URL, url.c_str());
  curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
  curl_easy_setopt(easy, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(easy, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(easy, CURLOPT_SSL_SESSIONID_CACHE, 0L);
  curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, 10000L);
  auto start = std::chrono::steady_clock::now();
  double cpu_start = cpuSeconds();
  int failures = 0;
  for (int i = 0; i < n; ++i) {
    failures += curl_easy_perform(easy) == CURLE_OK ? 0 : 1;
  }
  double seconds = secondsSince(start);
  if (failures) {
    std::fprintf(stderr, "%d of %d connections failed\n", failures, n);
  }
  return {n / seconds, (cpuSeconds() - cpu_start) / n * 1e6};
}

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

std::string must(const RunResult& r, const std::string& what) {
  if (r.exit_code != 0) {
    std::fprintf(stderr, "%s failed: %s\n", what.c_str(), r.err.c_str());
    std::exit(3);
  }
  return r.out;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s TRUSTCTL_BIN EXAMPLE_CONNECTOR_BIN [HANDSHAKES]\n", argv[0]);
    return 2;
  }
  std::string trustctl = argv[1];
  std::string example = argv[2];
  int n = argc > 3 ? std::atoi(argv[3]) : 3000;
  TempDir dir;
  std::string store = dir.file("store");
  TestPki pki(wallClockNow());
  auto chain = pki.makeChain("Bench");
  std::vector<CertificatePtr> many{chain.root.cert};
  for (int i = 1; i < 1000; ++i) {
    many.push_back(pki.makeRoot("Bench Filler " + std::to_string(i)).cert);
  }
  std::string root_pem = dir.write("root.pem", toPem({chain.root.cert}));
  std::string many_pem = dir.write("many.pem", toPem(many));
  std::string leaf_pem = dir.write("leaf.pem", toPem({chain.leaf.cert, chain.intermediate.cert}));
  auto cli = [&](std::vector<std::string> args) {
    args.insert(args.begin(), {"--store", store});
    return must(runProgram(trustctl, args), args[2]);
  };
  cli({"import", root_pem, "--name", "bench-root"});
  cli({"import", many_pem, "--name", "bench-many"});
  cli({"connector", "create", "small"});
  cli({"connector", "trust", "small", "bench-root"});
  cli({"connector", "create", "big"});
  cli({"connector", "trust", "big", "bench-many"});

  TlsServerOptions server_options;
  server_options.chain = {chain.leaf.cert, chain.intermediate.cert};
  server_options.key = chain.leaf.key;
  auto nginx = startNginx(server_options, 1);
  std::string url = nginx->url("https");
  curl_global_init(CURL_GLOBAL_DEFAULT);

  // Handshakes: the example connector, the library in process and plain CAINFO, alternated
  // over 10 rounds, medians kept.
  auto trust = runtime::ConnectorTrust::open(store, "small");
  if (!trust) {
    std::fprintf(stderr, "%s\n", trust.error().message.c_str());
    return 3;
  }
  const int rounds = 10;
  std::vector<double> with_library, with_cainfo, with_example, cpu_library, cpu_cainfo;
  for (int round = 0; round < rounds; ++round) {
    std::string out = must(runProgram(example, {"--store", store, "--connector", "small",
                                                "--repeat", std::to_string(n / rounds), url}),
                           "example connector");
    with_example.push_back(std::strtod(out.substr(out.rfind(" s, ") + 4).c_str(), nullptr));
    // Alternate which goes first, so drift over the run (thermal, the server's caches) is
    // shared evenly.
    auto run_library = [&] {
      CURL* lib = curl_easy_init();
      (void)runtime::configureCurl(lib, **trust);
      Rate r = handshakeRate(lib, url, n / rounds);
      with_library.push_back(r.per_second);
      cpu_library.push_back(r.cpu_us);
      curl_easy_cleanup(lib);
    };
    auto run_plain = [&] {
      CURL* plain = curl_easy_init();
      curl_easy_setopt(plain, CURLOPT_CAINFO, root_pem.c_str());
      // Debian's libcurl adds /etc/ssl/certs unless CAPATH is turned off: explicit trust.
      curl_easy_setopt(plain, CURLOPT_CAPATH, nullptr);
      Rate r = handshakeRate(plain, url, n / rounds);
      with_cainfo.push_back(r.per_second);
      cpu_cainfo.push_back(r.cpu_us);
      curl_easy_cleanup(plain);
    };
    if (round % 2 == 0) {
      run_library();
      run_plain();
    } else {
      run_plain();
      run_library();
    }
  }
  double lib_rate = median(with_library);
  double plain_rate = median(with_cainfo);
  double example_rate = median(with_example);
  double lib_cpu = median(cpu_library);
  double plain_cpu = median(cpu_cainfo);

  // The change check: what every new connection pays when nothing changed.
  const int checks = 200000;
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < checks; ++i) {
    (void)(*trust)->current();
  }
  double check_us = secondsSince(start) / checks * 1e6;
  double handshake_us = 1e6 / lib_rate;

  // Reloading 1,000 anchors, against loading the same bundle the OpenSSL way.
  double reload_s = medianSeconds(5, [&] { (void)runtime::ConnectorTrust::open(store, "big"); });
  double openssl_load_s = medianSeconds(5, [&] {
    SSL_CTX* ctx = SSL_CTX_new(TLS_client_method());
    SSL_CTX_load_verify_locations(ctx, many_pem.c_str(), nullptr);
    SSL_CTX_free(ctx);
  });
  double openssl_verify_s = medianSeconds(5, [&] {
    runQuiet({"openssl", "verify", "-partial_chain", "-CAfile", many_pem, leaf_pem});
  });

  std::printf(
      "\nRuntime library, %d handshakes per tool on 127.0.0.1 (nginx, 1 worker, no "
      "session reuse):\n\n",
      n / rounds * 3);
  std::printf("%-44s %12s %12s %8s\n", "measure", "trustctl", "other", "ratio");
  std::printf("%-44s %12.0f %12.0f %8.2f   (other: libcurl CURLOPT_CAINFO)\n",
              "handshakes/s, libcurl", lib_rate, plain_rate, lib_rate / plain_rate);
  std::printf("%-44s %12.0f %12.0f %8.2f   (other: libcurl CURLOPT_CAINFO)\n",
              "handshakes/s, example connector process", example_rate, plain_rate,
              example_rate / plain_rate);
  std::printf("%-44s %12.0f %12.0f %8.2f   (other: libcurl CURLOPT_CAINFO)\n",
              "client CPU per handshake, us", lib_cpu, plain_cpu, lib_cpu / plain_cpu);
  std::printf("%-44s %12.2f %12.0f %7.3f%%   (other: one handshake)\n",
              "change check per connection, us", check_us, handshake_us,
              100.0 * check_us / handshake_us);
  std::printf("%-44s %12.1f %12.1f %8.2f   (other: SSL_CTX_load_verify_locations)\n",
              "load a 1,000-anchor trust, ms", reload_s * 1e3, openssl_load_s * 1e3,
              reload_s / openssl_load_s);
  std::printf("%-44s %12.1f %12.1f %8.2f   (other: openssl verify -CAfile, whole process)\n",
              "load a 1,000-anchor trust, ms", reload_s * 1e3, openssl_verify_s * 1e3,
              reload_s / openssl_verify_s);
  std::printf(
      "\nratio = trustctl / other: above 1 is faster for rates, below 1 is faster for "
      "times.\n");
  curl_global_cleanup();
  return 0;
}
