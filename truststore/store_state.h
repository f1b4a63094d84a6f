#pragma once
// The store's whole logical state as plain values: library entries, the metadata of every
// certificate they hold, and connectors. It is what one generation's state.json holds and
// what a transaction edits; it knows nothing about files or locks.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "truststore/certificate.h"
#include "truststore/error.h"
#include "truststore/revocation.h"
#include "truststore/runtime_model.h"
#include "truststore/signing_keys.h"
#include "truststore/time_util.h"

namespace trustctl::truststore {

enum class EntryType { Certificate, Chain, Identity };
std::string_view entryTypeName(EntryType t);

struct Entry {
  std::string name;
  EntryType type = EntryType::Certificate;
  std::vector<std::string> certificates;  // sha256 hex, upload order; an identity's leaf first
  std::string key_id;                     // identity only: SPKI sha256 naming keys/<id>.pem
  std::vector<std::string> used_as_ca;    // certificates of this entry that sign another one
  std::string note;
  std::string environment;  // free tag such as "test" or "prod"
  std::string source;       // the file name it was imported from
  std::string format;       // "PEM", "DER", "PKCS#7", "PKCS#12"
  UnixTime created_at = 0;
  UnixTime updated_at = 0;
};

struct Connector {
  std::string name;
  std::string environment;
  std::string note;
  std::vector<std::string> trust;    // entry names, in the order they were attached
  std::string identity;              // entry name, "" for none
  std::vector<std::string> targets;  // URLs the connector talks to
  std::string declared_by;           // the config file that declares it ("" = none), by apply
  RevocationMode revocation = RevocationMode::Soft;  // what the probe does about revocation
  // How the connector verifies servers (runtime_models.def); absent in state.json = trustctl.
  ConnectorRuntime runtime = ConnectorRuntime::Trustctl;
  // How its HTTPS traffic goes: "" = the environment (https_proxy, no_proxy), "none" = direct,
  // else a proxy URL without credentials; the credentials live in a file named here.
  std::string proxy;
  std::string proxy_credentials_file;
  UnixTime created_at = 0;
  UnixTime updated_at = 0;
};

// A built-in CA (builtin_ca.h): its two certificates are library entries, its keys live
// encrypted under <store>/ca/<name>/ (ca_key_file.h), outside the generations.
struct CaRecord {
  std::string name;
  std::string root_entry;     // "<name>-root"
  std::string issuing_entry;  // "<name>-issuing"
  std::string key_algorithm;  // "ec" or "rsa"
  UnixTime created_at = 0;
};

// A certificate a server presents (issue 15), kept apart from the connectors' trust: the
// Identity entry `entry` holds its leaf, chain (leaf -> root) and key (server_cert.h).
struct ServerCert {
  std::string name;
  std::vector<std::string> domains;
  std::string entry;
  std::string source = "user";  // "user" (uploaded), "ca" (built-in CA), "acme"
  UnixTime created_at = 0;
  UnixTime updated_at = 0;
  // Listeners that serve it (target URLs: https://, ldaps://, ldap://), where the agent proves
  // the deployment; absent in state.json when empty. Last, so aggregate initializers of the
  // fields above stay valid.
  std::vector<std::string> served_at;
  // Source "ca": what re-issuing it takes (renewal.h). Absent from state.json when unset.
  std::string issuer{};            // the built-in CA's name
  std::string profile{};           // "tls-server"
  std::int64_t validity_days = 0;  // as requested; 0 = the CA's default
  std::string key_algorithm{};     // "ec" or "rsa", the leaf's own key
};

struct StoreState {
  std::uint64_t generation = 0;
  std::map<std::string, Entry> entries;
  std::map<std::string, CertificateInfo> certificates;  // by sha256
  std::map<std::string, Connector> connectors;
  std::map<std::string, CaRecord> cas;             // absent from state.json when empty
  std::map<std::string, ServerCert> server_certs;  // absent in state.json when empty
  SigningState signing;                            // token signing; absent when empty
  // The root's only: every other scope's state by path, "vendor/customer-a" (scope.h).
  std::map<std::string, StoreState> scopes;

  const Entry* findEntry(const std::string& name) const;
  const Connector* findConnector(const std::string& name) const;
  // Names of connectors that trust `entry` or use it as their identity.
  std::vector<std::string> whereUsed(const std::string& entry) const;
  // Entry that already holds exactly these certificates (and key), if any.
  std::optional<std::string> entryWithSameContent(const std::vector<std::string>& certs,
                                                  const std::string& key_id) const;
  // Drops certificate metadata no entry references any more; returns the dropped sha256s.
  std::vector<std::string> dropUnreferencedCertificates();
};

std::string serializeState(const StoreState& state);
// `label` names the file in errors.
Result<StoreState> parseState(std::string_view json, const std::string& label);

// A valid entry or connector name: [a-z0-9][a-z0-9._-]{0,63}.
bool isValidName(std::string_view name);
// The InvalidName error for `name`, naming which `what` ("entry", "connector").
Error invalidNameError(std::string_view what, std::string_view name);
// The EntryNotFound / ConnectorNotFound errors, one wording everywhere.
Error entryNotFoundError(const std::string& name);
Error connectorNotFoundError(const std::string& name);

}  // namespace trustctl::truststore
