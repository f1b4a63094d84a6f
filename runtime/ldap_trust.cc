#include "runtime/ldap_trust.h"

#include <gnutls/gnutls.h>

#include "runtime/trust_snapshot_impl.h"
#include "truststore/temporary_identity_files.h"

// Exported by libldap (its ldap_pvt.h is not installed): drops a context reference taken with
// ldap_get_option(LDAP_OPT_X_TLS_CTX).
extern "C" void ldap_pvt_tls_ctx_free(void* ctx);

namespace trustctl::runtime {

namespace {

// libldap gives the GnuTLS verify function no user pointer, and it runs the TLS connect
// callback and the handshake on the calling thread, one after the other; so the callback
// leaves what the verify function needs in a thread_local.
struct PendingHandshake {
  ConnectorTrust* trust = nullptr;
  TrustSnapshotPtr snapshot;
  std::vector<std::string> hosts;
};
thread_local PendingHandshake pending;
thread_local std::optional<Verdict> last_verdict;

std::vector<std::string> uriHosts(LDAP* ld) {
  std::vector<std::string> hosts;
  char* uri = nullptr;
  if (ldap_get_option(ld, LDAP_OPT_URI, &uri) != LDAP_OPT_SUCCESS || !uri) {
    return hosts;
  }
  // LDAP_OPT_URI is the handle's URI list, separated by spaces (or commas).
  std::string list(uri);
  size_t start = 0;
  while (start < list.size()) {
    size_t end = list.find_first_of(" ,", start);
    std::string one =
        list.substr(start, end == std::string::npos ? std::string::npos : end - start);
    start = end == std::string::npos ? list.size() : end + 1;
    LDAPURLDesc* desc = nullptr;
    if (!one.empty() && ldap_url_parse(one.c_str(), &desc) == LDAP_URL_SUCCESS && desc) {
      if (desc->lud_host && *desc->lud_host) {
        hosts.emplace_back(desc->lud_host);
      }
      ldap_free_urldesc(desc);
    }
  }
  ldap_memfree(uri);
  return hosts;
}

int verifyPeerChain(gnutls_session_t session) {
  if (!pending.trust || !pending.snapshot) {
    return -1;  // a session we did not set up: refuse rather than accept unverified
  }
  Verdict verdict;
  verdict.generation = pending.snapshot->generation();
  gnutls_protocol_t version = gnutls_protocol_get_version(session);
  // libldap's GnuTLS backend ignores LDAP_OPT_X_TLS_PROTOCOL_MIN, so the floor is kept here.
  if (version == GNUTLS_SSL3 || version == GNUTLS_TLS1_0 || version == GNUTLS_TLS1_1) {
    verdict.reason = std::string("the server negotiated ") + gnutls_protocol_get_name(version) +
                     "; TLS 1.2 or later is required";
  } else {
    unsigned int count = 0;
    const gnutls_datum_t* peers = gnutls_certificate_get_peers(session, &count);
    std::vector<std::string> chain;
    for (unsigned int i = 0; peers && i < count; ++i) {
      chain.emplace_back(reinterpret_cast<const char*>(peers[i].data), peers[i].size);
    }
    // With several URIs libldap does not say which one it reached: any of them may match.
    std::vector<std::string> hosts =
        pending.hosts.empty() ? std::vector<std::string>{""} : pending.hosts;
    for (const auto& host : hosts) {
      verdict = pending.trust->verify(*pending.snapshot, chain, host);
      if (verdict.ok) {
        break;
      }
    }
  }
  last_verdict = verdict;
  pending = PendingHandshake{};
  return verdict.ok ? 0 : -1;
}

// libldap calls this after making the TLS session and before the handshake. Its GnuTLS
// session handle (struct tlsg_session in tls_g.c) begins with the gnutls_session_t.
int onTlsConnect(LDAP* ld, void* session_handle, void* /*ctx*/, void* arg) {
  auto* trust = static_cast<ConnectorTrust*>(arg);
  if (!session_handle || !trust) {
    return -1;
  }
  pending.trust = trust;
  pending.snapshot = trust->current();
  pending.hosts = uriHosts(ld);
  last_verdict.reset();
  gnutls_session_t session = *static_cast<gnutls_session_t*>(session_handle);
  gnutls_session_set_verify_function(session, verifyPeerChain);
  return 0;
}

// One libldap TLS context per snapshot, shared by every handle configured from it: making a
// context loads the identity, which libldap 2.5 does not free, so doing it per handle would
// leak per connection.
Result<void*> tlsContextFor(const TrustSnapshot& snapshot) {
  const TrustSnapshot::Impl& impl = snapshot.impl();
  std::lock_guard<std::mutex> lock(impl.ldap_mutex);
  if (impl.ldap_tls_context) {
    return impl.ldap_tls_context.get();
  }
  LDAP* tmpl = nullptr;
  if (ldap_initialize(&tmpl, "ldaps://127.0.0.1") != LDAP_SUCCESS || !tmpl) {
    return fail(ErrorCode::Internal, "libldap could not make a handle to build a TLS context");
  }
  int never = LDAP_OPT_X_TLS_NEVER;  // the handshake's verify function judges the chain
  ldap_set_option(tmpl, LDAP_OPT_X_TLS_REQUIRE_CERT, &never);
  // libldap loads keys from files only: the snapshot's own identity is written for it to a
  // private folder that is gone once the context is made.
  std::unique_ptr<truststore::TemporaryIdentityFiles> files;
  if (snapshot.hasIdentity()) {
    auto written =
        truststore::TemporaryIdentityFiles::write(impl.identity_chain, *impl.identity_key);
    if (!written) {
      ldap_unbind_ext_s(tmpl, nullptr, nullptr);
      return tl::unexpected(written.error());
    }
    files = std::move(*written);
    ldap_set_option(tmpl, LDAP_OPT_X_TLS_CERTFILE, files->certPath().c_str());
    ldap_set_option(tmpl, LDAP_OPT_X_TLS_KEYFILE, files->keyPath().c_str());
  }
  int is_server = 0;
  void* ctx = nullptr;
  if (ldap_set_option(tmpl, LDAP_OPT_X_TLS_NEWCTX, &is_server) == LDAP_OPT_SUCCESS) {
    ldap_get_option(tmpl, LDAP_OPT_X_TLS_CTX, &ctx);  // takes a reference
  }
  ldap_unbind_ext_s(tmpl, nullptr, nullptr);
  if (!ctx) {
    return fail(ErrorCode::Crypto,
                "libldap could not make a TLS context with the connector's "
                "identity; check it with 'trustctl show'");
  }
  impl.ldap_tls_context = std::shared_ptr<void>(ctx, ldap_pvt_tls_ctx_free);
  return ctx;
}

}  // namespace

Result<void> configureLdap(LDAP* ld, ConnectorTrust& trust) {
  TrustSnapshotPtr snapshot = trust.current();
  auto ctx = tlsContextFor(*snapshot);
  if (!ctx) {
    return tl::unexpected(ctx.error());
  }
  int version = LDAP_VERSION3;
  int never = LDAP_OPT_X_TLS_NEVER;  // libldap's own host name check reads the handle's option
  bool ok = ldap_set_option(ld, LDAP_OPT_PROTOCOL_VERSION, &version) == LDAP_OPT_SUCCESS &&
            ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &never) == LDAP_OPT_SUCCESS &&
            ldap_set_option(ld, LDAP_OPT_X_TLS_CTX, *ctx) == LDAP_OPT_SUCCESS &&
            ldap_set_option(ld, LDAP_OPT_X_TLS_CONNECT_CB,
                            reinterpret_cast<void*>(&onTlsConnect)) == LDAP_OPT_SUCCESS &&
            ldap_set_option(ld, LDAP_OPT_X_TLS_CONNECT_ARG, &trust) == LDAP_OPT_SUCCESS;
  if (!ok) {
    return fail(ErrorCode::Internal, "libldap refused a TLS option on the handle");
  }
  return {};
}

std::optional<Verdict> lastLdapVerdict() {
  return last_verdict;
}

}  // namespace trustctl::runtime
