// Revocation evidence fetched from real servers on 127.0.0.1: nginx serving a CRL folder and
// `openssl ocsp` answering from an index, for leaves generated at test time; checked through
// the shell's own functions and through `trustctl probe --record`.
#include <fstream>
#include <sstream>

#include <catch2/catch.hpp>

#include "probes/revocation_fetch.h"
#include "tests/integration/probe_fixture.h"
#include "tests/support/test_revocation.h"
#include "truststore/revocation.h"

using namespace trustctl;
using namespace trustctl::testing;
using truststore::RevocationState;

namespace {

constexpr UnixTime kDay = 86400;

probes::RevocationFetchBounds bounds(UnixTime now, double seconds = 3) {
  probes::RevocationFetchBounds b;
  b.now = now;
  b.timeout_seconds = seconds;
  b.use_cache = false;
  return b;
}

// The revocation verdict a capture supports about `cert`, as the diagnosis will judge it.
truststore::RevocationVerdict judged(const probes::Capture& capture, const Issued& cert,
                                     const Issued& issuer, UnixTime now) {
  return truststore::judgeRevocation(*cert.cert, *issuer.cert,
                                     probes::evidenceFromCapture(capture, *cert.cert), now);
}

std::vector<probes::Capture> readRecording(const std::string& path) {
  std::ifstream in(path);
  std::vector<probes::Capture> out;
  std::string line;
  while (std::getline(in, line)) {
    auto c = probes::captureFromJson(nlohmann::json::parse(line));
    REQUIRE(c);
    out.push_back(std::move(*c));
  }
  return out;
}

}  // namespace

TEST_CASE("revocation fetch: a CRL from nginx lists the leaf", "[integration][revocation][net]") {
  UnixTime now = wallClockNow();
  TestPki pki(now);
  Issued root = pki.makeRoot("Crl Root CA");
  Issued ca = pki.makeIntermediate(root, "Crl Intermediate CA");
  TempDir www;
  HttpFolderServer http(www.path());
  Issued leaf = makeRevocableLeaf(ca, "localhost", now, {http.url("ca.crl")}, {});
  Issued fine = makeRevocableLeaf(ca, "localhost", now, {http.url("ca.crl")}, {});
  www.write("ca.crl", makeCrl(ca, now - 60, now + kDay, {{leaf.cert, now - 3600, 1}}));

  probes::Capture capture;
  probes::fetchRevocationEvidence(capture, {leaf.cert, ca.cert, root.cert}, bounds(now));
  REQUIRE(capture.fetched.size() == 1);
  CHECK(capture.fetched[0].purpose == probes::FetchPurpose::Crl);
  CHECK(capture.fetched[0].about == leaf.cert->sha256());
  CHECK(capture.fetched[0].error.empty());
  auto v = judged(capture, leaf, ca, now);
  CHECK(v.state == RevocationState::Revoked);
  CHECK(v.reason == "keyCompromise");

  probes::Capture other;
  probes::fetchRevocationEvidence(other, {fine.cert, ca.cert, root.cert}, bounds(now));
  CHECK(judged(other, fine, ca, now).state == RevocationState::Good);

  SECTION("a redirect is not followed, and a CRL over the size bound is refused") {
    Issued moved = makeRevocableLeaf(ca, "localhost", now, {http.url("moved")}, {});
    probes::Capture c;
    probes::fetchRevocationEvidence(c, {moved.cert, ca.cert}, bounds(now));
    REQUIRE(c.fetched.size() == 1);
    CHECK_THAT(c.fetched[0].error, Catch::Contains("302"));
    auto small = bounds(now);
    small.crl_max_bytes = 64;
    probes::Capture big;
    probes::fetchRevocationEvidence(big, {leaf.cert, ca.cert}, small);
    REQUIRE(big.fetched.size() == 1);
    CHECK_THAT(big.fetched[0].error, Catch::Contains("larger than 64 bytes"));
    CHECK(judged(big, leaf, ca, now).state == RevocationState::Unknown);
  }
  SECTION("a second fetch of an unchanged path records nothing new") {
    probes::fetchRevocationEvidence(capture, {leaf.cert, ca.cert, root.cert}, bounds(now));
    CHECK(capture.fetched.size() == 1);
  }
  SECTION("the cache answers until nextUpdate, even when the server is gone") {
    probes::clearRevocationCache();
    auto cached = bounds(now);
    cached.use_cache = true;
    probes::Capture first;
    probes::fetchRevocationEvidence(first, {leaf.cert, ca.cert}, cached);
    std::remove(www.file("ca.crl").c_str());
    probes::Capture second;
    probes::fetchRevocationEvidence(second, {leaf.cert, ca.cert}, cached);
    REQUIRE(second.fetched.size() == 1);
    CHECK(second.fetched[0].body == first.fetched[0].body);
    cached.now = now + 2 * kDay;  // past nextUpdate: fetched again, and now missing
    probes::Capture third;
    probes::fetchRevocationEvidence(third, {leaf.cert, ca.cert}, cached);
    REQUIRE(third.fetched.size() == 1);
    CHECK_THAT(third.fetched[0].error, Catch::Contains("404"));
    probes::clearRevocationCache();
  }
}

TEST_CASE("revocation fetch: openssl ocsp answers revoked and good",
          "[integration][revocation][net]") {
  UnixTime now = wallClockNow();
  TestPki pki(now);
  Issued root = pki.makeRoot("Ocsp Root CA");
  Issued ca = pki.makeIntermediate(root, "Ocsp Intermediate CA");
  Issued signer = makeOcspSigner(ca, now);
  int port = freeLoopbackPort();
  std::string url = "http://127.0.0.1:" + std::to_string(port) + "/";
  Issued revoked = makeRevocableLeaf(ca, "localhost", now, {}, {url});
  Issued good = makeRevocableLeaf(ca, "localhost", now, {}, {url});
  Issued stranger = makeRevocableLeaf(ca, "localhost", now, {}, {url});
  OcspResponder responder(ca, signer, {good.cert}, {revoked.cert}, port);

  probes::Capture a;
  probes::fetchRevocationEvidence(a, {revoked.cert, ca.cert}, bounds(now));
  REQUIRE(a.fetched.size() == 1);
  CHECK(a.fetched[0].purpose == probes::FetchPurpose::Ocsp);
  INFO(a.fetched[0].error);
  auto v = judged(a, revoked, ca, now);
  INFO(v.detail);
  CHECK(v.state == RevocationState::Revoked);
  CHECK(v.reason == "keyCompromise");
  CHECK(v.source == "ocsp");

  probes::Capture b;
  probes::fetchRevocationEvidence(b, {good.cert, ca.cert}, bounds(now));
  auto g = judged(b, good, ca, now);
  INFO(g.detail);
  CHECK(g.state == RevocationState::Good);

  probes::Capture c;
  probes::fetchRevocationEvidence(c, {stranger.cert, ca.cert}, bounds(now));
  CHECK(judged(c, stranger, ca, now).state == RevocationState::Unknown);
}

TEST_CASE("revocation fetch: an unreachable CDP is unknown, with the fetch error",
          "[integration][revocation][net]") {
  UnixTime now = wallClockNow();
  TestPki pki(now);
  Issued root = pki.makeRoot("Gone Root CA");
  Issued ca = pki.makeIntermediate(root, "Gone Intermediate CA");
  std::string gone = "http://127.0.0.1:" + std::to_string(closedLoopbackPort()) + "/ca.crl";
  std::vector<std::string> many;
  for (int i = 0; i < 10; ++i) {
    many.push_back(gone + "?" + std::to_string(i));
  }
  Issued leaf = makeRevocableLeaf(ca, "localhost", now, many, {});

  probes::Capture capture;
  probes::fetchRevocationEvidence(capture, {leaf.cert, ca.cert}, bounds(now, 1));
  REQUIRE(capture.fetched.size() == 10);  // every URL recorded, at most 8 of them tried
  CHECK_THAT(capture.fetched[0].error, Catch::Contains("onnect"));
  CHECK_THAT(capture.fetched[9].error, Catch::Contains("not fetched"));
  auto v = judged(capture, leaf, ca, now);
  CHECK(v.state == RevocationState::Unknown);
  CHECK_THAT(v.detail, Catch::Contains(gone));
}

TEST_CASE("probe --record keeps the CRL the probe fetched for the leaf",
          "[integration][revocation][net]") {
  ProbeFixture f;
  UnixTime now = f.pki.now();
  Issued root = f.pki.makeRoot("Probe Rev Root CA");
  Issued ca = f.pki.makeIntermediate(root, "Probe Rev Intermediate CA");
  TempDir www;
  HttpFolderServer http(www.path());
  Issued leaf = makeRevocableLeaf(ca, "localhost", now, {http.url("ca.crl")}, {});
  www.write("ca.crl", makeCrl(ca, now - 60, now + kDay, {{leaf.cert, now - 3600, 1}}));
  TlsServerOptions o;
  o.chain = {leaf.cert, ca.cert};
  o.key = leaf.key;
  auto server = startSServer(o);
  f.trust("api", "rev-root", {root.cert});

  std::string recording = f.dir().file("capture.jsonl");
  f.probe({server->url("https"), "--connector", "api", "--record", recording});
  auto captures = readRecording(recording);
  REQUIRE(captures.size() == 1);
  const auto& fetched = captures[0].fetched;
  auto crl = std::find_if(fetched.begin(), fetched.end(), [](const probes::FetchedObject& x) {
    return x.purpose == probes::FetchPurpose::Crl;
  });
  REQUIRE(crl != fetched.end());
  CHECK(crl->url == http.url("ca.crl"));
  CHECK(crl->about == leaf.cert->sha256());
  auto v = judged(captures[0], leaf, ca, wallClockNow());
  CHECK(v.state == RevocationState::Revoked);
  CHECK(v.reason == "keyCompromise");

  SECTION("a connector with revocation off fetches nothing") {
    auto off = f.run({"connector", "edit", "api", "--revocation", "off"});
    INFO(off.err);
    REQUIRE(off.exit_code == 0);
    f.probe({server->url("https"), "--connector", "api", "--record", recording});
    CHECK(readRecording(recording).at(0).fetched.empty());
  }
}

TEST_CASE("probe: a revoked leaf is diagnosed revoked, an unreachable CDP revocation_unknown",
          "[integration][revocation][revocation-e2e][net]") {
  ProbeFixture f;
  UnixTime now = f.pki.now();
  Issued root = f.pki.makeRoot("E2e Rev Root CA");
  Issued ca = f.pki.makeIntermediate(root, "E2e Rev Intermediate CA");
  TempDir www;
  HttpFolderServer http(www.path());
  Issued leaf = makeRevocableLeaf(ca, "localhost", now, {http.url("ca.crl")}, {});
  www.write("ca.crl", makeCrl(ca, now - 60, now + kDay, {{leaf.cert, now - 3600, 1}}));
  std::string gone = "http://127.0.0.1:" + std::to_string(closedLoopbackPort()) + "/ca.crl";
  Issued lost = makeRevocableLeaf(ca, "localhost", now, {gone}, {});
  TlsServerOptions o;
  o.chain = {leaf.cert, ca.cert};
  o.key = leaf.key;
  auto revoked_server = startSServer(o);
  o.chain = {lost.cert, ca.cert};
  o.key = lost.key;
  auto lost_server = startSServer(o);
  f.trust("api", "rev-root", {root.cert});

  CHECK(codeOf(f.probe({revoked_server->url("https"), "--connector", "api"})) == "revoked");
  // Soft (the default): unknown revocation is a warning, and the probe still passes.
  auto soft = f.probe({lost_server->url("https"), "--connector", "api"});
  CHECK(codeOf(soft) == "ok");
  bool warned = false;
  for (const auto& p : soft["diagnosis"]["problems"]) {
    warned |= p["code"] == "revocation_unknown" && p["severity"] == "warning";
  }
  CHECK(warned);
  // Hard: the connector asked to fail on it.
  REQUIRE(f.run({"connector", "edit", "api", "--revocation", "hard"}).exit_code == 0);
  CHECK(codeOf(f.probe({lost_server->url("https"), "--connector", "api"})) == "revocation_unknown");
}
