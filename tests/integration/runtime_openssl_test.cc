// ConnectorTrust::configureSsl for connectors that use OpenSSL directly: an in-process client
// over a real socket to `openssl s_server` on 127.0.0.1. Trust by intermediate, the host name
// (DNS and IP SAN), refusal with OpenSSL's verify error, a trust change taken by the next
// connection, and the connector's identity for mTLS.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/ssl.h>
#include <catch2/catch.hpp>

#include "runtime/connector_trust.h"
#include "tests/integration/probe_fixture.h"
#include "truststore/ossl.h"

using namespace trustctl;
using namespace trustctl::testing;
using runtime::ConnectorTrust;

namespace {

struct Connection {
  bool handshake_ok = false;
  long verify_result = -1;  // SSL_get_verify_result
  std::string reply;        // the start of s_server's HTTP answer, "" when none came
};

// One TLS connection to 127.0.0.1:`port`, set up by configureSsl for `host`; socket timeouts
// bound every step.
Connection connectTo(ConnectorTrust& trust, int port, const std::string& host) {
  Connection c;
  ossl::SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  ossl::SslPtr ssl(SSL_new(ctx.get()));
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  REQUIRE(fd >= 0);
  timeval timeout{10, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool connected = ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0;
  REQUIRE(trust.configureSsl(ssl.get(), host));
  if (connected && SSL_set_fd(ssl.get(), fd) == 1 && SSL_connect(ssl.get()) == 1) {
    c.handshake_ok = true;
    const std::string request = "GET / HTTP/1.0\r\n\r\n";
    char buf[32];
    if (SSL_write(ssl.get(), request.data(), static_cast<int>(request.size())) > 0) {
      int n = SSL_read(ssl.get(), buf, sizeof buf);
      c.reply.assign(buf, n > 0 ? static_cast<size_t>(n) : 0);
    }
  }
  c.verify_result = SSL_get_verify_result(ssl.get());
  ::close(fd);
  return c;
}

std::unique_ptr<TestServer> serve(const TestPki::Chain& c, const Issued& leaf,
                                  std::vector<CertificatePtr> client_cas = {}) {
  TlsServerOptions o;
  o.chain = {leaf.cert, c.intermediate.cert};
  o.key = leaf.key;
  o.client_cas = std::move(client_cas);
  return startSServer(o);
}

bool answered(const Connection& c) {
  return c.reply.rfind("HTTP/1.0 200", 0) == 0;
}

}  // namespace

TEST_CASE("runtime configureSsl: trust, host names and refusals over real TLS", "[net][runtime]") {
  ProbeFixture f;
  auto c = f.pki.makeChain("Direct");
  CertOptions named_opts;
  named_opts.sans = {"DNS:api.corp.example"};
  auto misnamed = f.pki.makeLeaf(c.intermediate, "api.corp.example", named_opts);
  auto stranger = f.pki.makeChain("Direct Stranger");
  f.trust("api", "direct-intermediate", {c.intermediate.cert});
  auto trust = ConnectorTrust::open(f.storeDir(), "api");
  REQUIRE(trust);
  auto good = serve(c, c.leaf);
  auto wrong_name = serve(c, misnamed);
  auto untrusted = serve(stranger, stranger.leaf);

  for (const std::string host : {"localhost", "127.0.0.1"}) {
    auto ok = connectTo(**trust, good->port, host);
    INFO(host);
    CHECK(ok.handshake_ok);
    CHECK(ok.verify_result == X509_V_OK);
    CHECK(answered(ok));
  }
  auto mismatch = connectTo(**trust, wrong_name->port, "localhost");
  CHECK_FALSE(mismatch.handshake_ok);
  CHECK(mismatch.verify_result == X509_V_ERR_HOSTNAME_MISMATCH);
  auto refused = connectTo(**trust, untrusted->port, "localhost");
  CHECK_FALSE(refused.handshake_ok);
  CHECK(refused.verify_result == X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY);

  // The next connection after a trust change uses it; no reopen.
  f.trust("api", "direct-stranger", {stranger.root.cert});
  CHECK(answered(connectTo(**trust, untrusted->port, "localhost")));
}

TEST_CASE("runtime configureSsl: a URL's bracketed IPv6 literal is an IP to match", "[runtime]") {
  ProbeFixture f;
  f.trust("api", "v6-root", {f.pki.makeRoot("V6 Root").cert});
  auto trust = ConnectorTrust::open(f.storeDir(), "api");
  REQUIRE(trust);
  ossl::SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  ossl::SslPtr ssl(SSL_new(ctx.get()));
  REQUIRE((*trust)->configureSsl(ssl.get(), "[::1]"));
  ossl::OpensslStringPtr ip(X509_VERIFY_PARAM_get1_ip_asc(SSL_get0_param(ssl.get())));
  REQUIRE(ip);
  CHECK(std::string(ip.get()) == "0:0:0:0:0:0:0:1");  // OpenSSL prints it in full
  CHECK(SSL_get_servername(ssl.get(), TLSEXT_NAMETYPE_host_name) == nullptr);  // no SNI for IPs
}

TEST_CASE("runtime configureSsl: the connector's identity answers a client-certificate demand",
          "[net][runtime]") {
  ProbeFixture f;
  auto c = f.pki.makeChain("Direct Mutual");
  auto client_ca = f.pki.makeRoot("Direct Client CA");
  auto client = f.pki.makeLeaf(client_ca, "direct-client");
  f.trust("api", "direct-mutual-root", {c.root.cert});
  auto trust = ConnectorTrust::open(f.storeDir(), "api");
  REQUIRE(trust);
  auto server = serve(c, c.leaf, {client_ca.cert});
  CHECK_FALSE(answered(connectTo(**trust, server->port, "localhost")));

  std::string pem = f.dir().write("client.pem", toPem({client.cert}));
  std::string key = f.dir().write("client.key", keyPem(client.key));
  REQUIRE(f.run({"import", pem, "--key", key, "--name", "direct-client"}).exit_code == 0);
  REQUIRE(f.run({"connector", "identity", "api", "direct-client"}).exit_code == 0);
  auto with = connectTo(**trust, server->port, "localhost");
  CHECK((*trust)->loaded()->hasIdentity());
  CHECK(answered(with));
}
