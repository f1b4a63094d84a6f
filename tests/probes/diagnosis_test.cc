// The pure core replayed from recorded captures: every diagnosis code, the primary-cause order,
// and the recommendation each one leads to. No sockets; the PKI is generated per test.
#include <catch2/catch.hpp>

#include "agent/recommendation_command.h"
#include "probes/diagnosis.h"
#include "probes/recommendation.h"
#include "tests/support/test_pki.h"
#include "truststore/file_util.h"

using namespace trustctl;
using namespace trustctl::probes;
using trustctl::testing::CertOptions;
using trustctl::testing::TestPki;
using truststore::AnchorSet;
using truststore::CertificatePtr;

namespace {

constexpr UnixTime kNow = 1'800'000'000;

Capture captureOf(const std::vector<CertificatePtr>& chain, const std::string& host = "localhost") {
  Capture c;
  c.target = *parseTarget("https://" + host + ":8443/");
  c.servername = host;
  c.handshake_completed = true;
  c.tls_version = "TLSv1.3";
  c.http_status = 200;
  for (const auto& cert : chain) {
    c.chain_der.push_back(cert->der());
  }
  return c;
}

Diagnosis run(const Capture& capture, const std::vector<CertificatePtr>& anchors,
              const Catalog& catalog = Catalog(), bool identity = false) {
  TrustAnchors trust(AnchorSet::fromCertificates(anchors));
  return diagnose(capture, trust, catalog, {kNow, "", identity});
}

std::vector<std::string> codes(const Diagnosis& d) {
  std::vector<std::string> out;
  for (const auto& p : d.problems) {
    out.emplace_back(diagnosisCodeName(p.code));
  }
  return out;
}

// The recommendation, with the command agent/ writes for it.
Recommendation rec(const Diagnosis& d, const Capture& c, const std::string& connector = "api") {
  ProbeResult result;
  result.context = {c.target.url(), connector, ""};
  result.recommendation = recommend(d, c, result.context);
  agent::writeRecommendationCommand(result);
  return result.recommendation;
}

}  // namespace

TEST_CASE("diagnose: trusted chains are ok, including partial trust", "[probes]") {
  TestPki pki(kNow);
  auto c = pki.makeChain("Ok");
  auto capture = captureOf({c.leaf.cert, c.intermediate.cert});
  for (const auto& anchor : {c.root.cert, c.intermediate.cert, c.leaf.cert}) {
    auto d = run(capture, {anchor});
    CHECK(d.ok());
    CHECK(d.problems.empty());
    bool anchored = false;
    for (const auto& p : d.path) {
      anchored = anchored || p->sha256() == anchor->sha256();
    }
    CHECK(anchored);
    CHECK(rec(d, capture).action == RecommendedAction::None);
  }
}

TEST_CASE("diagnose: untrusted root recommends the root, from the catalog or presented",
          "[probes]") {
  TestPki pki(kNow);
  auto c = pki.makeChain("Corp");
  auto capture = captureOf({c.leaf.cert, c.intermediate.cert});
  SECTION("root known to the catalog") {
    Catalog catalog;
    catalog.add(c.root.cert, "catalog");
    auto d = run(capture, {}, catalog);
    CHECK(d.code == DiagnosisCode::UntrustedRoot);
    REQUIRE(d.candidate);
    CHECK(d.candidate->kind == "root");
    auto r = rec(d, capture);
    CHECK(r.action == RecommendedAction::Install);
    CHECK(r.source == "catalog");
    CHECK(r.cert->sha256() == c.root.cert->sha256());
    CHECK(r.command == "trustctl probe https://localhost:8443/ --connector api --install");
  }
  SECTION("root sent by the server") {
    auto with_root = captureOf({c.leaf.cert, c.intermediate.cert, c.root.cert});
    auto d = run(with_root, {});
    CHECK(d.code == DiagnosisCode::UntrustedRoot);
    CHECK(rec(d, with_root).source == "presented");
  }
  SECTION("root in the library: the command trusts the entry") {
    Catalog catalog;
    catalog.add(c.root.cert, "library", "corp-root");
    auto r = rec(run(capture, {}, catalog), capture);
    CHECK(r.command == "trustctl connector trust api corp-root");
  }
  SECTION("root nowhere: ask the owner by issuer and key identifier") {
    auto d = run(capture, {});
    auto r = rec(d, capture);
    CHECK(d.code == DiagnosisCode::UntrustedRoot);
    CHECK(r.source == "unavailable");
    CHECK(r.command.empty());
    CHECK_THAT(r.request_text, Catch::Contains("Corp Root CA") &&
                                   Catch::Contains(c.intermediate.cert->info().authority_key_id) &&
                                   Catch::Contains("Base64"));
  }
}

TEST_CASE("diagnose: a server that forgets its intermediate", "[probes]") {
  TestPki pki(kNow);
  auto c = pki.makeChain("Lazy");
  auto capture = captureOf({c.leaf.cert});
  Catalog catalog;
  catalog.add(c.intermediate.cert, "aia");
  catalog.add(c.root.cert, "catalog");
  SECTION("even when the connector trusts the root") {
    auto d = run(capture, {c.root.cert}, catalog);
    CHECK(d.code == DiagnosisCode::MissingIntermediate);
    auto r = rec(d, capture);
    CHECK(r.kind == "intermediate");
    CHECK(r.source == "aia");
    CHECK_THAT(r.request_text, Catch::Contains("full chain"));
  }
  SECTION("and when nothing is trusted") {
    CHECK(run(capture, {}, catalog).code == DiagnosisCode::MissingIntermediate);
  }
}

TEST_CASE("diagnose: self-signed server recommends pinning with a warning", "[probes]") {
  TestPki pki(kNow);
  auto self = pki.makeSelfSignedLeaf("localhost");
  auto capture = captureOf({self.cert});
  auto d = run(capture, {});
  CHECK(d.code == DiagnosisCode::SelfSigned);
  auto r = rec(d, capture);
  CHECK(r.kind == "server");
  CHECK_THAT(r.command, Catch::EndsWith("--allow-server-pin"));
  CHECK_THAT(r.note, Catch::Contains("renewal"));
  CHECK(run(capture, {self.cert}).ok());
}

TEST_CASE("diagnose: dates, names and weak crypto are all reported, primary first", "[probes]") {
  TestPki pki(kNow);
  SECTION("expired intermediate and hostname mismatch both show") {
    auto root = pki.makeRoot("Dates Root CA");
    CertOptions old;
    old.not_after_offset = -3600;
    auto inter = pki.makeIntermediate(root, "Dates Intermediate CA", old);
    auto leaf = pki.makeLeaf(inter, "api.example.com");
    auto capture = captureOf({leaf.cert, inter.cert}, "other.example.com");
    auto d = run(capture, {root.cert});
    CHECK(codes(d) == std::vector<std::string>{"expired", "hostname_mismatch"});
    CHECK(d.problems[0].certificate == inter.cert->sha256());
    CHECK_THAT(d.problems[1].detail, Catch::Contains("DNS:api.example.com"));
    CHECK(rec(d, capture).action == RecommendedAction::FixServer);
  }
  SECTION("not yet valid") {
    auto root = pki.makeRoot("Future Root CA");
    CertOptions future;
    future.not_before_offset = 86400;
    auto leaf = pki.makeLeaf(root, "localhost", future);
    CHECK(run(captureOf({leaf.cert}), {root.cert}).code == DiagnosisCode::NotYetValid);
  }
  SECTION("weak key and SHA-1 signature") {
    auto root = pki.makeRoot("Weak Root CA");
    CertOptions weak;
    weak.key = trustctl::testing::KeyType::Rsa1024;
    weak.digest = "sha1";
    auto leaf = pki.makeLeaf(root, "localhost", weak);
    auto d = run(captureOf({leaf.cert}), {root.cert});
    CHECK(d.code == DiagnosisCode::WeakCrypto);
  }
  SECTION("a server that offers only an obsolete TLS version is a protocol mismatch") {
    auto c = pki.makeChain("Old");
    auto capture = captureOf({c.leaf.cert, c.intermediate.cert});
    capture.tls_version = "TLSv1";
    CHECK(run(capture, {c.root.cert}).code == DiagnosisCode::ProtocolMismatch);
  }
  SECTION("IP targets match IP SANs") {
    auto c = pki.makeChain("Ip");
    CHECK(run(captureOf({c.leaf.cert, c.intermediate.cert}, "127.0.0.1"), {c.root.cert}).ok());
    CHECK(run(captureOf({c.leaf.cert, c.intermediate.cert}, "127.0.0.2"), {c.root.cert}).code ==
          DiagnosisCode::HostnameMismatch);
  }
}

TEST_CASE("diagnose: a look-alike anchor is the wrong environment", "[probes]") {
  TestPki pki(kNow);
  auto prod = pki.makeChain("Corp");
  auto test = pki.makeChain("Corp");  // same names, other keys: the test-vs-production mix-up
  auto capture = captureOf({prod.leaf.cert, prod.intermediate.cert});
  Catalog catalog;
  catalog.add(prod.root.cert, "catalog");
  auto d = run(capture, {test.root.cert}, catalog);
  CHECK(d.code == DiagnosisCode::WrongEnvironment);
  CHECK(d.problems[0].certificate == test.root.cert->sha256());
  auto r = rec(d, capture);
  CHECK(r.cert->sha256() == prod.root.cert->sha256());
  CHECK_THAT(r.note, Catch::Contains("test and production"));
}

TEST_CASE("diagnose: client certificates", "[probes]") {
  TestPki pki(kNow);
  auto c = pki.makeChain("Mtls");
  auto capture = captureOf({c.leaf.cert, c.intermediate.cert});
  capture.client_certificate_requested = true;
  SECTION("nginx answers 400 after a complete handshake") {
    capture.http_status = 400;
    capture.http_body = "<center>No required SSL certificate was sent</center>";
    auto d = run(capture, {c.root.cert});
    CHECK(d.code == DiagnosisCode::ClientCertificateRequired);
    CHECK(rec(d, capture).action == RecommendedAction::ConfigureIdentity);
  }
  SECTION("TLS 1.3 alert certificate_required") {
    capture.failure = CaptureFailure::AfterHandshake;
    capture.alert_received = 116;
    auto d = run(capture, {c.root.cert});
    CHECK(d.code == DiagnosisCode::ClientCertificateRequired);
    CHECK_THAT(d.problems[0].detail, Catch::Contains("certificate_required"));
  }
  SECTION("asked but optional is fine") {
    CHECK(run(capture, {c.root.cert}).ok());
  }
}

TEST_CASE("diagnose: transport failures map to their codes", "[probes]") {
  std::vector<std::pair<CaptureFailure, DiagnosisCode>> cases{
      {CaptureFailure::DnsFailure, DiagnosisCode::DnsFailure},
      {CaptureFailure::ConnectionRefused, DiagnosisCode::ConnectionRefused},
      {CaptureFailure::Timeout, DiagnosisCode::Timeout},
      {CaptureFailure::NotTls, DiagnosisCode::NotTls},
      {CaptureFailure::StartTlsUnsupported, DiagnosisCode::StartTlsUnsupported},
      {CaptureFailure::ProtocolMismatch, DiagnosisCode::ProtocolMismatch},
      {CaptureFailure::HandshakeFailed, DiagnosisCode::TlsHandshakeFailed},
      {CaptureFailure::ProtocolError, DiagnosisCode::ProtocolError},
  };
  for (const auto& [failure, code] : cases) {
    Capture capture = captureOf({});
    capture.handshake_completed = false;
    capture.failure = failure;
    capture.detail = "library words";
    auto d = run(capture, {});
    CHECK(d.code == code);
    CHECK_FALSE(d.summary.empty());
    CHECK(rec(d, capture).action != RecommendedAction::Install);
  }
}

TEST_CASE("captures survive a JSON round trip", "[probes]") {
  TestPki pki(kNow);
  auto c = pki.makeChain("Json");
  auto capture = captureOf({c.leaf.cert, c.intermediate.cert});
  capture.alert_received = 116;
  capture.failure = CaptureFailure::AfterHandshake;
  auto back = captureFromJson(captureToJson(capture));
  REQUIRE(back);
  CHECK(back->chain_der == capture.chain_der);
  CHECK(back->failure == capture.failure);
  CHECK(back->alert_received == 116);
  CHECK_FALSE(captureFromJson(nlohmann::json{{"url", "https://x/"}}));
}

TEST_CASE("targets: schemes, default ports and usage errors", "[probes]") {
  CHECK(parseTarget("https://Api.Example.com")->url() == "https://api.example.com:443/");
  CHECK(parseTarget("ldaps://dc1")->port == 636);
  CHECK(parseTarget("ldap://dc1")->protocol == Protocol::LdapStartTls);
  CHECK(parseTarget("ldap://dc1")->port == 389);
  CHECK(parseTarget("https://[::1]:8443/x")->url() == "https://[::1]:8443/x");
  for (const char* bad : {"ftp://x", "https://", "https://h:0", "https://h:70000", "https://h:x",
                          "api.example.com", "https://u:p@h", "https://bad host/"}) {
    auto t = parseTarget(bad);
    REQUIRE_FALSE(t);
    CHECK(t.error().code == ErrorCode::InvalidUrl);
  }
}

TEST_CASE("the README's diagnosis table is the one the code list generates", "[probes]") {
  auto readme = truststore::readWholeFile(std::string(TRUSTCTL_SOURCE_DIR) + "/README.md");
  REQUIRE(readme);
  INFO("regenerate the table in README.md from probes/diagnosis_codes.def");
  CHECK(readme->find(diagnosisCodeTable()) != std::string::npos);
}

TEST_CASE("diagnosis codes: names round-trip and every failure has words elsewhere", "[probes]") {
  for (DiagnosisCode code : allDiagnosisCodes()) {
    auto name = diagnosisCodeName(code);
    CAPTURE(name);
    CHECK(diagnosisCodeFromName(name) == code);
    if (code != DiagnosisCode::Ok) {
      CHECK_FALSE(messagesSeenElsewhere(code).empty());
    }
  }
}

TEST_CASE("every path error names a diagnosis code that exists", "[probes]") {
  for (int i = 0; i <= static_cast<int>(truststore::PathErrorCode::Malformed); ++i) {
    auto code = static_cast<truststore::PathErrorCode>(i);
    CAPTURE(truststore::pathErrorName(code));
    CHECK(diagnosisCodeFromName(truststore::pathErrorDiagnosisName(code)).has_value());
  }
}
