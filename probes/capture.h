#pragma once
// What one connection attempt to a target recorded: how far it got, what the server presented
// and said. A Capture is plain data with a JSON form, so a capture taken from a live server can
// be replayed into diagnose() in a unit test or by `trustctl probe --replay`. Only the capture
// functions (https_capture, ldap_capture) touch sockets.

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "probes/target.h"
#include "truststore/certificate.h"
#include "truststore/error.h"
#include "truststore/private_key.h"

namespace trustctl::probes {

// Where the attempt stopped, as the transport saw it; diagnose() turns it into a cause.
enum class CaptureFailure {
  None,                 // handshake done and the request answered
  DnsFailure,           // the host name did not resolve
  ConnectionRefused,    // TCP connect was refused or unreachable
  Timeout,              // no progress within the time limit (connect, handshake or answer)
  NotTls,               // the peer answered with bytes that are not TLS
  StartTlsUnsupported,  // the LDAP server refused or does not offer StartTLS
  ProtocolMismatch,     // no common TLS version or cipher suite
  HandshakeFailed,      // any other handshake failure (see alert / detail)
  AfterHandshake,       // the handshake completed, then the server closed or refused
  ProtocolError,        // the server broke the protocol (e.g. an LDAP message over the size cap)
  ProxyUnreachable,     // the proxy did not accept the connection (refused, unresolved, timeout)
  ProxyAuthRequired,    // the proxy answered CONNECT with 407
  ProxyRefused,         // the proxy answered CONNECT with another status than 2xx
};
std::string_view captureFailureName(CaptureFailure f);
std::optional<CaptureFailure> captureFailureFromName(std::string_view name);

// Something the probe's shell fetched after the handshake, for diagnose() to judge: an issuer
// from an AIA caIssuers URL, a CRL from a distribution point, an OCSP response. Recorded raw,
// so a replay decides exactly as the live probe did.
enum class FetchPurpose { CaIssuers, Crl, Ocsp };
std::string_view fetchPurposeName(FetchPurpose p);

struct FetchedObject {
  FetchPurpose purpose = FetchPurpose::CaIssuers;
  std::string url;
  std::string about;  // sha256 of the certificate it was fetched for
  std::string body;   // the bytes received (DER or PEM), "" when the fetch failed
  std::string error;  // why the fetch failed ("" when it did not): timeout, HTTP 404, too large
};

struct Capture {
  Target target;
  std::string servername;  // the name the certificate is checked against (SNI for https)
  CaptureFailure failure = CaptureFailure::None;
  std::string detail;  // the library's own words (curl, OpenSSL, GnuTLS, libldap)
  bool handshake_completed = false;
  std::string tls_version;  // "TLSv1.3"; "" when not negotiated
  std::string cipher;
  int alert_received = -1;  // TLS alert description number from the server, -1 none
  int alert_sent = -1;      // alert this client sent, -1 none
  bool client_certificate_requested = false;
  bool client_certificate_sent = false;
  std::vector<std::string> chain_der;  // as presented, leaf first
  int http_status = 0;                 // https: status of the GET, 0 when none
  std::string http_body;               // https: the first bytes of the answer body
  int ldap_result = -1;                // ldap: result code of the root DSE read, -1 none
  std::string ldap_message;            // ldap: diagnostic text
  // ldap: the simple bind asked for with --bind-dn: -1 not asked, -2 not attempted because the
  // chain was not trusted, else the LDAP result code (0 = bound).
  int ldap_bind_result = -1;
  std::string ldap_bind_message;
  double elapsed_seconds = 0;
  // The raw evidence the transport classification rests on, so a replay can re-classify.
  std::string tls_error_library;      // OpenSSL's library name of the first queued error, "" none
  int tls_error_reason = 0;           // OpenSSL's reason code (ERR_GET_REASON), 0 none
  std::string tls_error_reason_text;  // e.g. "excessive message size"
  // ldap+starttls: the port answered a TLS ClientHello with a ServerHello (it speaks LDAPS).
  bool port_speaks_tls = false;
  std::string ocsp_stapled;              // the OCSP response the server stapled (DER), "" none
  size_t certificate_message_bytes = 0;  // total DER size of the presented chain when known
  std::vector<FetchedObject> fetched;    // AIA, CRL and OCSP fetches, in order
  // https through a proxy: its URL without credentials ("" = direct) and where it came from
  // ("configured", "https_proxy", ...); the status and status line it answered CONNECT with
  // (0 and "" when it never answered), e.g. 403 and "HTTP/1.1 403 Access violation".
  std::string proxy;
  std::string proxy_source;
  int proxy_connect_status = 0;
  std::string proxy_status_line;
  bool proxy_credentials_sent = false;
  // Through a proxy, when the proxied chain was not trusted: the chain the target presented to a
  // direct connection, to compare issuers (TLS interception). `direct_attempted` false: not
  // tried; `direct_detail` says why a tried direct connection got no chain.
  bool direct_attempted = false;
  std::vector<std::string> direct_chain_der;
  std::string direct_detail;
};

nlohmann::json captureToJson(const Capture& capture);
// Fails with InvalidArgument naming the field when the JSON is not a capture.
Result<Capture> captureFromJson(const nlohmann::json& json);

// A client certificate and key to present (mTLS). For LDAP, libldap reads files: cert_file and
// key_file name 0600 files holding the same material.
struct ClientIdentity {
  std::vector<truststore::CertificatePtr> chain;  // leaf first
  truststore::PrivateKeyPtr key;
  std::string cert_file;
  std::string key_file;
};

// How an HTTPS probe reaches its target: the way the connector does.
struct ProxyChoice {
  enum class Mode {
    Environment,  // like curl: https_proxy / HTTPS_PROXY / all_proxy, except no_proxy hosts
    Direct,       // no proxy ("none")
    Url,          // this proxy
  };
  Mode mode = Mode::Environment;
  std::string url;  // Mode::Url: "http://host:port", never with credentials in it
};

struct CaptureRequest {
  Target target;
  std::string servername;  // "" = the URL's host
  const ClientIdentity* identity = nullptr;
  double timeout_seconds = 10;
  // LDAP only: bind with these credentials, on the same connection, only after
  // `chain_is_trusted` accepted the chain captured so far. Never logged or printed.
  std::string bind_dn;
  const std::string* bind_password = nullptr;
  std::function<bool(const Capture&)> chain_is_trusted;
  // HTTPS only: the proxy, and its "user:password" read from a file by the shell. Never
  // logged or printed.
  ProxyChoice proxy;
  const std::string* proxy_credentials = nullptr;
};

// The TLS alert's name ("handshake_failure", "certificate_required", ...) or "alert N".
std::string alertName(int description);

}  // namespace trustctl::probes
