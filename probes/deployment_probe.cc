// The shell of the deployment proof: TCP connect, an optional LDAP StartTLS, a TLS handshake
// with or without SNI, and the presented leaf's SHA-256. No verification: a listener serving
// an untrusted or mismatched certificate must still tell which one it serves.
#include <fcntl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <chrono>

#include "probes/deployment_probe.h"
#include "probes/ldap_socket.h"
#include "truststore/ossl.h"

namespace trustctl::probes {

namespace {

using Clock = std::chrono::steady_clock;

// Owns the socket so that every early return closes it.
struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) {
      ::close(fd);
    }
  }
};

int millisLeft(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return left.count() <= 0 ? 0 : static_cast<int>(left.count());
}

// Waits for `events` on `fd` until the deadline; false on timeout or error.
bool waitFor(int fd, short events, Clock::time_point deadline) {
  int left = millisLeft(deadline);
  if (left == 0) {
    return false;
  }
  pollfd p{fd, events, 0};
  return poll(&p, 1, left) > 0;
}

// RFC 4511 ExtendedRequest for StartTLS (RFC 4513 s3.1), message id 1.
constexpr std::array<unsigned char, 31> kStartTlsRequest = {
    0x30, 0x1d, 0x02, 0x01, 0x01, 0x77, 0x18, 0x80, 0x16, '1', '.', '3', '.', '6', '.', '1',
    '.',  '4',  '.',  '1',  '.',  '1',  '4',  '6',  '6',  '.', '2', '0', '0', '3', '7'};

// Sends StartTLS and reads the ExtendedResponse (bounded: 512 bytes, the deadline). Returns ""
// when the server agreed (resultCode 0), else why not.
std::string startTls(int fd, Clock::time_point deadline) {
  if (::send(fd, kStartTlsRequest.data(), kStartTlsRequest.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(kStartTlsRequest.size())) {
    return "could not send the StartTLS request";
  }
  std::array<unsigned char, 512> buf{};
  size_t got = 0;
  size_t need = 2;  // the SEQUENCE header first, then its length tells the rest
  while (got < need) {
    if (!waitFor(fd, POLLIN, deadline)) {
      return "no answer to StartTLS within the time limit";
    }
    ssize_t n = ::recv(fd, buf.data() + got, buf.size() - got, 0);
    if (n <= 0) {
      return "the server closed the connection after the StartTLS request";
    }
    got += static_cast<size_t>(n);
    if (buf[0] != 0x30) {
      return "the answer to StartTLS is not an LDAP message";
    }
    if (got >= 2) {
      size_t len_bytes = (buf[1] & 0x80) ? (buf[1] & 0x7f) : 0;
      if (len_bytes > 2) {
        return "the answer to StartTLS is too large";
      }
      size_t len = len_bytes == 0 ? buf[1] : 0;
      for (size_t i = 0; i < len_bytes && 2 + i < got; ++i) {
        len = (len << 8) | buf[2 + i];
      }
      need = std::min(buf.size(), 2 + len_bytes + len);
    }
  }
  // SEQUENCE { INTEGER id, [APPLICATION 24] { ENUMERATED resultCode, ... } }; short forms.
  size_t at = 2 + ((buf[1] & 0x80) ? (buf[1] & 0x7f) : 0);
  if (at + 3 > got || buf[at] != 0x02) {
    return "the answer to StartTLS is not an LDAP message";
  }
  at += 2 + buf[at + 1];
  if (at + 2 > got || buf[at] != 0x78) {
    return "the answer to StartTLS is not an ExtendedResponse";
  }
  at += 2 + ((buf[at + 1] & 0x80) ? (buf[at + 1] & 0x7f) : 0);
  if (at + 3 > got || buf[at] != 0x0a || buf[at + 1] != 1) {
    return "the answer to StartTLS carries no result code";
  }
  return buf[at + 2] == 0
             ? ""
             : "the server refused StartTLS (LDAP result " + std::to_string(buf[at + 2]) + ")";
}

// A handshake on a connected socket; fills the leaf or the error.
void handshake(int fd, const std::string& sni, Clock::time_point deadline, SniEvidence& out) {
  ossl::SslCtxPtr ctx(SSL_CTX_new(TLS_client_method()));
  ossl::SslPtr ssl(ctx ? SSL_new(ctx.get()) : nullptr);
  if (!ssl || SSL_set_fd(ssl.get(), fd) != 1) {
    out.error = "could not set up TLS: " + ossl::drainErrors();
    return;
  }
  fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  SSL_set_verify(ssl.get(), SSL_VERIFY_NONE, nullptr);
  if (!sni.empty() && SSL_set_tlsext_host_name(ssl.get(), sni.c_str()) != 1) {
    out.error = "could not set SNI " + sni;
    ossl::clearErrors();
    return;
  }
  std::string failure;
  // Bounded: every turn either finishes or waits on poll() until the deadline.
  while (true) {
    int rc = SSL_connect(ssl.get());
    if (rc == 1) {
      break;
    }
    int err = SSL_get_error(ssl.get(), rc);
    if (err != SSL_ERROR_WANT_READ && err != SSL_ERROR_WANT_WRITE) {
      std::string why = ossl::drainErrors();
      failure = "TLS handshake failed" + (why.empty() ? std::string() : ": " + why);
      break;
    }
    if (!waitFor(fd, err == SSL_ERROR_WANT_READ ? POLLIN : POLLOUT, deadline)) {
      failure = "TLS handshake not done within the time limit";
      break;
    }
  }
  // A server that asks for a client certificate may fail the handshake after presenting its
  // own: what it presented still answers the question.
  if (X509* leaf = SSL_get0_peer_certificate(ssl.get())) {
    unsigned char* der = nullptr;
    int len = i2d_X509(leaf, &der);
    ossl::OpensslBytesPtr owner(der);
    if (len > 0) {
      out.leaf_sha256 = ossl::sha256HexOf(der, static_cast<size_t>(len));
    }
  }
  if (out.leaf_sha256.empty()) {
    out.error = failure.empty() ? "the server presented no certificate" : failure;
  }
  ossl::clearErrors();
}

SniEvidence probeOnce(const Target& target, const std::string& sni, double timeout_seconds) {
  SniEvidence out;
  out.sni = sni;
  auto deadline = Clock::now() + std::chrono::milliseconds(
                                     static_cast<long>(std::max(0.1, timeout_seconds) * 1000));
  Capture scratch;
  Fd sock{connectLdapSocket(target, deadline, scratch)};
  if (sock.fd < 0) {
    out.error = scratch.detail.empty() ? "could not connect" : scratch.detail;
    return out;
  }
  if (target.protocol == Protocol::LdapStartTls) {
    out.error = startTls(sock.fd, deadline);
    if (!out.error.empty()) {
      return out;
    }
  }
  handshake(sock.fd, sni, deadline, out);
  return out;
}

}  // namespace

std::string sniForDomain(const std::string& domain) {
  return domain.rfind("*.", 0) == 0 ? "deploy-check" + domain.substr(1) : domain;
}

DeploymentEvidence probeDeployment(const Target& target, const std::vector<std::string>& domains,
                                   double timeout_seconds) {
  DeploymentEvidence evidence;
  evidence.url = target.url();
  for (const auto& d : domains) {
    evidence.handshakes.push_back(probeOnce(target, sniForDomain(d), timeout_seconds));
  }
  evidence.handshakes.push_back(probeOnce(target, "", timeout_seconds));
  return evidence;
}

}  // namespace trustctl::probes
