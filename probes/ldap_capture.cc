#include "probes/ldap_capture.h"

#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <map>
#include <mutex>

#include <gnutls/gnutls.h>
#include <lber.h>
#include <ldap.h>
#include <openldap.h>

#include "probes/ldap_socket.h"
#include "probes/tls_evidence.h"

namespace trustctl::probes {

namespace {

using Clock = LdapClock;

// The largest LDAP message the probe reads. A root DSE is a few KiB; a server announcing more
// (a BER length of 2 GiB, say) would otherwise have libldap allocate and fill what it says.
constexpr ber_len_t kMaxLdapMessageBytes = 1 << 20;

// liblber refuses a message over the sockbuf's cap with ERANGE, which libldap then reports as
// LDAP_SERVER_DOWN: errno, read right after the failing call, tells the two apart.
bool overSizeCap(int saved_errno) {
  return saved_errno == ERANGE;
}

std::string sizeCapDetail(const char* what) {
  return std::string("the server's answer to ") + what + " announced an LDAP message larger than " +
         std::to_string(kMaxLdapMessageBytes >> 20) + " MiB; the probe reads no more";
}

// What the GnuTLS callbacks record. libldap gives no user pointer to them, and a capture runs
// start to end on one thread, so the thread's current capture is found through a thread_local.
struct LdapTlsRecord {
  Capture* capture = nullptr;
  bool tls_started = false;
  bool saw_server_hello = false;
};
thread_local LdapTlsRecord* current_record = nullptr;

void noteSession(gnutls_session_t session, Capture& c) {
  const char* version = gnutls_protocol_get_name(gnutls_protocol_get_version(session));
  if (version) {
    std::string v = version;  // GnuTLS says "TLS1.3"; the contract uses OpenSSL's "TLSv1.3"
    c.tls_version =
        v.rfind("TLS", 0) == 0 && v.size() > 3 && v[3] != 'v' ? "TLSv" + v.substr(3) : v;
  }
  const char* suite = gnutls_ciphersuite_get(session);
  const char* cipher = gnutls_cipher_get_name(gnutls_cipher_get(session));
  if (suite) {
    c.cipher = suite;
  } else if (cipher) {
    c.cipher = cipher;
  }
}

int recordPeerChain(gnutls_session_t session) {
  LdapTlsRecord* r = current_record;
  if (!r) {
    return 0;
  }
  unsigned int count = 0;
  const gnutls_datum_t* peers = gnutls_certificate_get_peers(session, &count);
  r->capture->chain_der.clear();
  for (unsigned int i = 0; peers && i < count; ++i) {
    r->capture->chain_der.emplace_back(reinterpret_cast<const char*>(peers[i].data), peers[i].size);
  }
  r->capture->certificate_message_bytes = certificateMessageBytes(r->capture->chain_der);
  noteSession(session, *r->capture);
  return 0;  // accept: the chain is judged by diagnose(), not here
}

int onHandshakeMessage(gnutls_session_t session, unsigned int type, unsigned int /*when*/,
                       unsigned int incoming, const gnutls_datum_t* /*msg*/) {
  LdapTlsRecord* r = current_record;
  if (!r || !incoming) {
    return 0;
  }
  if (type == GNUTLS_HANDSHAKE_SERVER_HELLO) {
    r->saw_server_hello = true;
  } else if (type == GNUTLS_HANDSHAKE_CERTIFICATE_REQUEST) {
    r->capture->client_certificate_requested = true;
  } else if (type == GNUTLS_HANDSHAKE_FINISHED) {
    r->capture->handshake_completed = true;
    noteSession(session, *r->capture);
  }
  return 0;
}

// libldap calls this after creating the TLS session and before the handshake. Its session
// handle for GnuTLS (struct tlsg_session in libldap's tls_g.c) begins with the
// gnutls_session_t, which is how libldap's own code reaches it too.
int onLdapTlsConnect(LDAP* /*ld*/, void* session_handle, void* /*ctx*/, void* /*arg*/) {
  LdapTlsRecord* r = current_record;
  if (!r || !session_handle) {
    return 0;
  }
  r->tls_started = true;
  gnutls_session_t session = *static_cast<gnutls_session_t*>(session_handle);
  gnutls_session_set_verify_function(session, recordPeerChain);
  gnutls_handshake_set_hook_function(session, GNUTLS_HANDSHAKE_ANY, GNUTLS_HOOK_POST,
                                     onHandshakeMessage);
  return 0;
}

std::string diagnosticMessage(LDAP* ld) {
  char* text = nullptr;
  ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &text);
  std::string out = text ? text : "";
  ldap_memfree(text);
  return out;
}

bool has(const std::string& text, const char* needle) {
  return text.find(needle) != std::string::npos;
}

void classifyTlsFailure(const LdapTlsRecord& r, int rc, const std::string& message, Capture& c) {
  c.detail = std::string(ldap_err2string(rc)) + (message.empty() ? "" : ": " + message);
  // Nothing TLS came back (no ServerHello) and the peer hung up or sent non-TLS bytes.
  if (has(message, "unexpected length") || has(message, "unexpected TLS packet") ||
      (!r.saw_server_hello && has(message, "non-properly terminated"))) {
    c.failure = CaptureFailure::NotTls;
  } else if (has(message, "cipher suite") || has(message, "unsupported version") ||
             has(message, "No supported") || (!r.saw_server_hello && has(message, "alert"))) {
    c.failure = CaptureFailure::ProtocolMismatch;
  } else {
    c.failure = CaptureFailure::HandshakeFailed;
  }
}

// A StartTLS request that got no LDAP answer at all (the peer hung up, sent something libldap
// could not decode, or stayed silent) is what an LDAPS port does with a plain LDAP message.
bool peerMayBeTls(int rc, bool timed_out) {
  return timed_out || rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT || rc == LDAP_CONNECT_ERROR ||
         rc == LDAP_DECODING_ERROR || rc == LDAP_LOCAL_ERROR || rc == LDAP_PROTOCOL_ERROR;
}

// One libldap TLS context per client identity (or none), shared by every probe of the process:
// loading an identity into a new context leaks its key inside libldap 2.5 (tls_g.c), and
// sharing also saves reading the key files on every probe. Contexts live until exit.
void* sharedTlsContext(const CaptureRequest& request) {
  static std::mutex mutex;
  // Never destroyed: the contexts stay referenced until the process ends (a static map would
  // be torn down at exit, and leak checkers would then see the contexts as lost).
  static auto& contexts = *new std::map<std::string, void*>();
  const ClientIdentity* id = request.identity;
  bool with_identity = id && !id->cert_file.empty();
  std::string key = with_identity ? id->cert_file + "\n" + id->key_file : "";
  std::lock_guard<std::mutex> lock(mutex);
  auto it = contexts.find(key);
  if (it != contexts.end()) {
    return it->second;
  }
  LDAP* tmpl = nullptr;
  if (ldap_initialize(&tmpl, "ldaps://127.0.0.1") != LDAP_SUCCESS || !tmpl) {
    return nullptr;
  }
  int never = LDAP_OPT_X_TLS_NEVER;  // capture whatever is presented; diagnose() judges it
  int tls12 = LDAP_OPT_X_TLS_PROTOCOL_TLS1_2;
  ldap_set_option(tmpl, LDAP_OPT_X_TLS_REQUIRE_CERT, &never);
  ldap_set_option(tmpl, LDAP_OPT_X_TLS_PROTOCOL_MIN, &tls12);
  if (with_identity) {
    ldap_set_option(tmpl, LDAP_OPT_X_TLS_CERTFILE, id->cert_file.c_str());
    ldap_set_option(tmpl, LDAP_OPT_X_TLS_KEYFILE, id->key_file.c_str());
  }
  int is_server = 0;
  void* ctx = nullptr;
  if (ldap_set_option(tmpl, LDAP_OPT_X_TLS_NEWCTX, &is_server) == LDAP_OPT_SUCCESS) {
    ldap_get_option(tmpl, LDAP_OPT_X_TLS_CTX, &ctx);  // takes a reference, kept until exit
  }
  ldap_unbind_ext_s(tmpl, nullptr, nullptr);
  if (ctx) {
    contexts.emplace(key, ctx);
  }
  return ctx;
}

// Credentials go out only on a connection whose chain the caller's verifier accepted.
void bindIfTrusted(LDAP* ld, const CaptureRequest& request, Capture& c) {
  if (!request.chain_is_trusted || !request.chain_is_trusted(c)) {
    c.ldap_bind_result = -2;
    c.ldap_bind_message = "not attempted: the server's chain is not trusted by the connector";
    return;
  }
  berval password{static_cast<ber_len_t>(request.bind_password->size()),
                  const_cast<char*>(request.bind_password->data())};
  int rc = ldap_sasl_bind_s(ld, request.bind_dn.c_str(), LDAP_SASL_SIMPLE, &password, nullptr,
                            nullptr, nullptr);
  c.ldap_bind_result = rc;
  c.ldap_bind_message = rc == LDAP_SUCCESS
                            ? "bound as " + request.bind_dn
                            : std::string(ldap_err2string(rc)) + " (" + diagnosticMessage(ld) + ")";
}

}  // namespace

Capture captureLdap(const CaptureRequest& request) {
  Capture c;
  c.target = request.target;
  c.servername = request.servername.empty() ? request.target.host : request.servername;
  auto started = Clock::now();
  auto deadline =
      started + std::chrono::milliseconds(static_cast<long>(request.timeout_seconds * 1000));
  auto finish = [&] {
    c.elapsed_seconds = std::chrono::duration<double>(Clock::now() - started).count();
    return c;
  };
  int fd = connectLdapSocket(request.target, deadline, c);
  if (fd < 0) {
    return finish();
  }
  Target named = request.target;
  named.host = c.servername;
  LDAP* ld = nullptr;
  if (ldap_init_fd(fd, LDAP_PROTO_TCP, named.url().c_str(), &ld) != LDAP_SUCCESS || !ld) {
    ::close(fd);
    c.failure = CaptureFailure::HandshakeFailed;
    c.detail = "libldap could not take the connection";
    return finish();
  }
  LdapTlsRecord record;
  record.capture = &c;
  current_record = &record;
  SocketWatchdog watchdog(fd, deadline);
  int version = LDAP_VERSION3;
  timeval limit{
      static_cast<time_t>(request.timeout_seconds),
      static_cast<suseconds_t>(
          (request.timeout_seconds - static_cast<time_t>(request.timeout_seconds)) * 1e6)};
  ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version);
  ldap_set_option(ld, LDAP_OPT_TIMEOUT, &limit);
  // No LDAP_OPT_NETWORK_TIMEOUT: with one, libldap makes the socket non-blocking for the TLS
  // handshake, and its GnuTLS backend then spins on EAGAIN (a core per probe, thousands of
  // reads each) until the server answers. The connect is already bounded, and the watchdog
  // ends a blocked handshake at the deadline.
  ldap_set_option(ld, LDAP_OPT_X_TLS_CONNECT_CB, reinterpret_cast<void*>(&onLdapTlsConnect));
  Sockbuf* sb = nullptr;
  if (ldap_get_option(ld, LDAP_OPT_SOCKBUF, &sb) == LDAP_OPT_SUCCESS && sb) {
    ber_len_t cap = kMaxLdapMessageBytes;
    ber_sockbuf_ctrl(sb, LBER_SB_OPT_SET_MAX_INCOMING, &cap);
  }
  int never = LDAP_OPT_X_TLS_NEVER;  // libldap's own host name check reads the handle's option
  ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &never);
  // TLS 1.2 at least, as for HTTPS, is asked in the shared context; libldap's GnuTLS backend
  // ignores it (and a priority string would leak per connection), so diagnose() also judges
  // the negotiated version.
  void* tls_ctx = sharedTlsContext(request);
  if (!tls_ctx) {
    watchdog.stop();
    current_record = nullptr;
    ldap_unbind_ext_s(ld, nullptr, nullptr);
    c.failure = CaptureFailure::HandshakeFailed;
    c.detail =
        "libldap could not create a TLS context (check the identity's certificate and key files)";
    return finish();
  }
  ldap_set_option(ld, LDAP_OPT_X_TLS_CTX, tls_ctx);

  errno = 0;
  int rc = request.target.protocol == Protocol::Ldaps ? ldap_install_tls(ld)
                                                      : ldap_start_tls_s(ld, nullptr, nullptr);
  int saved_errno = errno;
  if (rc != LDAP_SUCCESS) {
    std::string message = diagnosticMessage(ld);
    if (overSizeCap(saved_errno) && !watchdog.fired()) {
      c.failure = CaptureFailure::ProtocolError;
      c.detail = sizeCapDetail("StartTLS");
    } else if (watchdog.fired()) {
      c.failure = CaptureFailure::Timeout;
      c.detail = std::string(record.tls_started ? "the TLS handshake" : "the server's answer") +
                 " did not complete within " +
                 std::to_string(static_cast<int>(request.timeout_seconds)) + " s";
    } else if (!record.tls_started) {
      c.failure = CaptureFailure::StartTlsUnsupported;
      c.detail = std::string("StartTLS refused: ") + ldap_err2string(rc) +
                 (message.empty() ? "" : " (" + message + ")");
    } else if (c.handshake_completed) {
      c.failure = CaptureFailure::AfterHandshake;
      c.detail = std::string(ldap_err2string(rc)) + (message.empty() ? "" : ": " + message);
    } else {
      classifyTlsFailure(record, rc, message, c);
    }
    if (request.target.protocol == Protocol::LdapStartTls && !record.tls_started &&
        peerMayBeTls(rc, watchdog.fired()) &&
        portAnswersTls(request.target, c.servername, deadline)) {
      c.port_speaks_tls = true;
      c.detail += "; the port answers a TLS ClientHello: it speaks LDAPS";
    }
  } else {
    c.handshake_completed = true;
    c.client_certificate_sent = c.client_certificate_requested && request.identity != nullptr;
    const char* attrs[] = {"supportedLDAPVersion", "namingContexts", nullptr};
    LDAPMessage* result = nullptr;
    errno = 0;
    rc = ldap_search_ext_s(ld, "", LDAP_SCOPE_BASE, "(objectClass=*)", const_cast<char**>(attrs), 0,
                           nullptr, nullptr, &limit, 1, &result);
    saved_errno = errno;
    ldap_msgfree(result);
    c.ldap_result = rc;
    c.ldap_message = diagnosticMessage(ld);
    if (rc == LDAP_SERVER_DOWN && overSizeCap(saved_errno) && !watchdog.fired()) {
      c.failure = CaptureFailure::ProtocolError;
      c.detail = sizeCapDetail("the root DSE read");
    } else if (rc == LDAP_SERVER_DOWN || rc == LDAP_TIMEOUT || rc == LDAP_CONNECT_ERROR) {
      c.failure = watchdog.fired() ? CaptureFailure::Timeout : CaptureFailure::AfterHandshake;
      c.detail = std::string("reading the root DSE failed: ") + ldap_err2string(rc) +
                 (c.ldap_message.empty() ? "" : " (" + c.ldap_message + ")");
    } else if (!request.bind_dn.empty() && request.bind_password) {
      bindIfTrusted(ld, request, c);
    }
  }
  watchdog.stop();
  current_record = nullptr;
  ldap_unbind_ext_s(ld, nullptr, nullptr);
  return finish();
}

}  // namespace trustctl::probes
