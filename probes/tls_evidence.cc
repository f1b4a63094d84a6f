#include "probes/tls_evidence.h"

#include <poll.h>
#include <unistd.h>

#include <fcntl.h>
#include <algorithm>
#include <cctype>
#include <cstdlib>

#include <openssl/err.h>

#include "probes/ldap_socket.h"
#include "truststore/ossl.h"

namespace trustctl::probes {

void recordOpensslError(Capture& c, const std::string& text) {
  // OpenSSL 3 prints "error:%08lX:lib:func:reason"; the hex is the packed code.
  for (size_t at = text.find("error:"); at != std::string::npos; at = text.find("error:", at + 1)) {
    size_t hex = at + 6;
    if (text.size() < hex + 9 || text[hex + 8] != ':') {
      continue;
    }
    std::string digits = text.substr(hex, 8);
    if (!std::all_of(digits.begin(), digits.end(),
                     [](unsigned char ch) { return std::isxdigit(ch) != 0; })) {
      continue;
    }
    unsigned long code = std::strtoul(digits.c_str(), nullptr, 16);
    const char* lib = ERR_lib_error_string(code);
    const char* reason = ERR_reason_error_string(code);
    c.tls_error_library = lib ? lib : "lib " + std::to_string(ERR_GET_LIB(code));
    c.tls_error_reason = ERR_GET_REASON(code);
    c.tls_error_reason_text = reason ? reason : "";
    return;
  }
}

bool failedOnCertificateSize(const Capture& c) {
  return c.tls_error_library == "SSL routines" &&
         c.tls_error_reason == SSL_R_EXCESSIVE_MESSAGE_SIZE;
}

size_t certificateMessageBytes(const std::vector<std::string>& chain) {
  if (chain.empty()) {
    return 0;
  }
  size_t total = 4 + 3;
  for (const auto& der : chain) {
    total += 3 + der.size();
  }
  return total;
}

Capture mergeLargeCertRetry(Capture first, Capture retry) {
  first.chain_der = std::move(retry.chain_der);
  first.certificate_message_bytes = certificateMessageBytes(first.chain_der);
  if (first.tls_version.empty()) {
    first.tls_version = retry.tls_version;
    first.cipher = retry.cipher;
  }
  if (first.certificate_message_bytes > 0) {
    first.detail += "; a retry accepting up to " + std::to_string(kLargeCertListBytes >> 20) +
                    " MiB received a Certificate message of " +
                    std::to_string(first.certificate_message_bytes) + " bytes";
  }
  if (first.ocsp_stapled.empty()) {
    first.ocsp_stapled = std::move(retry.ocsp_stapled);
  }
  first.elapsed_seconds += retry.elapsed_seconds;
  return first;
}

namespace {

// OpenSSL calls this once the server's first flight is in, whether or not it stapled anything.
// The answer is only recorded: 1 lets the handshake go on whatever the server sent.
int keepStapledOcsp(SSL* ssl, void* arg) {
  auto* stapled = static_cast<std::string*>(arg);
  const unsigned char* der = nullptr;
  long len = SSL_get_tlsext_status_ocsp_resp(ssl, &der);
  if (stapled) {
    stapled->clear();
    if (der && len > 0 && static_cast<size_t>(len) <= kStapledOcspMaxBytes) {
      stapled->assign(reinterpret_cast<const char*>(der), static_cast<size_t>(len));
    }
  }
  return 1;
}

}  // namespace

void requestStapledOcsp(SSL_CTX* ctx, std::string* stapled) {
  SSL_CTX_set_tlsext_status_type(ctx, TLSEXT_STATUSTYPE_ocsp);
  SSL_CTX_set_tlsext_status_cb(ctx, keepStapledOcsp);
  SSL_CTX_set_tlsext_status_arg(ctx, stapled);
}

namespace {

struct HelloAnswer {
  bool tls = false;
};

void noteAnswer(int write_p, int /*version*/, int content_type, const void* buf, size_t len,
                SSL* /*ssl*/, void* arg) {
  auto* answer = static_cast<HelloAnswer*>(arg);
  const auto* p = static_cast<const unsigned char*>(buf);
  if (write_p || len == 0 || !answer) {
    return;
  }
  if ((content_type == SSL3_RT_HANDSHAKE && p[0] == SSL3_MT_SERVER_HELLO) ||
      content_type == SSL3_RT_ALERT) {
    answer->tls = true;
  }
}

}  // namespace

bool portAnswersTls(const Target& target, const std::string& servername,
                    std::chrono::steady_clock::time_point deadline) {
  Capture scratch;
  int fd = connectLdapSocket(target, deadline, scratch);
  if (fd < 0) {
    return false;
  }
  HelloAnswer answer;
  ossl::SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  ossl::SslPtr ssl(ctx ? SSL_new(ctx.get()) : nullptr);
  if (!ssl || SSL_set_fd(ssl.get(), fd) != 1) {
    ::close(fd);
    ossl::clearErrors();
    return false;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  SSL_set_verify(ssl.get(), SSL_VERIFY_NONE, nullptr);
  SSL_set_msg_callback(ssl.get(), noteAnswer);
  SSL_set_msg_callback_arg(ssl.get(), &answer);
  if (!servername.empty() && !std::isdigit(static_cast<unsigned char>(servername[0])) &&
      servername.find(':') == std::string::npos) {
    SSL_set_tlsext_host_name(ssl.get(), servername.c_str());
  }
  while (!answer.tls) {
    int rc = SSL_connect(ssl.get());
    if (rc == 1) {
      break;  // cannot happen without a ServerHello, but ends the loop all the same
    }
    int err = SSL_get_error(ssl.get(), rc);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
      break;
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      break;
    }
    pollfd p{fd, static_cast<short>(err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT), 0};
    if (poll(&p, 1, static_cast<int>(left.count())) <= 0) {
      break;
    }
  }
  ossl::clearErrors();
  ssl.reset();
  ::close(fd);
  return answer.tls;
}

}  // namespace trustctl::probes
