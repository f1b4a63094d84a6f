#pragma once
// A store with one entry and a folder of certificate files generated at test time, for the
// `trustctl apply` tests; each fixture is its own temporary folder.

#include <string>
#include <vector>

#include "tests/support/cli_runner.h"
#include "tests/support/test_pki.h"

namespace trustctl::testing {

class ApplyFixture {
 public:
  ApplyFixture() : pki(wallClockNow()) {
    auto c = pki.makeChain("Apply");
    root = c.root;
    inter = c.intermediate;
    auto client = pki.makeLeaf(c.intermediate, "apply-client");
    dir.write("root.pem", toPem({root.cert}));
    dir.write("inter.der", toDer(inter.cert));
    dir.write("client.p12", toPkcs12(client.key, {client.cert}, "s3cret"));
    dir.write("client.pass", "s3cret\n");
    dir.write("wrong.pass", "nope\n");
    // A store with something in it, so "unchanged" means something.
    run({"import", dir.file("inter.der"), "--name", "existing"});
  }
  RunResult run(std::vector<std::string> args, const RunOptions& o = {}) {
    args.insert(args.begin(), {"--store", dir.file("store")});
    return runTrustctl(args, o);
  }
  RunResult apply(const std::string& toml, std::vector<std::string> extra = {}) {
    std::string path = dir.write("trustctl.toml", toml);
    std::vector<std::string> args{"apply", path};
    args.insert(args.end(), extra.begin(), extra.end());
    return run(args);
  }
  std::string store() const { return dir.file("store"); }
  TestPki pki;
  Issued root, inter;
  TempDir dir;
};

}  // namespace trustctl::testing
