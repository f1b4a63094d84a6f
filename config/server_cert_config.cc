#include "config/server_cert_config.h"

#include <algorithm>
#include <vector>

#include "config/config_readers.h"
#include "truststore/builtin_ca.h"
#include "truststore/file_util.h"
#include "truststore/key_importer.h"
#include "truststore/server_cert.h"
#include "truststore/target_url.h"

namespace trustctl::config {

namespace detail {

truststore::PasswordProvider passwordFromFile(const std::string& file) {
  return [file]() -> std::optional<std::string> {
    if (file.empty()) {
      return std::nullopt;
    }
    auto text = truststore::readUserFile(file, truststore::kMaxPasswordFileBytes,
                                         "a password file (the password on its first line)");
    if (!text) {
      return std::nullopt;
    }
    std::string line = text->substr(0, text->find('\n'));
    if (!line.empty() && line.back() == '\r') {
      line.pop_back();
    }
    return line;
  };
}

}  // namespace detail

namespace {

// The fields of a user-provided or of a CA-issued one that the other kind must not have.
void checkSourceFields(const toml::table& t, const std::string& where, const ServerCertSpec& s,
                       Problems& p) {
  bool user = t.contains("cert");
  bool ca = t.contains("issuer");
  if (user == ca) {
    p.add(s.where, where + ": give cert and key (user-provided) or issuer (the built-in CA), " +
                       (user ? "not both" : "one of them"));
    return;
  }
  const std::vector<std::string> user_only = {"key", "ca", "password_file"};
  const std::vector<std::string> ca_only = {"profile", "validity_days", "key_algorithm",
                                            "passphrase_file"};
  for (const std::string& k : user ? ca_only : user_only) {
    if (const toml::node* n = t.get(k)) {
      p.add(*n, where + "." + k + ": only for " +
                    (user ? "a certificate the built-in CA issues (issuer = \"CA\")"
                          : "a user-provided certificate (cert = \"FILE\")"));
    }
  }
}

void readOne(const std::string& name, const toml::table& t, const toml::node& key_node,
             const std::string& base, ConfigFile& cfg, Problems& p) {
  ServerCertSpec s;
  s.name = name;
  s.where = p.at(key_node.source());
  std::string where = "[server_certs." + name + "]";
  if (!truststore::isValidServerCertName(name)) {
    p.add(s.where, truststore::invalidNameError("server certificate", name).message);
  }
  TableReader r(
      t, where,
      {"domains", "cert", "key", "ca", "password_file", "issuer", "profile", "validity_days",
       "key_algorithm", "passphrase_file", "on_change", "on_change_timeout_seconds", "served_at"},
      p);
  for (const auto& [domain, loc] : r.strings("domains")) {
    s.domains.push_back(domain);
  }
  if (s.domains.empty()) {
    p.add(s.where, where + ".domains: missing; list the names it serves, e.g. [\"www.example\"]");
  }
  checkSourceFields(t, where, s, p);
  s.cert_file = resolvePath(base, r.string("cert").value_or(""));
  s.key_file = resolvePath(base, r.string("key").value_or(""));
  s.ca_file = resolvePath(base, r.string("ca").value_or(""));
  s.password_file = resolvePath(base, r.string("password_file").value_or(""));
  s.issuer = r.string("issuer").value_or("");
  Location at;
  if (auto profile = r.string("profile", &at); profile && *profile != "tls-server") {
    p.add(at,
          where + ".profile: a server certificate is \"tls-server\", found \"" + *profile + "\"");
  }
  s.validity_days = static_cast<int>(r.integer("validity_days", 1, 3650).value_or(0));
  if (auto algorithm = r.string("key_algorithm", &at)) {
    if (!truststore::caKeyTypeFromName(*algorithm)) {
      p.add(at, where + ".key_algorithm: expected \"ec\" or \"rsa\", found \"" + *algorithm + "\"");
    } else {
      s.key_algorithm = *algorithm;
    }
  }
  s.passphrase_file = resolvePath(base, r.string("passphrase_file").value_or(""));
  // Where it is served, as `server-cert add --served-at` takes it: the agent proves it there.
  for (const auto& [url, loc] : r.strings("served_at")) {
    auto target = truststore::parseTarget(url);
    if (!target) {
      p.add(loc, where + ".served_at: " + target.error().message);
    } else if (std::find(s.served_at.begin(), s.served_at.end(), target->url()) ==
               s.served_at.end()) {
      s.served_at.push_back(target->url());
    }
  }
  s.on_change = r.string("on_change").value_or("");
  s.on_change_timeout_seconds =
      static_cast<int>(r.integer("on_change_timeout_seconds", 1, 3600).value_or(30));
  cfg.server_certs.push_back(std::move(s));
}

}  // namespace

std::string resolvePath(const std::string& base_dir, const std::string& path) {
  if (path.empty() || path[0] == '/') {
    return path;
  }
  return base_dir + "/" + path;
}

void readServerCerts(const toml::table& tables, const std::string& base, ConfigFile& cfg,
                     Problems& p) {
  for (auto&& [key, node] : tables) {
    std::string name(key.str());
    const toml::table* t = node.as_table();
    if (t == nullptr) {
      p.add(node, "server_certs." + name + ": expected a table ([server_certs." + name +
                      "]), found " + typeName(node));
      continue;
    }
    readOne(name, *t, node, base, cfg, p);
  }
}

void loadServerCertMaterial(ServerCertSpec& s, Problems& p) {
  if (s.cert_file.empty()) {
    return;  // issued by the built-in CA when applied
  }
  std::string label = "[server_certs." + s.name + "]";
  if (!s.password_file.empty() && !truststore::pathExists(s.password_file)) {
    p.add(s.where, label + ".password_file: cannot read '" + s.password_file + "'");
    return;
  }
  auto bytes = truststore::readInputFile(s.cert_file);
  if (!bytes) {
    p.add(s.where, label + ".cert: " + bytes.error().message);
    return;
  }
  auto material =
      truststore::parseImport(*bytes, s.cert_file, detail::passwordFromFile(s.password_file));
  if (!material) {
    p.add(s.where, label + ".cert: " + material.error().message);
    return;
  }
  s.certificates = material->certificates;
  s.key = material->key;
  if (!s.key_file.empty()) {
    auto key_bytes = truststore::readInputFile(s.key_file);
    auto key = key_bytes ? truststore::parseKeyFile(*key_bytes, s.key_file,
                                                    detail::passwordFromFile(s.password_file))
                         : Result<truststore::PrivateKeyPtr>(tl::unexpected(key_bytes.error()));
    if (!key) {
      p.add(s.where, label + ".key: " + key.error().message);
      return;
    }
    s.key = *key;
  }
  if (!s.key) {
    p.add(s.where, label + ": '" + s.cert_file +
                       "' holds no private key; set key = \"FILE\" or give a PKCS#12");
    return;
  }
  if (!s.ca_file.empty()) {
    auto ca_bytes = truststore::readInputFile(s.ca_file);
    auto ca = ca_bytes ? truststore::parseImport(*ca_bytes, s.ca_file, detail::passwordFromFile(""))
                       : Result<truststore::ImportedMaterial>(tl::unexpected(ca_bytes.error()));
    if (!ca) {
      p.add(s.where, label + ".ca: " + ca.error().message);
      return;
    }
    s.certificates.insert(s.certificates.end(), ca->certificates.begin(), ca->certificates.end());
  }
}

}  // namespace trustctl::config
