#include "config/config_file.h"

#include <cstdlib>
#include <filesystem>
#include <set>

#include <toml++/toml.h>

#include "config/config_readers.h"
#include "config/config_source.h"
#include "config/server_cert_config.h"
#include "config/table_reader.h"
#include "truststore/file_util.h"
#include "truststore/key_importer.h"
#include "truststore/library.h"
#include "truststore/scope.h"
#include "truststore/server_cert.h"
#include "truststore/store_state.h"
#include "truststore/target_url.h"

namespace trustctl::config {

namespace {

std::string resolve(const std::string& base_dir, const std::string& path) {
  return resolvePath(base_dir, path);
}

// The entry's password, from its file (first line) or environment variable; never inline.
truststore::PasswordProvider passwordFor(const EntrySpec& e) {
  return [e]() -> std::optional<std::string> {
    if (!e.password_file.empty()) {
      return detail::passwordFromFile(e.password_file)();
    }
    if (!e.password_env.empty()) {
      const char* v = std::getenv(e.password_env.c_str());
      if (v)
        return std::string(v);
    }
    return std::nullopt;
  };
}

void loadMaterial(EntrySpec& e, Problems& p) {
  std::string label = "entries." + e.name;
  if (!e.password_file.empty() && !truststore::pathExists(e.password_file)) {
    p.add(e.where, label + ".password_file: cannot read '" + e.password_file + "'; check the path");
    return;
  }
  if (!e.password_env.empty() && !std::getenv(e.password_env.c_str())) {
    p.add(e.where,
          label + ".password_env: the environment variable " + e.password_env + " is not set");
    return;
  }
  auto bytes = truststore::readInputFile(e.file);
  if (!bytes) {
    p.add(e.file_where, label + ".file: " + bytes.error().message);
    return;
  }
  auto material = truststore::parseImport(*bytes, e.file, passwordFor(e));
  if (!material) {
    p.add(e.file_where, label + ": " + material.error().message);
    return;
  }
  if (!e.key_file.empty()) {
    auto key_bytes = truststore::readInputFile(e.key_file);
    if (!key_bytes) {
      p.add(e.where, label + ".key: " + key_bytes.error().message);
      return;
    }
    auto key = truststore::parseKeyFile(*key_bytes, e.key_file, passwordFor(e));
    if (!key) {
      p.add(e.where, label + ".key: " + key.error().message);
      return;
    }
    if (auto r = truststore::attachKey(*material, *key, e.key_file); !r) {
      p.add(e.where, label + ".key: " + r.error().message);
      return;
    }
  }
  if (e.identity && !material->key) {
    p.add(e.file_where, label + ": identity = true but '" + e.file +
                            "' holds no private key; give a PKCS#12 or set key = \"FILE\"");
    return;
  }
  e.material = std::move(*material);
}

}  // namespace

namespace {

void readEntries(const toml::table& entries, const std::string& base, ConfigFile& cfg,
                 Problems& p) {
  for (auto&& [key, node] : entries) {
    EntrySpec e;
    e.name = std::string(key.str());
    e.where = p.at(key.source());
    const toml::table* t = node.as_table();
    if (!t) {
      p.add(node, "entries." + e.name + ": expected a table ([entries." + e.name + "]), found " +
                      typeName(node));
      continue;
    }
    if (!truststore::isValidName(e.name)) {
      p.add(e.where, truststore::invalidNameError("entry", e.name).message);
    }
    TableReader r(*t, "[entries." + e.name + "]",
                  {"file", "key", "password_file", "password_env", "identity", "note", "env"}, p);
    auto file = r.string("file", &e.file_where);
    if (!file) {
      if (!t->get("file"))
        p.add(e.where, "[entries." + e.name +
                           "]: missing key 'file' (the certificate file, relative to this config)");
      continue;
    }
    e.file = resolve(base, *file);
    e.key_file = resolve(base, r.string("key").value_or(""));
    e.password_file = resolve(base, r.string("password_file").value_or(""));
    e.password_env = r.string("password_env").value_or("");
    e.identity = r.boolean("identity").value_or(false);
    e.note = r.string("note").value_or("");
    e.environment = r.string("env").value_or("");
    if (!e.password_file.empty() && !e.password_env.empty()) {
      p.add(e.where, "[entries." + e.name + "]: give password_file or password_env, not both");
    }
    cfg.entries.push_back(std::move(e));
  }
}

// runtime, proxy and proxy_credentials_file of one [connectors.NAME] table; each bad value is
// one problem saying what is wrong and what to write instead.
void readRuntimeAndProxy(TableReader& r, const std::string& where, const std::string& base,
                         ConnectorSpec& c, Problems& p) {
  Location at;
  if (auto name = r.string("runtime", &at)) {
    if (auto runtime = truststore::runtimeFromName(*name)) {
      c.runtime = *runtime;
    } else {
      p.add(at, where + ".runtime: \"" + *name +
                    "\" is not a runtime trustctl models; use one of " +
                    truststore::runtimeNameList());
    }
  }
  if (auto proxy = r.string("proxy", &at)) {
    if (auto ok = truststore::checkProxySetting(*proxy); !ok) {
      p.add(at, where + ".proxy: " + ok.error().message);
    } else {
      c.proxy = *proxy;
    }
  }
  if (auto file = r.string("proxy_credentials_file", &at)) {
    c.proxy_credentials_file = resolve(base, *file);
    if (!c.proxy_credentials_file.empty() && !truststore::pathExists(c.proxy_credentials_file)) {
      p.add(at, where + ".proxy_credentials_file: cannot read '" + c.proxy_credentials_file +
                    "'; give the file holding user:password on its first line");
    }
  }
}

void readConnectors(const toml::table& connectors, const std::string& base, ConfigFile& cfg,
                    Problems& p) {
  for (auto&& [key, node] : connectors) {
    ConnectorSpec c;
    c.name = std::string(key.str());
    c.where = p.at(key.source());
    c.probe_interval_seconds = cfg.agent.default_probe_interval_seconds;
    const toml::table* t = node.as_table();
    if (!t) {
      p.add(node, "connectors." + c.name + ": expected a table, found " + typeName(node));
      continue;
    }
    if (!truststore::isValidName(c.name)) {
      p.add(c.where, truststore::invalidNameError("connector", c.name).message);
    }
    std::string where = "[connectors." + c.name + "]";
    TableReader r(
        *t, where,
        {"env", "note", "targets", "trust", "identity", "probe_interval_seconds", "on_change",
         "on_change_timeout_seconds", "revocation", "runtime", "proxy", "proxy_credentials_file"},
        p);
    c.environment = r.string("env").value_or("");
    c.note = r.string("note").value_or("");
    for (const auto& [url, loc] : r.strings("targets")) {
      if (auto target = truststore::parseTarget(url); !target) {
        p.add(loc, where + ".targets: " + target.error().message);
      }
      c.targets.push_back(url);
    }
    for (const auto& [name, loc] : r.strings("trust")) {
      c.trust.push_back(name);
      c.trust_where.push_back(loc);
    }
    c.identity = r.string("identity", &c.identity_where).value_or("");
    c.probe_interval_seconds = static_cast<int>(
        r.integer("probe_interval_seconds", 1, 86400).value_or(c.probe_interval_seconds));
    c.on_change = r.string("on_change").value_or("");
    c.on_change_timeout_seconds =
        static_cast<int>(r.integer("on_change_timeout_seconds", 1, 3600).value_or(30));
    Location revocation_where;
    if (auto mode = r.string("revocation", &revocation_where)) {
      if (auto m = truststore::revocationModeFromName(*mode)) {
        c.revocation = *m;
      } else {
        p.add(
            revocation_where,
            where + ".revocation: expected \"off\", \"soft\" or \"hard\", found \"" + *mode + "\"");
      }
    }
    readRuntimeAndProxy(r, where, base, c, p);
    cfg.connectors.push_back(std::move(c));
  }
}

// A connector may only name entries the file declares or the store already holds; an
// ancestor scope's entry ("vendor:corp-root") is checked by the store when it is applied.
void checkReferences(ConfigFile& cfg, const std::vector<std::string>& known, Problems& p) {
  std::set<std::string> names(known.begin(), known.end());
  for (const auto& e : cfg.entries)
    names.insert(e.name);
  for (const auto& c : cfg.connectors) {
    for (size_t i = 0; i < c.trust.size(); ++i) {
      if (!names.count(c.trust[i]) && !truststore::parseEntryRef(c.trust[i])) {
        p.add(c.trust_where[i], "[connectors." + c.name + "].trust: no entry '" + c.trust[i] +
                                    "' in this file or the library; declare it under [entries." +
                                    c.trust[i] + "]");
      }
    }
    if (!c.identity.empty()) {
      const EntrySpec* e = cfg.findEntry(c.identity);
      if (truststore::parseEntryRef(c.identity)) {
        // checked by the store, as for trust
      } else if (!names.count(c.identity)) {
        p.add(c.identity_where, "[connectors." + c.name + "].identity: no entry '" + c.identity +
                                    "' in this file or the library");
      } else if (e && !e->identity) {
        p.add(c.identity_where, "[connectors." + c.name + "].identity: entry '" + c.identity +
                                    "' is not declared with identity = true");
      }
    }
  }
}

void readTopLevel(const toml::table& root, const std::string& base, ConfigFile& cfg, Problems& p) {
  TableReader top(root, "the file",
                  {"expiry", "agent", "entries", "connectors", "scopes", "server_certs"}, p);
  auto table = [&](const char* key) -> const toml::table* {
    const toml::node* n = root.get(key);
    if (n && !n->is_table()) {
      p.add(*n, std::string(key) + ": expected a table ([" + key + "]), found " + typeName(*n));
      return nullptr;
    }
    return n ? n->as_table() : nullptr;
  };
  if (const toml::table* t = table("expiry")) {
    TableReader r(*t, "[expiry]", {"warning_days", "critical_days"}, p);
    cfg.expiry.warning_days = static_cast<int>(r.integer("warning_days", 0, 3650).value_or(30));
    cfg.expiry.critical_days = static_cast<int>(r.integer("critical_days", 0, 3650).value_or(7));
  }
  if (const toml::table* t = table("agent")) {
    TableReader r(*t, "[agent]",
                  {"listen", "default_probe_interval_seconds", "max_parallel_probes",
                   "probe_timeout_seconds", "tls_server_cert", "ca_passphrase_file"},
                  p);
    cfg.agent.listen = r.string("listen").value_or(cfg.agent.listen);
    cfg.agent.default_probe_interval_seconds =
        static_cast<int>(r.integer("default_probe_interval_seconds", 1, 86400).value_or(300));
    cfg.agent.max_parallel_probes =
        static_cast<int>(r.integer("max_parallel_probes", 1, 1024).value_or(64));
    cfg.agent.probe_timeout_seconds = r.number("probe_timeout_seconds", 0.1, 300).value_or(10);
    Location tls_at;
    cfg.agent.tls_server_cert = r.string("tls_server_cert", &tls_at).value_or("");
    if (!cfg.agent.tls_server_cert.empty() &&
        !truststore::isValidServerCertName(cfg.agent.tls_server_cert)) {
      p.add(tls_at, "[agent] tls_server_cert: '" + cfg.agent.tls_server_cert +
                        "' is not a server certificate name; see 'trustctl server-cert list'");
    }
    cfg.agent.ca_passphrase_file = resolvePath(base, r.string("ca_passphrase_file").value_or(""));
  }
  if (const toml::table* t = table("entries"))
    readEntries(*t, base, cfg, p);
  if (const toml::table* t = table("connectors"))
    readConnectors(*t, base, cfg, p);
  if (const toml::table* t = table("scopes"))
    detail::readScopes(*t, base, cfg, p);
  if (const toml::table* t = table("server_certs")) {
    readServerCerts(*t, base, cfg, p);
  }
}

}  // namespace

std::string Location::str() const {
  return file + ":" + std::to_string(line) + ":" + std::to_string(column);
}

const EntrySpec* ConfigFile::findEntry(const std::string& name) const {
  for (const auto& e : entries) {
    if (e.name == name)
      return &e;
  }
  return nullptr;
}

namespace detail {

void readEntryTables(const toml::table& t, const std::string& base, ConfigFile& cfg, Problems& p) {
  readEntries(t, base, cfg, p);
}

void readConnectorTables(const toml::table& t, const std::string& base, ConfigFile& cfg,
                         Problems& p) {
  readConnectors(t, base, cfg, p);
}

}  // namespace detail

Result<ConfigFile> loadConfig(
    const std::string& path, const std::vector<std::string>& known_entries,
    const std::map<std::string, std::vector<std::string>>& scope_entries) {
  auto source = readConfigSource(path);
  if (!source) {
    return tl::unexpected(source.error());
  }
  // Before parsing: toml++ builds (and frees) nested tables recursively, so a file of deeply
  // dotted keys would exhaust the stack inside the parser.
  if (auto shape = checkConfigShape(path, source->text); !shape) {
    return tl::unexpected(shape.error());
  }
  ConfigFile cfg;
  cfg.path = path;
  std::error_code ec;
  cfg.absolute_path = std::filesystem::weakly_canonical(std::filesystem::absolute(path), ec);
  if (ec) {
    cfg.absolute_path = path;
  }
  Problems p(path);
  toml::table root;
  try {
    root = toml::parse(std::string_view(source->text), std::string_view(path));
  } catch (const toml::parse_error& e) {
    p.add(p.at(e.source()), "syntax error: " + std::string(e.description()));
    return fail(ErrorCode::ConfigInvalid, p.joined());
  }
  std::string base = std::filesystem::path(path).parent_path().string();
  if (base.empty())
    base = ".";
  readTopLevel(root, base, cfg, p);
  checkReferences(cfg, known_entries, p);
  for (auto& scope : cfg.scopes) {
    auto known = scope_entries.find(scope.path);
    checkReferences(scope.content,
                    known == scope_entries.end() ? std::vector<std::string>{} : known->second, p);
  }
  if (!p.empty()) {
    return fail(ErrorCode::ConfigInvalid, p.joined());
  }
  bool has_on_change = false;
  for (const auto& s : cfg.server_certs) {
    has_on_change = has_on_change || !s.on_change.empty();
  }
  for (const auto& c : allConnectors(cfg)) {
    has_on_change = has_on_change || !c.on_change.empty();
  }
  if (has_on_change) {
    if (auto safe = checkOnlyOwnerWrites(*source, "it has on_change commands"); !safe) {
      return tl::unexpected(safe.error());
    }
  }
  for (auto& e : cfg.entries)
    loadMaterial(e, p);
  for (auto& scope : cfg.scopes) {
    for (auto& e : scope.content.entries)
      loadMaterial(e, p);
  }
  for (auto& s : cfg.server_certs) {
    loadServerCertMaterial(s, p);
  }
  if (!p.empty()) {
    return fail(ErrorCode::ConfigInvalid, p.joined());
  }
  return cfg;
}

}  // namespace trustctl::config
