#include "probes/https_capture.h"

#include <sys/socket.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>

#include <curl/curl.h>

#include "probes/https_tunnel.h"
#include "probes/tls_evidence.h"
#include "truststore/ossl.h"
#include "truststore/version.h"

namespace trustctl::probes {

namespace {

using Clock = std::chrono::steady_clock;

struct CurlEasyDeleter {
  void operator()(CURL* c) const noexcept { curl_easy_cleanup(c); }
};
struct CurlMultiDeleter {
  void operator()(CURLM* m) const noexcept { curl_multi_cleanup(m); }
};
struct CurlSlistDeleter {
  void operator()(curl_slist* s) const noexcept { curl_slist_free_all(s); }
};
using CurlEasyPtr = std::unique_ptr<CURL, CurlEasyDeleter>;
using CurlMultiPtr = std::unique_ptr<CURLM, CurlMultiDeleter>;
using CurlSlistPtr = std::unique_ptr<curl_slist, CurlSlistDeleter>;

constexpr size_t kBodyLimit = 2048;

// State of one transfer, reached from libcurl's and OpenSSL's callbacks through their user
// pointers.
struct HttpsTransfer {
  size_t index = 0;
  const CaptureRequest* request = nullptr;
  Capture capture;
  CurlEasyPtr easy;
  CurlSlistPtr connect_to;
  char errbuf[CURL_ERROR_SIZE] = {0};
  int first_record_type = -1;
  bool saw_server_hello = false;
  Clock::time_point started;
  // The probe's own deadline, enforced from inside OpenSSL's record loop (see cutAtDeadline).
  Clock::time_point deadline;
  curl_socket_t fd = CURL_SOCKET_BAD;
  bool cut_at_deadline = false;
  int hello_requests = 0;
  // Set for the one retry that measures a chain over OpenSSL's default max_cert_list; the
  // first attempt's capture is kept to be reported.
  bool large_cert_list = false;
  std::optional<Capture> first_attempt;
  TunnelState tunnel;
};

// libcurl checks its timeout only between calls into OpenSSL; a peer that keeps records coming
// could hold one SSL_read past any deadline. Every record passes the message callback, so the
// deadline is also checked there, and the socket is shut down once it is past: the next read
// fails and libcurl ends the transfer.
void cutAtDeadline(HttpsTransfer* t) {
  if (!t->cut_at_deadline && t->fd != CURL_SOCKET_BAD && Clock::now() >= t->deadline) {
    ::shutdown(t->fd, SHUT_RDWR);
    t->cut_at_deadline = true;
  }
}

int rememberSocket(void* arg, curl_socket_t fd, curlsocktype /*purpose*/) {
  static_cast<HttpsTransfer*>(arg)->fd = fd;
  return CURL_SOCKOPT_OK;
}

void noteSession(HttpsTransfer* t, const SSL* ssl) {
  t->capture.tls_version = SSL_get_version(ssl);
  const SSL_CIPHER* cipher = SSL_get_current_cipher(ssl);
  if (cipher) {
    t->capture.cipher = SSL_CIPHER_get_name(cipher);
  }
}

// Replaces OpenSSL's chain verification for this connection: record, then accept, so the
// handshake goes on and the chain is judged later by trustctl's own verifier.
int recordPresentedChain(X509_STORE_CTX* store_ctx, void* arg) {
  auto* t = static_cast<HttpsTransfer*>(arg);
  STACK_OF(X509)* chain = X509_STORE_CTX_get0_untrusted(store_ctx);
  t->capture.chain_der.clear();
  for (int i = 0; i < sk_X509_num(chain); ++i) {
    unsigned char* der = nullptr;
    int len = i2d_X509(sk_X509_value(chain, i), &der);
    if (len > 0) {
      t->capture.chain_der.emplace_back(reinterpret_cast<char*>(der), static_cast<size_t>(len));
    }
    ossl::OpensslBytesPtr owner(der);
  }
  auto* ssl = static_cast<SSL*>(
      X509_STORE_CTX_get_ex_data(store_ctx, SSL_get_ex_data_X509_STORE_CTX_idx()));
  if (ssl) {
    noteSession(t, ssl);
  }
  return 1;
}

void onTlsMessage(int write_p, int /*version*/, int content_type, const void* buf, size_t len,
                  SSL* ssl, void* arg) {
  auto* t = static_cast<HttpsTransfer*>(arg);
  const auto* p = static_cast<const unsigned char*>(buf);
  if (len == 0 || !t) {
    return;
  }
  cutAtDeadline(t);
  t->tunnel.tls_started = true;
  if (content_type == SSL3_RT_HEADER && !write_p && t->first_record_type < 0) {
    t->first_record_type = p[0];
  } else if (content_type == SSL3_RT_ALERT && len >= 2) {
    (write_p ? t->capture.alert_sent : t->capture.alert_received) = p[1];
  } else if (content_type == SSL3_RT_HANDSHAKE && !write_p) {
    if (p[0] == SSL3_MT_HELLO_REQUEST) {
      ++t->hello_requests;
    } else if (p[0] == SSL3_MT_SERVER_HELLO) {
      t->saw_server_hello = true;
    } else if (p[0] == SSL3_MT_CERTIFICATE_REQUEST) {
      t->capture.client_certificate_requested = true;
      t->capture.client_certificate_sent = t->request->identity != nullptr;
    } else if (p[0] == SSL3_MT_FINISHED) {
      t->capture.handshake_completed = true;
      noteSession(t, ssl);
    }
  }
}

CURLcode configureSslCtx(CURL* /*easy*/, void* ssl_ctx, void* arg) {
  auto* t = static_cast<HttpsTransfer*>(arg);
  auto* ctx = static_cast<SSL_CTX*>(ssl_ctx);
  SSL_CTX_set_cert_verify_callback(ctx, recordPresentedChain, t);
  SSL_CTX_set_msg_callback(ctx, onTlsMessage);
  SSL_CTX_set_msg_callback_arg(ctx, t);
  requestStapledOcsp(ctx, &t->capture.ocsp_stapled);
  // A server must not hold the client inside OpenSSL: renegotiation is refused (connector
  // runtimes refuse it too), and SSL_read hands control back to libcurl after each record that
  // is not application data, so libcurl's timeout is checked between HelloRequests.
  SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION);
  SSL_CTX_clear_mode(ctx, SSL_MODE_AUTO_RETRY);
  if (t->large_cert_list) {
    SSL_CTX_set_max_cert_list(ctx, kLargeCertListBytes);
  }
  const ClientIdentity* id = t->request->identity;
  if (id && !id->chain.empty() && id->key) {
    if (SSL_CTX_use_certificate(ctx, id->chain[0]->x509()) != 1 ||
        SSL_CTX_use_PrivateKey(ctx, id->key->evp()) != 1) {
      ossl::clearErrors();
      return CURLE_SSL_CERTPROBLEM;
    }
    for (size_t i = 1; i < id->chain.size(); ++i) {
      SSL_CTX_add1_chain_cert(ctx, id->chain[i]->x509());
    }
  }
  return CURLE_OK;
}

size_t keepBodyPrefix(char* data, size_t size, size_t count, void* arg) {
  auto* t = static_cast<HttpsTransfer*>(arg);
  size_t n = size * count;
  std::string& body = t->capture.http_body;
  body.append(data, std::min(n, kBodyLimit - std::min(kBodyLimit, body.size())));
  // Returning less than given stops the transfer: the prefix is all a diagnosis needs.
  return body.size() >= kBodyLimit ? 0 : n;
}

bool contains(const char* text, const char* needle) {
  return std::strstr(text, needle) != nullptr;
}

std::unique_ptr<HttpsTransfer> startTransfer(size_t index, const CaptureRequest* request) {
  auto t = std::make_unique<HttpsTransfer>();
  t->index = index;
  t->request = request;
  t->capture.target = request->target;
  t->capture.servername = request->servername.empty() ? request->target.host : request->servername;
  t->started = Clock::now();
  // A little after libcurl's own timeout, which normally ends the transfer first.
  t->deadline = t->started +
                std::chrono::milliseconds(static_cast<long>(request->timeout_seconds * 1000) + 250);
  t->easy.reset(curl_easy_init());
  CURL* e = t->easy.get();
  if (!e) {
    return t;
  }
  Target named = request->target;
  named.host = t->capture.servername;
  curl_easy_setopt(e, CURLOPT_URL, named.url().c_str());
  if (named.host != request->target.host) {
    // Connect to the URL's address but send SNI and check names for --servername.
    std::string rule = named.urlHost() + ":" + std::to_string(named.port) + ":" +
                       request->target.urlHost() + ":" + std::to_string(request->target.port);
    t->connect_to.reset(curl_slist_append(nullptr, rule.c_str()));
    curl_easy_setopt(e, CURLOPT_CONNECT_TO, t->connect_to.get());
  }
  long timeout_ms = static_cast<long>(request->timeout_seconds * 1000);
  curl_easy_setopt(e, CURLOPT_PRIVATE, t.get());
  curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
  curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
  configureTunnel(e, *request, t->tunnel);
  curl_easy_setopt(e, CURLOPT_HTTP_VERSION, CURL_HTTP_VERSION_1_1);
  // What connector runtimes accept today (Java 17, Debian's OpenSSL policy): TLS 1.2 or later.
  // A server that only speaks older versions must show as a protocol mismatch, as it fails there.
  curl_easy_setopt(e, CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  curl_easy_setopt(e, CURLOPT_FRESH_CONNECT, 1L);
  curl_easy_setopt(e, CURLOPT_FORBID_REUSE, 1L);
  curl_easy_setopt(e, CURLOPT_SSL_SESSIONID_CACHE, 0L);
  // libcurl's verification is off and no CA file is loaded per connection: trustctl verifies
  // the recorded chain with one shared anchor store per connector.
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, 0L);
  curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, 0L);
  curl_easy_setopt(e, CURLOPT_CAINFO, nullptr);
  curl_easy_setopt(e, CURLOPT_CAPATH, nullptr);
  curl_easy_setopt(e, CURLOPT_SSL_CTX_FUNCTION, configureSslCtx);
  curl_easy_setopt(e, CURLOPT_SSL_CTX_DATA, t.get());
  curl_easy_setopt(e, CURLOPT_SOCKOPTFUNCTION, rememberSocket);
  curl_easy_setopt(e, CURLOPT_SOCKOPTDATA, t.get());
  curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, keepBodyPrefix);
  curl_easy_setopt(e, CURLOPT_WRITEDATA, t.get());
  curl_easy_setopt(e, CURLOPT_ERRORBUFFER, t->errbuf);
  curl_easy_setopt(e, CURLOPT_USERAGENT, "trustctl/" TRUSTCTL_VERSION);
  return t;
}

void classify(HttpsTransfer& t, CURLcode rc) {
  Capture& c = t.capture;
  c.elapsed_seconds = std::chrono::duration<double>(Clock::now() - t.started).count();
  recordTunnel(t.easy.get(), t.tunnel, c);
  long status = 0;
  curl_easy_getinfo(t.easy.get(), CURLINFO_RESPONSE_CODE, &status);
  c.http_status = static_cast<int>(status);
  c.detail = t.errbuf[0] ? t.errbuf : curl_easy_strerror(rc);
  c.certificate_message_bytes = certificateMessageBytes(c.chain_der);
  if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && c.http_status > 0)) {
    c.failure = CaptureFailure::None;
    c.handshake_completed = true;
    c.detail.clear();
    return;
  }
  const char* err = t.errbuf;
  recordOpensslError(c, err);
  if (classifyTunnel(rc, t.tunnel, c)) {
    return;
  }
  if (rc == CURLE_COULDNT_RESOLVE_HOST) {
    c.failure = CaptureFailure::DnsFailure;
  } else if (rc == CURLE_COULDNT_CONNECT) {
    c.failure = CaptureFailure::ConnectionRefused;
  } else if (rc == CURLE_OPERATION_TIMEDOUT || t.cut_at_deadline) {
    c.failure = CaptureFailure::Timeout;
    if (t.hello_requests > 0) {
      c.detail = "the server sent " + std::to_string(t.hello_requests) +
                 " HelloRequest messages and no answer within the timeout";
    } else if (t.cut_at_deadline) {
      c.detail = "the server kept the connection busy without answering within the timeout";
    }
  } else if (c.handshake_completed) {
    c.failure = CaptureFailure::AfterHandshake;
  } else if ((t.first_record_type >= 0 && (t.first_record_type < 20 || t.first_record_type > 24)) ||
             contains(err, "wrong version number") || contains(err, "packet length too long") ||
             contains(err, "http request") ||
             (t.first_record_type < 0 &&
              (contains(err, "SSL_ERROR_SYSCALL") || contains(err, "unexpected eof")))) {
    // Nothing at all came back to the ClientHello: a TLS server answers with a handshake or an
    // alert, so the service on this port is not TLS (or drops this client before TLS).
    c.failure = CaptureFailure::NotTls;
  } else if (c.alert_received == 70 || c.alert_sent == 70 ||
             (c.alert_received == 40 && !t.saw_server_hello) ||
             contains(err, "unsupported protocol") || contains(err, "no protocols available") ||
             contains(err, "no shared cipher") || contains(err, "no ciphers available")) {
    c.failure = CaptureFailure::ProtocolMismatch;
  } else {
    c.failure = CaptureFailure::HandshakeFailed;
  }
}

// A chain over OpenSSL's 100 KiB default fails the handshake before the probe sees it: one
// retry with a 1 MiB limit, within the same deadline, records the chain and its size.
bool retryWithLargeCertList(HttpsTransfer& t, CURLM* multi) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(t.deadline - Clock::now()) -
              std::chrono::milliseconds(250);
  if (t.large_cert_list || !failedOnCertificateSize(t.capture) || left.count() < 100) {
    return false;
  }
  t.first_attempt = std::move(t.capture);
  t.capture = Capture{};
  t.capture.target = t.first_attempt->target;
  t.capture.servername = t.first_attempt->servername;
  t.large_cert_list = true;
  t.first_record_type = -1;
  t.saw_server_hello = false;
  t.fd = CURL_SOCKET_BAD;
  t.hello_requests = 0;
  t.tunnel.tls_started = false;
  t.tunnel.status_line.clear();
  t.errbuf[0] = 0;
  t.started = Clock::now();
  curl_easy_setopt(t.easy.get(), CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(left.count()));
  curl_easy_setopt(t.easy.get(), CURLOPT_TIMEOUT_MS, static_cast<long>(left.count()));
  if (curl_multi_add_handle(multi, t.easy.get()) != CURLM_OK) {
    t.capture = std::move(*t.first_attempt);
    t.first_attempt.reset();
    return false;
  }
  return true;
}

}  // namespace

void initCurlOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

void captureHttpsBatch(const std::vector<const CaptureRequest*>& requests, int max_parallel,
                       const std::function<void(size_t, Capture)>& done) {
  initCurlOnce();
  CurlMultiPtr multi(curl_multi_init());
  size_t next = 0;
  size_t active = 0;
  auto launch = [&] {
    while (next < requests.size() && active < static_cast<size_t>(std::max(1, max_parallel))) {
      auto t = startTransfer(next, requests[next]);
      ++next;
      if (!t->easy || curl_multi_add_handle(multi.get(), t->easy.get()) != CURLM_OK) {
        t->capture.failure = CaptureFailure::HandshakeFailed;
        t->capture.detail = "could not start a libcurl transfer";
        done(t->index, std::move(t->capture));
        continue;
      }
      t.release();  // owned through CURLOPT_PRIVATE until the transfer is done
      ++active;
    }
  };
  launch();
  while (active > 0) {
    int running = 0;
    curl_multi_perform(multi.get(), &running);
    int queued = 0;
    while (CURLMsg* msg = curl_multi_info_read(multi.get(), &queued)) {
      if (msg->msg != CURLMSG_DONE) {
        continue;
      }
      HttpsTransfer* raw = nullptr;
      curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, &raw);
      std::unique_ptr<HttpsTransfer> t(raw);
      CURLcode rc = msg->data.result;
      curl_multi_remove_handle(multi.get(), t->easy.get());
      classify(*t, rc);
      if (retryWithLargeCertList(*t, multi.get())) {
        t.release();  // owned through CURLOPT_PRIVATE again
        continue;
      }
      if (t->first_attempt) {
        t->capture = mergeLargeCertRetry(std::move(*t->first_attempt), std::move(t->capture));
      }
      --active;
      done(t->index, std::move(t->capture));
    }
    launch();
    if (active > 0) {
      curl_multi_poll(multi.get(), nullptr, 0, 100, nullptr);
    }
  }
}

Capture captureHttps(const CaptureRequest& request) {
  Capture out;
  captureHttpsBatch({&request}, 1, [&](size_t, Capture c) { out = std::move(c); });
  return out;
}

}  // namespace trustctl::probes
