#pragma once
// Small hostile servers written against the probe's bounds, on 127.0.0.1, one thread per
// connection, stopped on destruction (every loop checks the stop flag at least every 100 ms):
//  - HelloRequestFlood: completes a TLS 1.2 handshake, then sends HelloRequest after
//    HelloRequest and never answers, to keep a client inside its TLS read loop;
//  - HugeLdapLength: reads one LDAP request, answers with a BER length of 2 GiB and streams
//    zeros behind it, to make a client allocate and fill the announced size;
//  - Blackhole: accepts and never reads nor answers (AIA URLs that hang).
// With a certificate and key the server speaks TLS (OpenSSL) first, else plain TCP.

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/test_pki.h"
#include "truststore/ossl.h"

namespace trustctl::testing {

enum class Hostility { HelloRequestFlood, HugeLdapLength, Blackhole };

class HostileServer {
 public:
  // `tls_leaf` null: plain TCP. HelloRequestFlood needs TLS.
  HostileServer(Hostility hostility, CertificatePtr tls_leaf = nullptr,
                PrivateKeyPtr key = nullptr);
  ~HostileServer();
  HostileServer(const HostileServer&) = delete;
  HostileServer& operator=(const HostileServer&) = delete;
  int port() const { return port_; }
  // scheme://127.0.0.1:port/ (path appended as given, e.g. "/issuer-7.cer").
  std::string url(const std::string& scheme, const std::string& path = "/") const;
  // Connections accepted so far, and hostile messages (HelloRequests, 64 KiB blocks) sent.
  int accepted() const { return accepted_; }
  long long sent() const { return sent_; }

 private:
  void acceptLoop();
  void serve(int fd);
  Hostility hostility_;
  CertificatePtr leaf_;
  PrivateKeyPtr key_;
  ossl::SslCtxPtr ctx_;  // null: plain TCP
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> accepted_{0};
  std::atomic<long long> sent_{0};
  std::mutex mutex_;
  std::vector<std::thread> connections_;
  std::thread acceptor_;
};

}  // namespace trustctl::testing
