#include "tests/support/servers.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace trustctl::testing {

namespace {

int listenLoopback(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  int one = 1;
  setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) != 0 || listen(fd, 64) != 0) {
    ::close(fd);
    throw std::runtime_error("test server: cannot listen on 127.0.0.1");
  }
  return fd;
}

int boundPort(int fd) {
  sockaddr_in a{};
  socklen_t len = sizeof(a);
  getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len);
  return ntohs(a.sin_port);
}

std::string writePem(const TempDir& dir, const std::string& name,
                     const std::vector<CertificatePtr>& certs) {
  return dir.write(name, toPem(certs));
}

std::string writeKey(const TempDir& dir, const PrivateKeyPtr& key) {
  std::string path = dir.write("server.key", keyPem(key));
  chmod(path.c_str(), 0600);
  return path;
}

// Reads what a client sends until the end of its request headers (or 4 KiB, or 2 s).
std::string readRequest(int fd) {
  std::string got;
  char buf[1024];
  for (int i = 0; i < 20 && got.find("\r\n\r\n") == std::string::npos && got.size() < 4096; ++i) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, 100) <= 0) {
      continue;
    }
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) {
      break;
    }
    got.append(buf, static_cast<size_t>(n));
  }
  return got;
}

}  // namespace

bool portAccepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof(a)) == 0;
  ::close(fd);
  return ok;
}

void waitUntilListening(const ServerProcess& p, int port, const std::string& what) {
  for (int i = 0; i < 200; ++i) {  // at most ~10 s
    if (portAccepts(port)) {
      return;
    }
    if (!p.running()) {
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  throw std::runtime_error(what + " did not start on port " + std::to_string(port) + ": " +
                           p.logTail());
}

int freeLoopbackPort() {
  int fd = listenLoopback(0);
  int port = boundPort(fd);
  ::close(fd);
  return port;
}

int closedLoopbackPort() {
  return freeLoopbackPort();
}

ServerProcess::ServerProcess(const std::vector<std::string>& argv, const std::string& log_path)
    : log_path_(log_path) {
  pid_ = fork();
  if (pid_ == 0) {
    int log = ::open(log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int null_in = ::open("/dev/null", O_RDONLY);
    dup2(null_in, 0);
    dup2(log, 1);
    dup2(log, 2);
    std::vector<char*> args;
    for (const auto& a : argv) {
      args.push_back(const_cast<char*>(a.c_str()));
    }
    args.push_back(nullptr);
    execvp(args[0], args.data());
    _exit(127);
  }
}

ServerProcess::~ServerProcess() {
  if (pid_ <= 0 || reaped_) {
    return;
  }
  kill(pid_, SIGTERM);
  for (int i = 0; i < 60; ++i) {  // at most ~3 s, then SIGKILL
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
}

bool ServerProcess::running() const {
  if (pid_ <= 0 || reaped_) {
    return false;
  }
  pid_t r = waitpid(pid_, nullptr, WNOHANG);
  // Once reaped here, the destructor must not wait for it again (it would wait out its ~3 s
  // limit on a pid that is gone: every slapadd in startSlapd did).
  reaped_ = r == pid_ || r < 0;
  return r == 0;
}

std::string ServerProcess::logTail() const {
  std::ifstream in(log_path_);
  std::stringstream s;
  s << in.rdbuf();
  std::string text = s.str();
  return text.size() > 2000 ? text.substr(text.size() - 2000) : text;
}

std::string TestServer::url(const std::string& scheme, int which_port) const {
  return scheme + "://127.0.0.1:" + std::to_string(which_port ? which_port : port) + "/";
}

std::unique_ptr<TestServer> startSServer(const TlsServerOptions& o) {
  auto s = std::make_unique<TestServer>();
  s->dir = std::make_unique<TempDir>();
  std::string cert = writePem(*s->dir, "leaf.pem", {o.chain[0]});
  std::string key = writeKey(*s->dir, o.key);
  for (int attempt = 0; attempt < 3; ++attempt) {
    s->port = o.port ? o.port : freeLoopbackPort();
    std::vector<std::string> argv{
        "openssl", "s_server", "-quiet", "-www", "-accept", "127.0.0.1:" + std::to_string(s->port),
        "-cert",   cert,       "-key",   key};
    if (o.chain.size() > 1) {
      argv.push_back("-cert_chain");
      argv.push_back(writePem(*s->dir, "chain.pem", {o.chain.begin() + 1, o.chain.end()}));
    }
    if (!o.client_cas.empty()) {
      argv.insert(argv.end(),
                  {"-Verify", "1", "-CAfile", writePem(*s->dir, "client-ca.pem", o.client_cas)});
    }
    argv.insert(argv.end(), o.extra_args.begin(), o.extra_args.end());
    s->process = std::make_unique<ServerProcess>(argv, s->dir->file("server.log"));
    try {
      waitUntilListening(*s->process, s->port, "openssl s_server");
      return s;
    } catch (const std::runtime_error&) {
      if (attempt == 2) {
        throw;
      }
    }
  }
  return s;
}

std::unique_ptr<TestServer> startNginx(const TlsServerOptions& o, int workers) {
  auto s = std::make_unique<TestServer>();
  s->dir = std::make_unique<TempDir>();
  const std::string d = s->dir->path();
  std::string cert = writePem(*s->dir, "chain.pem", o.chain);
  std::string key = writeKey(*s->dir, o.key);
  std::string client;
  if (!o.client_cas.empty()) {
    client = "ssl_client_certificate " + writePem(*s->dir, "client-ca.pem", o.client_cas) +
             "; ssl_verify_client on;";
  }
  s->port = freeLoopbackPort();
  std::string conf =
      "daemon off; master_process on; worker_processes " + std::to_string(workers) + "; pid " + d +
      "/nginx.pid; error_log " + d + "/error.log;\n" + (geteuid() == 0 ? "user root;\n" : "") +
      "events { worker_connections 1024; }\n"
      "http { access_log off; client_body_temp_path " +
      d + "; proxy_temp_path " + d + "; fastcgi_temp_path " + d + "; uwsgi_temp_path " + d +
      "; scgi_temp_path " + d + ";\n server { listen 127.0.0.1:" + std::to_string(s->port) +
      " ssl; ssl_certificate " + cert + "; ssl_certificate_key " + key + "; " + client +
      " location / { return 200 \"ok\\n\"; } } }\n";
  std::string conf_path = s->dir->write("nginx.conf", conf);
  s->process = std::make_unique<ServerProcess>(
      std::vector<std::string>{"nginx", "-c", conf_path, "-p", d, "-e", d + "/error.log"},
      s->dir->file("server.log"));
  waitUntilListening(*s->process, s->port, "nginx");
  return s;
}

std::unique_ptr<TestServer> startSlapd(const TlsServerOptions& o) {
  auto s = std::make_unique<TestServer>();
  s->dir = std::make_unique<TempDir>();
  const std::string d = s->dir->path();
  mkdir((d + "/slapd.d").c_str(), 0700);
  mkdir((d + "/db").c_str(), 0700);
  std::string tls;
  if (!o.chain.empty()) {
    std::string cert = writePem(*s->dir, "chain.pem", o.chain);
    std::string key = writeKey(*s->dir, o.key);
    std::string ca =
        writePem(*s->dir, "ca.pem",
                 o.client_cas.empty() ? std::vector<CertificatePtr>{o.chain.back()} : o.client_cas);
    tls = "olcTLSCertificateFile: " + cert + "\nolcTLSCertificateKeyFile: " + key +
          "\nolcTLSCACertificateFile: " + ca +
          "\nolcTLSVerifyClient: " + (o.client_cas.empty() ? "never" : "demand") + "\n";
    for (size_t i = 0; i + 1 < o.extra_args.size(); i += 2) {
      if (o.extra_args[i] == "cipher_suite") {
        tls += "olcTLSCipherSuite: " + o.extra_args[i + 1] + "\n";
      }
    }
  }
  std::string ldif =
      "dn: cn=config\nobjectClass: olcGlobal\ncn: config\nolcPidFile: " + d +
      "/slapd.pid\nolcLogLevel: none\n" + tls +
      "\ndn: cn=module{0},cn=config\nobjectClass: olcModuleList\ncn: module{0}\n"
      "olcModulePath: /usr/lib/ldap\nolcModuleLoad: back_mdb\n"
      "\ndn: cn=schema,cn=config\nobjectClass: olcSchemaConfig\ncn: schema\n"
      "\ninclude: file:///etc/ldap/schema/core.ldif\n"
      "\ndn: olcDatabase={-1}frontend,cn=config\nobjectClass: olcDatabaseConfig\n"
      "objectClass: olcFrontendConfig\nolcDatabase: {-1}frontend\n"
      "\ndn: olcDatabase={1}mdb,cn=config\nobjectClass: olcDatabaseConfig\n"
      "objectClass: olcMdbConfig\nolcDatabase: {1}mdb\nolcSuffix: dc=example,dc=test\n"
      "olcRootDN: cn=admin,dc=example,dc=test\nolcRootPW: secret\n"
      "olcDbDirectory: " +
      d + "/db\nolcDbMaxSize: 16777216\n";
  std::string ldif_path = s->dir->write("config.ldif", ldif);
  {
    ServerProcess add({"slapadd", "-n", "0", "-F", d + "/slapd.d", "-l", ldif_path},
                      d + "/slapadd.log");
    for (int i = 0; i < 200 && add.running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
  }
  s->port2 = freeLoopbackPort();
  std::string urls = "ldap://127.0.0.1:" + std::to_string(s->port2) + "/";
  s->port = -1;
  if (!o.chain.empty()) {
    s->port = freeLoopbackPort();
    urls += " ldaps://127.0.0.1:" + std::to_string(s->port) + "/";
  }
  s->process = std::make_unique<ServerProcess>(
      std::vector<std::string>{"slapd", "-d", "0", "-F", d + "/slapd.d", "-h", urls},
      s->dir->file("server.log"));
  waitUntilListening(*s->process, s->port > 0 ? s->port : s->port2, "slapd");
  waitUntilListening(*s->process, s->port2, "slapd");
  return s;
}

RawServer::RawServer(RawBehaviour behaviour) : behaviour_(behaviour) {
  listen_fd_ = listenLoopback(0);
  port_ = boundPort(listen_fd_);
  thread_ = std::thread([this] { serve(); });
}

RawServer::~RawServer() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

void RawServer::serve() {
  std::vector<int> clients;
  auto last_trickle = std::chrono::steady_clock::now();
  size_t trickled = 0;
  const std::string record("\x16\x03\x03\x40\x00\x02\x00\x3f\xfc\x03\x03", 11);
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 50) > 0) {
      int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
      if (fd >= 0) {
        if (behaviour_ == RawBehaviour::CloseAtOnce) {
          ::close(fd);
        } else if (behaviour_ == RawBehaviour::PlainHttp) {
          readRequest(fd);
          const char* answer =
              "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n";
          ::send(fd, answer, strlen(answer), MSG_NOSIGNAL);
          ::close(fd);
        } else {
          clients.push_back(fd);
        }
      }
    }
    if (behaviour_ == RawBehaviour::Trickle &&
        std::chrono::steady_clock::now() - last_trickle > std::chrono::seconds(1)) {
      last_trickle = std::chrono::steady_clock::now();
      char byte = record[trickled++ % record.size()];
      for (int fd : clients) {
        ::send(fd, &byte, 1, MSG_NOSIGNAL);
      }
    }
  }
  for (int fd : clients) {
    ::close(fd);
  }
}

HttpFileServer::HttpFileServer(std::map<std::string, std::string> files)
    : files_(std::move(files)) {
  listen_fd_ = listenLoopback(0);
  port_ = boundPort(listen_fd_);
  thread_ = std::thread([this] { serve(); });
}

HttpFileServer::~HttpFileServer() {
  stop_ = true;
  thread_.join();
  ::close(listen_fd_);
}

std::string HttpFileServer::url(const std::string& path) const {
  return "http://127.0.0.1:" + std::to_string(port_) + path;
}

void HttpFileServer::serve() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (poll(&p, 1, 50) <= 0) {
      continue;
    }
    int fd = accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
    if (fd < 0) {
      continue;
    }
    std::string request = readRequest(fd);
    size_t start = request.find(' ');
    size_t end = request.find(' ', start + 1);
    std::string path = start == std::string::npos ? "" : request.substr(start + 1, end - start - 1);
    auto it = files_.find(path);
    std::string answer =
        it == files_.end()
            ? std::string("HTTP/1.0 404 Not Found\r\nContent-Length: 0\r\n\r\n")
            : "HTTP/1.0 200 OK\r\nContent-Type: application/pkix-cert\r\nContent-Length: " +
                  std::to_string(it->second.size()) + "\r\n\r\n" + it->second;
    ::send(fd, answer.data(), answer.size(), MSG_NOSIGNAL);
    ::close(fd);
  }
}

}  // namespace trustctl::testing
