#include "probes/https_tunnel.h"

#include <sys/socket.h>
#include <unistd.h>

#include "truststore/secret_wipe.h"

namespace trustctl::probes {

namespace {

// Through a proxy, the header lines before any TLS record are the proxy's answer to CONNECT:
// its status line is the evidence for a refused tunnel ("HTTP/1.1 403 Access violation").
size_t noteProxyHeader(char* data, size_t size, size_t count, void* arg) {
  auto* state = static_cast<TunnelState*>(arg);
  size_t n = size * count;
  std::string_view line(data, n);
  if (!state->tls_started && line.rfind("HTTP/", 0) == 0) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) {
      line.remove_suffix(1);
    }
    state->status_line = std::string(line.substr(0, 200));
  }
  return n;
}

// libcurl hands every socket it closes here; a socket with a peer was connected. (libcurl's
// connect time includes the CONNECT exchange, so it cannot tell the two apart.)
int closeNotingPeer(void* arg, curl_socket_t fd) {
  sockaddr_storage peer{};
  socklen_t len = sizeof peer;
  if (::getpeername(fd, reinterpret_cast<sockaddr*>(&peer), &len) == 0) {
    static_cast<TunnelState*>(arg)->proxy_connected = true;
  }
  return ::close(fd);
}

}  // namespace

void configureTunnel(CURL* e, const CaptureRequest& request, TunnelState& state) {
  state.route = resolveProxy(request.proxy, request.target.host, processProxyEnvironment());
  curl_easy_setopt(e, CURLOPT_PROXY, state.route.url.c_str());
  // The route was chosen above, as curl would: libcurl must not apply no_proxy a second time.
  curl_easy_setopt(e, CURLOPT_NOPROXY, "");
  if (state.route.direct()) {
    return;
  }
  curl_easy_setopt(e, CURLOPT_HTTPPROXYTUNNEL, 1L);
  curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, noteProxyHeader);
  curl_easy_setopt(e, CURLOPT_HEADERDATA, &state);
  curl_easy_setopt(e, CURLOPT_CLOSESOCKETFUNCTION, closeNotingPeer);
  curl_easy_setopt(e, CURLOPT_CLOSESOCKETDATA, &state);
  const std::string& credentials = request.proxy_credentials && !request.proxy_credentials->empty()
                                       ? *request.proxy_credentials
                                       : state.route.credentials;
  if (size_t colon = credentials.find(':'); colon != std::string::npos) {
    // libcurl copies option strings; the copies here are wiped at once.
    std::string user = credentials.substr(0, colon);
    std::string password = credentials.substr(colon + 1);
    curl_easy_setopt(e, CURLOPT_PROXYUSERNAME, user.c_str());
    curl_easy_setopt(e, CURLOPT_PROXYPASSWORD, password.c_str());
    // Sent with the first CONNECT: a challenge round trip would need a kept-alive connection.
    curl_easy_setopt(e, CURLOPT_PROXYAUTH, static_cast<long>(CURLAUTH_BASIC));
    truststore::wipeSecret(password);
    state.credentials_sent = true;
  }
  truststore::wipeSecret(state.route.credentials);
}

void recordTunnel(CURL* e, const TunnelState& state, Capture& c) {
  c.proxy = state.route.url;
  c.proxy_source = state.route.source;
  if (state.route.direct()) {
    return;
  }
  long connect_code = 0;
  curl_easy_getinfo(e, CURLINFO_HTTP_CONNECTCODE, &connect_code);
  c.proxy_connect_status = static_cast<int>(connect_code);
  c.proxy_status_line = state.status_line;
  c.proxy_credentials_sent = state.credentials_sent;
}

bool classifyTunnel(CURLcode rc, const TunnelState& state, Capture& c) {
  if (state.route.direct()) {
    return false;
  }
  int code = c.proxy_connect_status;
  // 407 is the standard answer; tinyproxy and some others answer wrong credentials with 401.
  if (code == 407 || code == 401) {
    c.failure = CaptureFailure::ProxyAuthRequired;
    return true;
  }
  if (code != 0 && (code < 200 || code > 299)) {
    c.failure = CaptureFailure::ProxyRefused;
    return true;
  }
  // libcurl only ever connects to the proxy: a failed or timed-out TCP connect is the proxy's.
  if (rc == CURLE_COULDNT_RESOLVE_PROXY || (rc == CURLE_COULDNT_CONNECT && code == 0) ||
      (rc == CURLE_OPERATION_TIMEDOUT && !state.proxy_connected && code == 0)) {
    c.failure = CaptureFailure::ProxyUnreachable;
    return true;
  }
  if (rc == CURLE_OPERATION_TIMEDOUT && code == 0 && !state.tls_started) {
    // Connected, CONNECT sent, no answer: a tarpit, or a proxy still waiting for the target.
    c.failure = CaptureFailure::Timeout;
    c.detail = "the proxy " + c.proxy +
               " accepted the connection but did not answer CONNECT within the timeout";
    return true;
  }
  return false;
}

}  // namespace trustctl::probes
