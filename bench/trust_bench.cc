// trustctl's library and trust-loading benchmark, printed side by side with what a user would
// otherwise run, in one run on one machine:
//   import 1,000 certificates          vs  openssl x509 -fingerprint over the same files
//   list a library of 10,000           vs  openssl pkcs7 -print_certs over the same bundle
//   verify with 1,000 / 10,000 anchors vs  openssl verify -CAfile / -CApath on the same bundle
// plus the in-process cost of making those anchors ready to verify (trustctl's indexed
// AnchorSet against a plain X509_STORE, whose insertion is quadratic in OpenSSL 3.0).
// Usage: trust_bench TRUSTCTL_BIN [SMALL BIG]   (defaults 1000 10000)
#include <openssl/x509_vfy.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <string>

#include "bench/bench_util.h"
#include "tests/support/test_pki.h"
#include "truststore/anchor_set.h"
#include "truststore/chain_verifier.h"
#include "truststore/connector_runtime.h"
#include "truststore/ossl.h"

using namespace trustctl;
using namespace trustctl::bench;
using trustctl::testing::TempDir;
using trustctl::testing::TestPki;
using trustctl::testing::toPem;

namespace {

void writeFile(const std::string& path, const std::string& data) {
  std::ofstream(path, std::ios::binary) << data;
}

std::string num(size_t n) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%05zu", n);
  return buf;
}

// Anchors ready to verify the OpenSSL way: every certificate inserted into an X509_STORE.
double naiveStoreSeconds(const std::vector<truststore::CertificatePtr>& anchors,
                         const std::vector<truststore::CertificatePtr>& chain, UnixTime now) {
  return medianSeconds(1, [&] {
    ossl::X509StorePtr store(X509_STORE_new());
    for (const auto& a : anchors) {
      X509_STORE_add_cert(store.get(), a->x509());
    }
    X509_STORE_set_flags(store.get(), X509_V_FLAG_PARTIAL_CHAIN);
    ossl::X509StackPtr untrusted(sk_X509_new_null());
    for (size_t i = 1; i < chain.size(); ++i) {
      sk_X509_push(untrusted.get(), chain[i]->x509());  // borrowed: the stack frees no X509
    }
    ossl::X509StoreCtxPtr ctx(X509_STORE_CTX_new());
    X509_STORE_CTX_init(ctx.get(), store.get(), chain[0]->x509(), untrusted.get());
    X509_VERIFY_PARAM_set_time(X509_STORE_CTX_get0_param(ctx.get()), static_cast<time_t>(now));
    if (X509_verify_cert(ctx.get()) != 1) {
      std::fprintf(stderr, "naive store failed to verify\n");
    }
    sk_X509_zero(untrusted.get());
  });
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s TRUSTCTL_BIN [SMALL BIG]\n", argv[0]);
    return 2;
  }
  std::string trustctl = argv[1];
  size_t small = argc > 2 ? std::strtoul(argv[2], nullptr, 10) : 1000;
  size_t big = argc > 3 ? std::strtoul(argv[3], nullptr, 10) : 10000;
  TempDir dir;
  TestPki pki(wallClockNow());
  std::printf("Generating %zu CA certificates (EC P-256)...\n", big);
  std::fflush(stdout);
  std::vector<truststore::CertificatePtr> roots;
  std::vector<std::string> files;
  std::string bundle_small, bundle_big;
  auto chain = pki.makeChain("Bench Target");
  for (size_t i = 0; i + 1 < big; ++i) {
    roots.push_back(pki.makeRoot("Bench Root " + num(i)).cert);
  }
  roots.push_back(chain.root.cert);  // the anchor that matters is last: worst case for a scan
  std::system(("mkdir -p " + dir.file("certs")).c_str());
  for (size_t i = 0; i < roots.size(); ++i) {
    std::string pem = toPem({roots[i]});
    std::string file = dir.file("certs/root" + num(i) + ".pem");
    writeFile(file, pem);
    files.push_back(file);
    bundle_big += pem;
    if (i + 1 >= big - small + 1 || i + 1 == roots.size()) {
      bundle_small += pem;  // the last `small` roots, target root included
    }
  }
  writeFile(dir.file("big.pem"), bundle_big);
  writeFile(dir.file("small.pem"), bundle_small);
  std::string leaf = dir.file("leaf.pem"), inter = dir.file("inter.pem");
  writeFile(leaf, toPem({chain.leaf.cert}));
  writeFile(inter, toPem({chain.intermediate.cert}));
  writeFile(dir.file("chain.pem"), toPem({chain.leaf.cert, chain.intermediate.cert}));

  std::printf("\nratio = trustctl time / other tool's time (lower is better); medians of runs\n\n");
  // 1. Import.
  std::vector<std::string> first(files.end() - static_cast<long>(small), files.end());
  std::string store1 = dir.file("store-import");
  std::vector<std::string> import_cmd{trustctl, "--store", store1, "import"};
  import_cmd.insert(import_cmd.end(), first.begin(), first.end());
  double ours = medianSeconds(1, [&] { runQuiet(import_cmd); });
  double theirs = medianSeconds(1, [&] {
    for (const auto& f : first) {
      runQuiet({"openssl", "x509", "-in", f, "-noout", "-subject", "-enddate", "-fingerprint",
                "-sha256"});
    }
  });
  printRow("import " + std::to_string(small) + " certificates (one command)", ours,
           "openssl x509 -fingerprint x" + std::to_string(small), theirs);

  // 2. Library of `big`, listed.
  std::string store2 = dir.file("store-big");
  std::vector<std::string> import_all{trustctl, "--store", store2, "import"};
  import_all.insert(import_all.end(), files.begin(), files.end());
  double import_big = medianSeconds(1, [&] { runQuiet(import_all); });
  std::printf("%-46s %9.3f s\n",
              ("import " + std::to_string(big) + " certificates (one command)").c_str(),
              import_big);
  std::string pkcs7 = "openssl crl2pkcs7 -nocrl -certfile " + dir.file("big.pem") +
                      " | openssl pkcs7 -print_certs -noout >/dev/null";
  theirs = medianSeconds(3, [&] { runQuiet({"sh", "-c", pkcs7}); });
  ours = medianSeconds(3, [&] { runQuiet({trustctl, "--store", store2, "list"}); });
  printRow("list " + std::to_string(big) + " (table)", ours, "openssl pkcs7 -print_certs", theirs);
  ours = medianSeconds(3, [&] { runQuiet({trustctl, "--store", store2, "--json", "list"}); });
  printRow("list " + std::to_string(big) + " (--json)", ours, "openssl pkcs7 -print_certs", theirs);

  // 3. Connectors trusting `small` and `big` anchors, verified in a fresh process each time.
  runQuiet({trustctl, "--store", store2, "connector", "create", "c-small"});
  runQuiet({trustctl, "--store", store2, "connector", "create", "c-big"});
  for (const auto& [name, count] :
       {std::pair<std::string, size_t>{"c-small", small}, {"c-big", big}}) {
    std::vector<std::string> attach{trustctl, "--store", store2, "connector", "trust", name};
    for (size_t i = roots.size() - count; i < roots.size(); ++i) {
      attach.push_back("root" + num(i));
    }
    double t = medianSeconds(1, [&] { runQuiet(attach); });
    std::printf("%-46s %9.3f s\n",
                ("attach " + std::to_string(count) + " anchors + write runtime files").c_str(), t);
  }
  for (const auto& [name, count, bundle] :
       {std::tuple<std::string, size_t, std::string>{"c-small", small, "small.pem"},
        {"c-big", big, "big.pem"}}) {
    std::vector<std::string> verify{
        trustctl, "--store", store2, "verify", dir.file("chain.pem"), "--connector", name};
    if (runQuiet(verify) != 0) {
      std::fprintf(stderr, "trustctl verify failed for %s\n", name.c_str());
      return 1;
    }
    ours = medianSeconds(3, [&] { runQuiet(verify); });
    theirs = medianSeconds(3, [&] {
      runQuiet({"openssl", "verify", "-CAfile", dir.file(bundle), "-untrusted", inter, leaf});
    });
    printRow("verify, " + std::to_string(count) + " anchors (process)", ours,
             "openssl verify -CAfile", theirs);
    std::string capath = store2 + "/current/connectors/" + name + "/" + truststore::kCapathDir;
    double capath_time = medianSeconds(3, [&] {
      runQuiet({"openssl", "verify", "-CApath", capath, "-untrusted", inter, leaf});
    });
    printRow("verify, " + std::to_string(count) + " anchors (process)", ours,
             "openssl verify -CApath", capath_time);
  }

  // 4. In process: anchors ready to verify.
  std::printf("\nIn process, anchors loaded and one chain verified:\n");
  for (size_t count : {small, big}) {
    std::vector<truststore::CertificatePtr> anchors(roots.end() - static_cast<long>(count),
                                                    roots.end());
    std::string blob, index;
    truststore::AnchorSet::encodeIndexed(anchors, &blob, &index);
    writeFile(dir.file("a.der"), blob);
    writeFile(dir.file("a.idx"), index);
    std::vector<truststore::CertificatePtr> presented{chain.leaf.cert, chain.intermediate.cert};
    ours = medianSeconds(5, [&] {
      auto set = truststore::AnchorSet::loadIndexed(dir.file("a.der"), dir.file("a.idx"));
      if (!set || !truststore::verifyChain(presented, **set, {pki.now(), ""}).ok) {
        std::fprintf(stderr, "indexed anchors failed to verify\n");
      }
    });
    theirs = naiveStoreSeconds(anchors, presented, pki.now());
    printRow("AnchorSet::loadIndexed + verify, " + std::to_string(count), ours,
             "X509_STORE_add_cert x" + std::to_string(count) + " + verify", theirs);
  }
  std::printf("\npeak RSS of any child process: %.1f MiB\n", childrenPeakRssMiB());
  return 0;
}
