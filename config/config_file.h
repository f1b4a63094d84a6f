#pragma once
// The TOML file operators keep under configuration management: library entries (files
// relative to the config file, passwords from a file or the environment, never inline),
// connectors (environment, targets, trust, identity, probe interval, on_change), expiry
// thresholds and the agent's listen address. Loading validates all of it and reports every
// problem as file:line:column with what was expected.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "truststore/certificate_importer.h"
#include "truststore/error.h"
#include "truststore/revocation.h"
#include "truststore/runtime_model.h"
#include "truststore/server_cert_checks.h"

namespace trustctl::config {

struct Location {
  std::string file;
  int line = 0;
  int column = 0;
  std::string str() const;  // "file:line:column"
};

struct EntrySpec {
  std::string name;
  std::string file;  // resolved against the config file's folder
  std::string key_file;
  std::string password_file;
  std::string password_env;
  bool identity = false;
  std::string note;
  std::string environment;
  Location where;                         // the [entries.NAME] table
  Location file_where;                    // the `file` key's value
  truststore::ImportedMaterial material;  // parsed while loading
};

struct ConnectorSpec {
  std::string name;
  std::string environment;
  std::string note;
  std::vector<std::string> targets;
  std::vector<std::string> trust;
  std::string identity;
  int probe_interval_seconds = 300;
  std::string on_change;  // run through /bin/sh when the trust or identity changed
  int on_change_timeout_seconds = 30;
  truststore::RevocationMode revocation = truststore::RevocationMode::Soft;
  // Absent = trustctl, as for a connector made by `connector create` without --runtime.
  truststore::ConnectorRuntime runtime = truststore::ConnectorRuntime::Trustctl;
  std::string proxy;                   // "" = the environment, "none" = direct, else a URL
  std::string proxy_credentials_file;  // resolved against the config file's folder
  Location where;
  std::vector<Location> trust_where;  // per trust element
  Location identity_where;
};

// A [server_certs.NAME]: user-provided files (cert, key, ca, password_file for a PKCS#12 or
// an encrypted key) or issued by the built-in CA (issuer, profile, validity_days,
// key_algorithm, the CA's passphrase_file), and the on_change that reloads the server.
struct ServerCertSpec {
  std::string name;
  std::vector<std::string> domains;
  std::string cert_file;  // resolved against the config file's folder
  std::string key_file;
  std::string ca_file;
  std::string password_file;
  std::string issuer;  // the built-in CA; "" = user-provided
  std::string profile = "tls-server";
  int validity_days = 0;  // 0 = the CA's default
  std::string key_algorithm = "ec";
  std::string passphrase_file;  // "" = the systemd credential
  std::string on_change;
  int on_change_timeout_seconds = 30;
  std::vector<std::string> served_at;  // listeners where the agent proves it, normalized
  Location where;
  // User-provided, parsed while loading: the certificates as given and the key. The upload
  // checks (server_cert_checks.h) run against the store when planning.
  std::vector<truststore::CertificatePtr> certificates;
  truststore::PrivateKeyPtr key;
  truststore::CheckedServerCert checked;  // filled by checkServerCertSpecs
};

struct ExpirySpec {
  int warning_days = 30;
  int critical_days = 7;
};

struct AgentSpec {
  std::string listen = "127.0.0.1:9464";
  int default_probe_interval_seconds = 300;
  int max_parallel_probes = 64;
  double probe_timeout_seconds = 10;
  // A server certificate of the store: the endpoint serves HTTPS with it ("": plain HTTP).
  std::string tls_server_cert;
  // The built-in CA's passphrase for renewals ("" = the systemd credential).
  std::string ca_passphrase_file;
};

struct ScopeConfig;

struct ConfigFile {
  std::string path;           // as given
  std::string absolute_path;  // canonical: what the store records as declaring a connector
  std::vector<EntrySpec> entries;
  std::vector<ConnectorSpec> connectors;
  std::vector<ServerCertSpec> server_certs;
  ExpirySpec expiry;
  AgentSpec agent;
  // [scopes."vendor/customer-a"] tables: the entries and connectors of other scopes
  // (truststore/scope.h), applied in the same transaction as the rest.
  std::vector<ScopeConfig> scopes;
  const EntrySpec* findEntry(const std::string& name) const;
};

struct ScopeConfig {
  std::string path;
  Location where;
  ConfigFile content;  // its entries and connectors; expiry and agent are the file's own
};

// The connectors of the file and of every scope in it, a scope's with the flat name the agent
// uses ("vendor/customer-a/crm", truststore/scope.h flattenScopes).
std::vector<ConnectorSpec> allConnectors(const ConfigFile& config);

// Reads, validates and loads every entry's material. `known_entries` are the store's entry
// names (a connector may trust an entry the file does not declare). Fails with ConfigInvalid;
// the message has one line per problem, each starting with file:line:column. The file is read
// bounded (config_source.h: size, keys, nesting) before it is parsed; FileNotFound,
// IsDirectory and NotARegularFile when it is not a file, ConfigUnsafe when it has on_change
// commands and others may write it.
// `scope_entries` are the entry names of the store's other scopes, by path.
Result<ConfigFile> loadConfig(
    const std::string& path, const std::vector<std::string>& known_entries,
    const std::map<std::string, std::vector<std::string>>& scope_entries = {});

}  // namespace trustctl::config
