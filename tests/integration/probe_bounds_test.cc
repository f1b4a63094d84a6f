// Every probe ends by its deadline whatever the peer does (hostile review, issue 12): a TLS
// server flooding HelloRequest, a certificate whose AIA lists 20 URLs that hang, and an LDAP
// server announcing a 2 GiB message. The probe runs as a real process, killed only at a
// generous limit; each test asserts it ended by itself, with the right diagnosis.
#include <catch2/catch.hpp>

#include "tests/integration/probe_fixture.h"
#include "tests/support/bounded_run.h"
#include "tests/support/hostile_servers.h"

using namespace trustctl;
using namespace trustctl::testing;

namespace {

// Far above any timeout given below: reaching it means the probe did not end by itself.
constexpr int kKillLimitSeconds = 60;

nlohmann::json probeBounded(ProbeFixture& f, std::vector<std::string> args, BoundedRun* raw) {
  args.insert(args.begin(), {"--store", f.storeDir(), "probe"});
  args.insert(args.end(), {"--json", "--no-system-catalog"});
  *raw = runTrustctlBounded(args, kKillLimitSeconds);
  INFO("stdout: " << raw->result.out << "\nstderr: " << raw->result.err);
  REQUIRE_FALSE(raw->killed_at_limit);
  REQUIRE(raw->result.exit_code == 1);
  return nlohmann::json::parse(raw->result.out);
}

Issued loopbackLeaf(ProbeFixture& f, const Issued& issuer, CertOptions o = {}) {
  o.sans = {"IP:127.0.0.1"};
  return f.pki.makeLeaf(issuer, "localhost", o);
}

}  // namespace

TEST_CASE("probe: a server flooding HelloRequest after the handshake ends at the timeout",
          "[net]") {
  ProbeFixture f;
  auto root = f.pki.makeRoot("Flood Root CA");
  auto leaf = loopbackLeaf(f, root);
  HostileServer flood(Hostility::HelloRequestFlood, leaf.cert, leaf.key);
  // The chain is trusted, so what the probe reports is the transport's fault alone.
  f.trust("flood", "flood-root", {root.cert});
  // HTTPS refuses to renegotiate and waits for an answer that never comes; libldap's GnuTLS
  // renegotiates, and the flood breaks that handshake.
  for (auto [scheme, code] : {std::pair{"https", "timeout"}, {"ldaps", "tls_handshake_failed"}}) {
    SECTION(scheme) {
      BoundedRun raw;
      auto r = probeBounded(f, {flood.url(scheme), "--connector", "flood", "--timeout", "2"}, &raw);
      INFO(r.dump(2));
      CHECK(codeOf(r) == code);
      CHECK(flood.sent() > 0);  // the flood did happen
    }
  }
}

TEST_CASE("probe: twenty AIA URLs that hang cost one bounded budget, not twenty timeouts",
          "[net]") {
  ProbeFixture f;
  auto root = f.pki.makeRoot("Aia Hang Root CA");
  auto inter = f.pki.makeIntermediate(root, "Aia Hang Issuing CA");
  HostileServer blackhole(Hostility::Blackhole);
  CertOptions o;
  for (int i = 0; i < 20; ++i) {
    o.aia_ca_issuers.push_back(blackhole.url("http", "/issuer-" + std::to_string(i) + ".cer"));
  }
  auto leaf = loopbackLeaf(f, inter, o);
  TlsServerOptions so;
  so.chain = {leaf.cert};
  so.key = leaf.key;
  auto server = startSServer(so);
  f.trust("api", "aia-hang-root", {root.cert});
  BoundedRun raw;
  auto r = probeBounded(f, {server->url("https"), "--connector", "api", "--timeout", "3"}, &raw);
  // The issuer was fetched nowhere: the server sent its leaf alone and its issuing CA (not
  // self-issued, so an intermediate) is missing.
  CHECK(codeOf(r) == "missing_intermediate");
  CHECK(r["recommendation"]["source"] == "unavailable");
  CHECK(blackhole.accepted() <= 4);
}

TEST_CASE("probe: an LDAP answer announcing 2 GiB is a protocol error, read within a small cap",
          "[net]") {
  ProbeFixture f;
  auto root = f.pki.makeRoot("Ber Root CA");
  auto leaf = loopbackLeaf(f, root);
  SECTION("ldap:// (the answer to StartTLS)") {
    HostileServer huge(Hostility::HugeLdapLength);
    BoundedRun raw;
    auto r = probeBounded(f, {huge.url("ldap"), "--timeout", "5"}, &raw);
    CHECK(codeOf(r) == "protocol_error");
    CHECK(raw.max_rss_kib < 200 * 1024);
  }
  SECTION("ldaps:// (the answer to the root DSE read, inside TLS)") {
    HostileServer huge(Hostility::HugeLdapLength, leaf.cert, leaf.key);
    BoundedRun raw;
    auto r = probeBounded(f, {huge.url("ldaps"), "--timeout", "5"}, &raw);
    CHECK(codeOf(r) == "protocol_error");
    CHECK(raw.max_rss_kib < 200 * 1024);
  }
}
