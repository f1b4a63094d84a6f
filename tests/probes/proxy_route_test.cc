// The probe's choice of proxy, as curl makes it, over an environment map; proxy URLs and the
// credentials file as the command line and configs give them; the interception markers.
#include <catch2/catch.hpp>

#include <sys/stat.h>

#include "probes/diagnosis.h"
#include "probes/interception.h"
#include "probes/proxy_route.h"
#include "probes/recommendation.h"
#include "tests/support/test_pki.h"

using namespace trustctl;
using namespace trustctl::probes;
using namespace trustctl::testing;

namespace {

const ProxyChoice kEnvironment{ProxyChoice::Mode::Environment, ""};
constexpr UnixTime kNow = 1750000000;  // any instant: the PKI is valid around it

}  // namespace

TEST_CASE("proxy route: the environment in curl's order", "[proxy]") {
  ProxyEnvironment env{{"HTTPS_PROXY", "upper:3128"}, {"all_proxy", "http://all:1"}};
  CHECK(resolveProxy(kEnvironment, "a.example", env).url == "http://upper:3128");
  CHECK(resolveProxy(kEnvironment, "a.example", env).source == "HTTPS_PROXY");
  env["https_proxy"] = "http://lower:8080";
  CHECK(resolveProxy(kEnvironment, "a.example", env).url == "http://lower:8080");
  CHECK(resolveProxy(kEnvironment, "a.example", {{"ALL_PROXY", "http://all:1"}}).url ==
        "http://all:1");
  // http_proxy is for http:// URLs only; an https probe does not use it.
  CHECK(resolveProxy(kEnvironment, "a.example", {{"http_proxy", "http://h:1"}}).direct());
  CHECK(resolveProxy(kEnvironment, "a.example", {}).direct());
  CHECK(resolveProxy(kEnvironment, "a.example", {{"https_proxy", "  "}}).direct());
}

TEST_CASE("proxy route: credentials in an environment URL are taken out of it", "[proxy]") {
  auto r = resolveProxy(kEnvironment, "a.example",
                        {{"https_proxy", "http://al%40ice:p%3Ass@proxy.corp:3128/"}});
  CHECK(r.url == "http://proxy.corp:3128/");
  CHECK(r.credentials == "al@ice:p:ss");
  CHECK(proxyUrlForDisplay("http://u:secret@p:1") == "http://p:1");
}

TEST_CASE("proxy route: --proxy and none override the environment", "[proxy]") {
  ProxyEnvironment env{{"https_proxy", "http://env:1"}, {"no_proxy", "*"}};
  auto direct = resolveProxy({ProxyChoice::Mode::Direct, ""}, "a.example", env);
  CHECK(direct.direct());
  auto given = resolveProxy({ProxyChoice::Mode::Url, "http://given:3128"}, "a.example", env);
  CHECK(given.url == "http://given:3128");
  CHECK(given.source == "configured");
}

TEST_CASE("proxy route: no_proxy as curl matches it", "[proxy]") {
  CHECK(noProxyMatches("*", "anything.example"));
  CHECK(noProxyMatches("example.com", "example.com"));
  CHECK(noProxyMatches("example.com", "api.EXAMPLE.com"));
  CHECK(noProxyMatches(".example.com", "api.example.com"));
  CHECK(noProxyMatches(".example.com", "example.com"));
  CHECK_FALSE(noProxyMatches("example.com", "badexample.com"));
  CHECK(noProxyMatches("localhost, internal.corp ,10.0.0.0/8", "internal.corp"));
  CHECK(noProxyMatches("localhost,internal.corp,10.0.0.0/8", "10.20.30.40"));
  CHECK_FALSE(noProxyMatches("10.0.0.0/8", "11.0.0.1"));
  CHECK(noProxyMatches("127.0.0.1", "127.0.0.1"));
  CHECK_FALSE(noProxyMatches("127.0.0.1", "127.0.0.2"));
  CHECK(noProxyMatches("::1", "::1"));
  CHECK(noProxyMatches("[::1]", "::1"));
  CHECK(noProxyMatches("fd00::/8", "fd12::5"));
  CHECK(noProxyMatches("example.com:8443", "example.com"));  // ports are not compared
  CHECK_FALSE(noProxyMatches("", "example.com"));
  CHECK_FALSE(noProxyMatches("*.example.com", "a.example.org"));

  ProxyEnvironment env{{"https_proxy", "http://p:1"}, {"NO_PROXY", "internal.corp"}};
  CHECK(resolveProxy(kEnvironment, "db.internal.corp", env).direct());
  CHECK(resolveProxy(kEnvironment, "example.com", env).url == "http://p:1");
  env["no_proxy"] = "other.corp";  // curl reads no_proxy first, NO_PROXY only when it is unset
  CHECK(resolveProxy(kEnvironment, "db.internal.corp", env).url == "http://p:1");
}

TEST_CASE("proxy URL: normalized, credentials and other schemes refused", "[proxy]") {
  CHECK(*parseProxyUrl("proxy.corp:3128") == "http://proxy.corp:3128");
  CHECK(*parseProxyUrl("http://proxy.corp:3128/") == "http://proxy.corp:3128");
  CHECK(*parseProxyUrl("https://proxy.corp") == "https://proxy.corp:1080");
  CHECK(*parseProxyUrl("http://[::1]:3128") == "http://[::1]:3128");
  auto creds = parseProxyUrl("http://user:hunter2@proxy:3128");
  REQUIRE_FALSE(creds);
  CHECK(creds.error().code == ErrorCode::InvalidArgument);
  CHECK(creds.error().message.find("hunter2") == std::string::npos);
  CHECK_FALSE(parseProxyUrl("socks5://proxy:1080"));
  CHECK_FALSE(parseProxyUrl("http://proxy:0"));
  CHECK_FALSE(parseProxyUrl("http://proxy:3128/path"));
  CHECK_FALSE(parseProxyUrl("http://pro\nxy:3128"));
}

TEST_CASE("proxy credentials file: one line, private, never echoed", "[proxy]") {
  CHECK(*parseProxyCredentials("alice:s3cret\n", "f") == "alice:s3cret");
  CHECK(*parseProxyCredentials("alice:pa:ss\r\n", "f") == "alice:pa:ss");
  for (std::string bad : {"", "no-colon", ":nouser", "a:b\nsecond line"}) {
    auto r = parseProxyCredentials(bad, "f");
    REQUIRE_FALSE(r);
    CHECK(r.error().message.find("b\nsecond") == std::string::npos);
  }
  TempDir dir;
  std::string file = dir.write("proxy.cred", "alice:s3cret\n");
  ::chmod(file.c_str(), 0644);
  auto open = loadProxyCredentials(file);
  REQUIRE_FALSE(open);
  CHECK(open.error().code == ErrorCode::PermissionDenied);
  CHECK(open.error().message.find("chmod 600") != std::string::npos);
  CHECK(open.error().message.find("s3cret") == std::string::npos);
  ::chmod(file.c_str(), 0600);
  CHECK(*loadProxyCredentials(file) == "alice:s3cret");
  CHECK(loadProxyCredentials(dir.file("missing")).error().code == ErrorCode::FileNotFound);
  std::string big = dir.write("big.cred", "u:" + std::string(8192, 'x'));
  ::chmod(big.c_str(), 0600);
  CHECK(loadProxyCredentials(big).error().code == ErrorCode::FileTooLarge);
}

TEST_CASE("interception: known products by their issuer names", "[proxy]") {
  TestPki pki(kNow);
  CHECK(interceptionProductOf(*pki.makeRoot("mitmproxy").cert) == "mitmproxy");
  CHECK(interceptionProductOf(*pki.makeRoot("Zscaler Root CA").cert) == "Zscaler");
  CHECK(interceptionProductOf(*pki.makeRoot("FortiGate CA").cert) == "Fortinet FortiGate");
  CHECK(interceptionProductOf(*pki.makeRoot("Corporate Reset CA").cert).empty());
  CHECK(interceptionProductOf(*pki.makeRoot("Demo Root CA").cert).empty());
}

namespace {

Capture proxiedCapture(const TestPki::Chain& seen, const std::string& proxy) {
  Capture c;
  c.target = *parseTarget("https://127.0.0.1:8443/");
  c.servername = "127.0.0.1";
  c.handshake_completed = true;
  c.tls_version = "TLSv1.3";
  c.http_status = 200;
  c.proxy = proxy;
  c.proxy_source = "configured";
  c.proxy_connect_status = 200;
  c.chain_der = {toDer(seen.leaf.cert), toDer(seen.intermediate.cert), toDer(seen.root.cert)};
  return c;
}

Diagnosis diagnoseWith(const Capture& c, const std::vector<CertificatePtr>& trusted) {
  TrustAnchors trust(truststore::AnchorSet::fromCertificates(trusted));
  Catalog catalog;
  return diagnose(c, trust, catalog, DiagnoseOptions(kNow));
}

}  // namespace

TEST_CASE("interception: the proxied chain against the direct one", "[proxy]") {
  TestPki pki(kNow);
  auto real = pki.makeChain("Real");
  auto corp = pki.makeChain("Corp Inspection");
  Capture c = proxiedCapture(corp, "http://127.0.0.1:3128");
  SECTION("without a direct chain and no marker, an untrusted root is all it can say") {
    CHECK(diagnoseWith(c, {real.root.cert}).code == DiagnosisCode::UntrustedRoot);
  }
  SECTION("another issuer directly: tls_interception, the proxy's root to install") {
    c.direct_attempted = true;
    c.direct_chain_der = {toDer(real.leaf.cert), toDer(real.intermediate.cert)};
    auto d = diagnoseWith(c, {real.root.cert});
    REQUIRE(d.code == DiagnosisCode::TlsInterception);
    CHECK(d.problems[0].detail.find("Real Intermediate CA") != std::string::npos);
    auto rec = recommend(d, c, {c.target.url(), "api", ""});
    CHECK(rec.interception_root);
    CHECK(rec.action == RecommendedAction::Install);
    REQUIRE(rec.cert);
    CHECK(rec.cert->sha256() == corp.root.cert->sha256());
    // Trusting the proxy's root makes it work through the proxy: a warning, not a failure.
    auto trusted = diagnoseWith(c, {corp.root.cert});
    CHECK(trusted.ok());
    REQUIRE(!trusted.problems.empty());
    CHECK(trusted.problems[0].code == DiagnosisCode::TlsInterception);
    CHECK(trusted.problems[0].warning);
  }
  SECTION("the same chain directly: no interception") {
    c.direct_attempted = true;
    c.direct_chain_der = {toDer(corp.leaf.cert)};
    CHECK(diagnoseWith(c, {real.root.cert}).code == DiagnosisCode::UntrustedRoot);
  }
  SECTION("a known product's issuer needs no direct chain") {
    auto mitm = pki.makeChain("mitmproxy");
    Capture m = proxiedCapture(mitm, "http://127.0.0.1:3128");
    auto d = diagnoseWith(m, {real.root.cert});
    REQUIRE(d.code == DiagnosisCode::TlsInterception);
    CHECK(d.problems[0].detail.find("mitmproxy, a TLS interception product") != std::string::npos);
  }
  SECTION("a direct capture is never judged as intercepted") {
    c.proxy.clear();
    c.direct_chain_der = {toDer(real.leaf.cert)};
    CHECK(diagnoseWith(c, {real.root.cert}).code == DiagnosisCode::UntrustedRoot);
  }
}

TEST_CASE("proxy failures: the cause names the proxy and what it answered", "[proxy]") {
  Capture c;
  c.target = *parseTarget("https://api.example:443/");
  c.proxy = "http://127.0.0.1:3128";
  c.proxy_source = "https_proxy";
  c.failure = CaptureFailure::ProxyRefused;
  c.proxy_connect_status = 403;
  c.proxy_status_line = "HTTP/1.0 403 Access violation";
  auto d = diagnoseWith(c, {});
  CHECK(d.code == DiagnosisCode::ProxyConnectRefused);
  CHECK(d.summary.find("HTTP/1.0 403 Access violation") != std::string::npos);
  CHECK(recommend(d, c, {c.target.url(), "", ""}).action == RecommendedAction::CheckNetwork);
  c.failure = CaptureFailure::ProxyAuthRequired;
  c.proxy_connect_status = 407;
  CHECK(diagnoseWith(c, {}).code == DiagnosisCode::ProxyAuthRequired);
  c.failure = CaptureFailure::ProxyUnreachable;
  c.proxy_connect_status = 0;
  c.detail = "Failed to connect to 127.0.0.1 port 3128: Connection refused";
  d = diagnoseWith(c, {});
  CHECK(d.code == DiagnosisCode::ProxyUnreachable);
  CHECK(d.summary.find("https_proxy") != std::string::npos);
  // The evidence survives a record and replay.
  auto back = captureFromJson(captureToJson(c));
  REQUIRE(back);
  CHECK(back->proxy == c.proxy);
  CHECK(back->failure == CaptureFailure::ProxyUnreachable);
  CHECK(diagnoseWith(*back, {}).code == DiagnosisCode::ProxyUnreachable);
}
