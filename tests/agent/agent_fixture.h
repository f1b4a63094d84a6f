#pragma once
// What the agent's process tests share: a plain HTTP GET over a raw loopback socket (so a test
// sees 503s and can hold connections open itself), bounded polling, and the agent's config.
// Header-only; every wait is bounded.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/support/cli_runner.h"
#include "truststore/file_util.h"

namespace trustctl::testing {

struct HttpAnswer {
  int status = 0;  // 0: no answer within the timeout
  std::string body;
};

// A connected TCP socket to 127.0.0.1:port, or -1.
inline int connectLoopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd >= 0 && connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0) {
    close(fd);
    fd = -1;
  }
  return fd;
}

// GET http://127.0.0.1:port<path>, the whole exchange bounded by `timeout_ms`.
inline HttpAnswer httpGet(int port, const std::string& path, int timeout_ms = 2000) {
  HttpAnswer answer;
  int fd = connectLoopback(port);
  if (fd < 0) {
    return answer;
  }
  std::string request = "GET " + path + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n";
  [[maybe_unused]] ssize_t sent = send(fd, request.data(), request.size(), MSG_NOSIGNAL);
  std::string in;
  auto end = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  for (;;) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
                    end - std::chrono::steady_clock::now())
                    .count();
    pollfd p{fd, POLLIN, 0};
    if (left <= 0 || poll(&p, 1, static_cast<int>(left)) <= 0) {
      close(fd);
      return answer;  // timed out
    }
    char buf[8192];
    ssize_t n = read(fd, buf, sizeof(buf));
    if (n <= 0) {
      break;
    }
    in.append(buf, static_cast<size_t>(n));
  }
  close(fd);
  if (in.rfind("HTTP/1.", 0) == 0 && in.size() > 12) {
    answer.status = std::stoi(in.substr(9, 3));
    size_t body = in.find("\r\n\r\n");
    answer.body = body == std::string::npos ? "" : in.substr(body + 4);
  }
  return answer;
}

// Polls `condition` every 100 ms for at most `seconds`.
template <typename F>
bool eventually(F condition, double seconds = 60) {
  auto end = std::chrono::steady_clock::now() +
             std::chrono::milliseconds(static_cast<long>(seconds * 1000));
  while (std::chrono::steady_clock::now() < end) {
    if (condition()) {
      return true;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return condition();
}

inline bool fileContains(const std::string& path, const std::string& text) {
  auto content = truststore::readWholeFile(path);
  return content && content->find(text) != std::string::npos;
}

inline int fileLines(const std::string& path) {
  auto text = truststore::readWholeFile(path);
  return text ? lineCount(*text) : 0;
}

// Reads /metrics and returns the value of the sample whose name-and-labels start the line,
// e.g. "trustctl_agent_probe_cycles_total"; -1 when absent.
inline double metricValue(int port, const std::string& sample) {
  std::string text = httpGet(port, "/metrics").body;
  size_t at = text.find("\n" + sample + " ");
  if (at == std::string::npos) {
    return -1;
  }
  return std::stod(text.substr(at + sample.size() + 2));
}

}  // namespace trustctl::testing
