// The table's last part: faults of the transport and the protocol. Live, each is a real
// loopback server (or the lack of one); replayed, a capture shaped as the live one records.
// Nothing to install fixes any of them.
#include "tests/support/fault_scenarios.h"

namespace trustctl::testing {

using probes::CaptureFailure;
using probes::DiagnosisCode;

namespace {

// No handshake happened: no chain, no version, no HTTP answer.
ScenarioSetup transport(ServerKind server, CaptureFailure failure, const std::string& detail) {
  ScenarioSetup s;
  s.server = server;
  s.fix = Fix::NotApplicable;
  s.probe_args = {"--timeout", "3"};
  s.replay.failure = failure;
  s.replay.handshake_completed = false;
  s.replay.tls_version = "";
  s.replay.http_status = 0;
  s.replay.chain_received = false;
  s.replay.detail = detail;
  return s;
}

ScenarioSetup dnsFailure(TestPki&) {
  auto s = transport(ServerKind::None, CaptureFailure::DnsFailure,
                     "Could not resolve host: no-such-host.invalid");
  s.host = "no-such-host.invalid";
  return s;
}

ScenarioSetup refused(TestPki&) {
  auto s = transport(ServerKind::None, CaptureFailure::ConnectionRefused,
                     "Failed to connect to 127.0.0.1: Connection refused");
  s.port = PortChoice::Closed;
  return s;
}

ScenarioSetup silent(TestPki&) {
  auto s = transport(ServerKind::Silent, CaptureFailure::Timeout, "Operation timed out");
  s.probe_args = {"--timeout", "1"};
  return s;
}

ScenarioSetup plainHttp(TestPki&) {
  return transport(ServerKind::PlainHttp, CaptureFailure::NotTls,
                   "error:0A00010B:SSL routines::wrong version number");
}

ScenarioSetup noStartTls(TestPki&) {
  auto s = transport(ServerKind::SlapdNoTls, CaptureFailure::StartTlsUnsupported,
                     "ldap_start_tls: Protocol error (2)");
  s.scheme = "ldap";
  s.port = PortChoice::Plain;
  return s;
}

ScenarioSetup hugeLdap(TestPki&) {
  auto s = transport(ServerKind::HugeLdap, CaptureFailure::ProtocolError,
                     "the server announced an LDAP message of 2147483648 bytes");
  s.scheme = "ldap";
  s.probe_args = {"--timeout", "5"};
  return s;
}

// ldap:// (StartTLS) pointed at slapd's LDAPS port: the plain StartTLS request meets a TLS
// server. The capture notes that the port answers a ClientHello.
ScenarioSetup startTlsOnLdaps(TestPki& pki) {
  auto c = pki.makeChain("Ldaps Port");
  auto s = transport(ServerKind::Slapd, CaptureFailure::StartTlsUnsupported,
                     "ldap_start_tls: Can't contact LDAP server (-1)");
  s.scheme = "ldap";
  s.chain = {c.leaf.cert, c.intermediate.cert};
  s.key = c.leaf.key;
  s.trusted = {c.root.cert};
  s.replay.port_speaks_tls = true;
  return s;
}

// TLS 1.0 only: the handshake completes at a version runtimes refuse.
ScenarioSetup oldTls(TestPki& pki) {
  auto c = pki.makeChain("Oldtls");
  ScenarioSetup s;
  s.chain = {c.leaf.cert, c.intermediate.cert};
  s.key = c.leaf.key;
  s.trusted = {c.root.cert};
  s.server_args = {"-tls1", "-cipher", "DEFAULT@SECLEVEL=0"};
  s.fix = Fix::NotApplicable;
  s.probe_args = {"--timeout", "3"};
  s.replay.tls_version = "TLSv1";
  return s;
}

// A server that rejects the SNI with a fatal unrecognized_name alert.
ScenarioSetup sniRejected(TestPki& pki) {
  auto c = pki.makeChain("Sni");
  auto s = transport(ServerKind::SServer, CaptureFailure::HandshakeFailed,
                     "error:0A000458:SSL routines::tlsv1 unrecognized name");
  s.chain = {c.leaf.cert, c.intermediate.cert};
  s.key = c.leaf.key;
  s.trusted = {c.root.cert};
  s.server_args = {"-servername", "expected.example", "-servername_fatal", "-cert2", "@LEAF_PEM@",
                   "-key2",       "@KEY_PEM@"};
  s.probe_args = {"--servername", "other.example", "--timeout", "3"};
  s.replay.alert_received = 112;  // unrecognized_name
  return s;
}

ScenarioSetup clientCertificate(TestPki& pki, ServerKind server) {
  auto c = pki.makeChain(server == ServerKind::Nginx ? "Mtls Nginx" : "Mtls");
  auto client_ca = pki.makeRoot("Scenario Client CA");
  ScenarioSetup s;
  s.server = server;
  s.chain = {c.leaf.cert, c.intermediate.cert};
  s.key = c.leaf.key;
  s.client_cas = {client_ca.cert};
  s.trusted = {c.root.cert};
  s.fix = Fix::NotApplicable;  // configure_identity, not trust
  s.replay.client_certificate_requested = true;
  if (server == ServerKind::Nginx) {
    s.replay.http_status = 400;
    s.replay.http_body = "<center>No required SSL certificate was sent</center>";
  } else {
    s.replay.failure = CaptureFailure::AfterHandshake;
    s.replay.alert_received = 116;  // certificate_required
    s.replay.http_status = 0;
  }
  return s;
}

}  // namespace

std::vector<FaultScenario> transportScenarios() {
  return {
      {"a name under .invalid", DiagnosisCode::DnsFailure, {}, true, true, dnsFailure},
      {"a closed port", DiagnosisCode::ConnectionRefused, {}, true, true, refused},
      {"a listener that never answers", DiagnosisCode::Timeout, {}, true, true, silent},
      {"a plain HTTP port", DiagnosisCode::NotTls, {}, true, true, plainHttp},
      {"a directory without StartTLS",
       DiagnosisCode::StartTlsUnsupported,
       {},
       true,
       true,
       noStartTls},
      {"an LDAP answer announcing 2 GiB", DiagnosisCode::ProtocolError, {}, true, true, hugeLdap},
      {"ldap:// to an LDAPS-only port",
       DiagnosisCode::StartTlsOnLdapsPort,
       {},
       true,
       true,
       startTlsOnLdaps},
      {"a TLS 1.0-only server", DiagnosisCode::ProtocolMismatch, {}, true, true, oldTls},
      {"a server rejecting the SNI",
       DiagnosisCode::TlsHandshakeFailed,
       {},
       true,
       true,
       sniRejected},
      {"s_server demanding a client certificate",
       DiagnosisCode::ClientCertificateRequired,
       {},
       true,
       true,
       [](TestPki& p) { return clientCertificate(p, ServerKind::SServer); }},
      {"nginx demanding a client certificate",
       DiagnosisCode::ClientCertificateRequired,
       {},
       true,
       true,
       [](TestPki& p) { return clientCertificate(p, ServerKind::Nginx); }},
  };
}

}  // namespace trustctl::testing
