#include "tests/support/scenario_servers.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <stdexcept>
#include <thread>

#include "tests/support/servers.h"

namespace trustctl::testing {

namespace {

std::vector<std::string> substituted(const ScenarioSetup& setup, const TempDir& dir) {
  std::vector<std::string> out;
  for (const auto& a : setup.server_args) {
    if (a == "@LEAF_PEM@") {
      out.push_back(dir.write("cert2.pem", toPem({setup.chain.at(0)})));
    } else if (a == "@KEY_PEM@") {
      out.push_back(dir.write("key2.pem", keyPem(setup.key)));
    } else {
      out.push_back(a);
    }
  }
  return out;
}

}  // namespace

std::unique_ptr<TestServer> startNginxFiles(int port,
                                            const std::map<std::string, std::string>& files) {
  auto s = std::make_unique<TestServer>();
  s->dir = std::make_unique<TempDir>();
  const std::string d = s->dir->path();
  for (const auto& [name, body] : files) {
    s->dir->write(name, body);
  }
  s->port = port;
  std::string conf =
      "daemon off; master_process on; worker_processes 1; pid " + d + "/nginx.pid; error_log " + d +
      "/error.log;\n" + (geteuid() == 0 ? "user root;\n" : "") +
      "events { worker_connections 64; }\n"
      "http { access_log off; client_body_temp_path " +
      d + "; proxy_temp_path " + d + "; fastcgi_temp_path " + d + "; uwsgi_temp_path " + d +
      "; scgi_temp_path " + d + ";\n server { listen 127.0.0.1:" + std::to_string(port) +
      "; root " + d + "; location / { } } }\n";
  std::string conf_path = s->dir->write("nginx.conf", conf);
  s->process = std::make_unique<ServerProcess>(
      std::vector<std::string>{"nginx", "-c", conf_path, "-p", d, "-e", d + "/error.log"},
      s->dir->file("server.log"));
  waitUntilListening(*s->process, port, "nginx (files)");
  return s;
}

namespace {

void startProxy(const ScenarioSetup& setup, RunningScenario& r) {
  switch (setup.proxy) {
    case ProxyKind::None:
      return;
    case ProxyKind::Down:
      r.proxy_url = "http://127.0.0.1:" + std::to_string(closedLoopbackPort());
      return;
    case ProxyKind::Tinyproxy:
      r.proxy = startTinyproxy();
      break;
    case ProxyKind::TinyproxyAuth:
      r.proxy = startTinyproxy({"scenario", "scenario-password", {}});
      break;
    case ProxyKind::TinyproxyPortLimit:
      r.proxy = startTinyproxy({"", "", {1}});
      break;
    case ProxyKind::Mitmproxy:
      r.proxy = startMitmproxy(&setup.proxy_ca);
      break;
  }
  r.proxy_url = r.proxy->url();
}

}  // namespace

std::unique_ptr<RunningScenario> startScenario(const ScenarioSetup& setup) {
  auto r = std::make_unique<RunningScenario>();
  r->dir = std::make_unique<TempDir>();
  if (setup.http_port != 0) {
    r->files = startNginxFiles(setup.http_port, setup.http_files);
  }
  TlsServerOptions o;
  o.chain = setup.chain;
  o.key = setup.key;
  o.client_cas = setup.client_cas;
  o.extra_args = substituted(setup, *r->dir);
  int port = 0;
  switch (setup.server) {
    case ServerKind::None:
      port = setup.port == PortChoice::Closed ? closedLoopbackPort() : 443;
      break;
    case ServerKind::SServer:
      r->server = startSServer(o);
      port = r->server->port;
      break;
    case ServerKind::Nginx:
      r->server = startNginx(o);
      port = r->server->port;
      break;
    case ServerKind::Slapd:
    case ServerKind::SlapdNoTls:
      r->server = startSlapd(setup.server == ServerKind::Slapd ? o : TlsServerOptions{});
      port = setup.port == PortChoice::Plain ? r->server->port2 : r->server->port;
      break;
    case ServerKind::Silent:
      r->raw = std::make_unique<RawServer>(RawBehaviour::Silent);
      port = r->raw->port();
      break;
    case ServerKind::PlainHttp:
      r->raw = std::make_unique<RawServer>(RawBehaviour::PlainHttp);
      port = r->raw->port();
      break;
    case ServerKind::HugeLdap:
      r->hostile = std::make_unique<HostileServer>(Hostility::HugeLdapLength);
      port = r->hostile->port();
      break;
  }
  r->url = scenarioUrl(setup, port);
  startProxy(setup, *r);
  return r;
}

}  // namespace trustctl::testing
