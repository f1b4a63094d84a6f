// OCSP stapling from a real server: `openssl s_server -status_file` staples a fixed response,
// signed at test time, and the HTTPS capture asks for it and records it. The leaf's own OCSP
// URL is a closed port, so only the staple can say whether it is revoked.
#include <fstream>

#include <catch2/catch.hpp>

#include "probes/https_capture.h"
#include "tests/integration/probe_fixture.h"
#include "tests/support/test_revocation.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

constexpr UnixTime kDay = 86400;

struct StaplingPki {
  explicit StaplingPki(TestPki& pki)
      : root(pki.makeRoot("Staple Root CA")),
        ca(pki.makeIntermediate(root, "Staple Intermediate CA")),
        leaf(makeRevocableLeaf(ca, "localhost", pki.now(), {}, {closedOcspUrl()})) {}
  static std::string closedOcspUrl() {
    return "http://127.0.0.1:" + std::to_string(closedLoopbackPort()) + "/";
  }
  Issued root;
  Issued ca;
  Issued leaf;
};

// s_server for the leaf, stapling `response` (none when empty) to every handshake.
std::unique_ptr<TestServer> staplingServer(const StaplingPki& p, const TempDir& dir,
                                           const std::string& response,
                                           std::vector<std::string> args = {}) {
  TlsServerOptions o;
  o.chain = {p.leaf.cert, p.ca.cert};
  o.key = p.leaf.key;
  o.extra_args = std::move(args);
  if (!response.empty()) {
    o.extra_args.push_back("-status_file");
    o.extra_args.push_back(
        dir.write("staple-" + std::to_string(freeLoopbackPort()) + ".der", response));
  }
  return startSServer(o);
}

probes::Capture capture(const TestServer& server) {
  probes::CaptureRequest request;
  request.target = *probes::parseTarget(server.url("https"));
  request.timeout_seconds = 5;
  return probes::captureHttps(request);
}

std::vector<nlohmann::json> recordedLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<nlohmann::json> out;
  for (std::string line; std::getline(in, line);) {
    out.push_back(nlohmann::json::parse(line));
  }
  return out;
}

bool hasProblem(const nlohmann::json& result, const std::string& code) {
  for (const auto& p : result["diagnosis"]["problems"]) {
    if (p["code"] == code) {
      return true;
    }
  }
  return false;
}

}  // namespace

TEST_CASE("https capture records the OCSP response the server staples, TLS 1.2 and 1.3",
          "[integration][revocation][stapling][net]") {
  TestPki pki(wallClockNow());
  StaplingPki p(pki);
  UnixTime now = pki.now();
  OcspAnswer answer{OcspAnswer::Status::Good, now - 60, now + kDay, 0, -1};
  std::string good = makeOcspResponse(p.leaf.cert, p.ca, p.ca, answer);
  TempDir dir;
  for (const char* version : {"-tls1_2", "-tls1_3"}) {
    INFO(version);
    auto server = staplingServer(p, dir, good, {version});
    auto c = capture(*server);
    INFO(c.detail);
    REQUIRE(c.failure == probes::CaptureFailure::None);
    CHECK(c.tls_version == (std::string(version) == "-tls1_2" ? "TLSv1.2" : "TLSv1.3"));
    CHECK(c.ocsp_stapled == good);
  }
  SECTION("a server that staples nothing leaves the capture without one") {
    auto plain = staplingServer(p, dir, "");
    auto c = capture(*plain);
    REQUIRE(c.failure == probes::CaptureFailure::None);
    CHECK(c.ocsp_stapled.empty());
  }
  SECTION("a stapled error response is recorded and does not fail the handshake") {
    std::string error = makeOcspErrorResponse(6);
    auto server = staplingServer(p, dir, error);
    auto c = capture(*server);
    CHECK(c.failure == probes::CaptureFailure::None);
    CHECK(c.ocsp_stapled == error);
  }
}

TEST_CASE("probe: a stapled revoked answer is diagnosed revoked, a stapled good one ok",
          "[integration][revocation][stapling][net]") {
  ProbeFixture f;
  StaplingPki p(f.pki);
  UnixTime now = f.pki.now();
  TempDir dir;
  OcspAnswer revoked{OcspAnswer::Status::Revoked, now - 60, now + kDay, now - 3600, 1};
  OcspAnswer good{OcspAnswer::Status::Good, now - 60, now + kDay, 0, -1};
  std::string revoked_der = makeOcspResponse(p.leaf.cert, p.ca, p.ca, revoked);
  auto revoked_server = staplingServer(p, dir, revoked_der);
  auto good_server = staplingServer(p, dir, makeOcspResponse(p.leaf.cert, p.ca, p.ca, good));
  auto plain_server = staplingServer(p, dir, "");
  f.trust("api", "staple-root", {p.root.cert});

  std::string recording = f.dir().file("stapled.jsonl");
  auto result =
      f.probe({revoked_server->url("https"), "--connector", "api", "--record", recording});
  INFO(result.dump(2));
  CHECK(codeOf(result) == "revoked");
  CHECK_THAT(result["diagnosis"].dump(), Catch::Contains("ocsp-stapled"));
  auto lines = recordedLines(recording);
  REQUIRE(lines.size() == 1);
  auto recorded = probes::captureFromJson(lines[0]);
  REQUIRE(recorded);
  CHECK(recorded->ocsp_stapled == revoked_der);
  CHECK_FALSE(lines[0]["ocsp_stapled_base64"].get<std::string>().empty());

  auto fine = f.probe({good_server->url("https"), "--connector", "api"});
  CHECK(codeOf(fine) == "ok");
  CHECK_FALSE(hasProblem(fine, "revocation_unknown"));

  // Without a staple the closed OCSP port leaves revocation unknown: a warning by default.
  auto unknown = f.probe({plain_server->url("https"), "--connector", "api"});
  CHECK(codeOf(unknown) == "ok");
  CHECK(hasProblem(unknown, "revocation_unknown"));
}
