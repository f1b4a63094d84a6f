// The connector half of library.h: create, delete, edit, trust, identity, targets.
#include <algorithm>

#include "truststore/library.h"
#include "truststore/scope.h"

namespace trustctl::truststore {

namespace {

Result<Connector*> findConnector(Transaction& tx, const std::string& name) {
  auto it = tx.state().connectors.find(name);
  if (it == tx.state().connectors.end()) {
    return tl::unexpected(connectorNotFoundError(name));
  }
  return &it->second;
}

// A plain name is of the connector's own scope; "<ancestor>:<entry>" is imported from an
// ancestor scope for this use (scope.h), which fails when it names none.
Result<const Entry*> findEntry(Transaction& tx, const std::string& name) {
  if (parseEntryRef(name)) {
    if (auto r = tx.importEntryRef(name); !r) {
      return tl::unexpected(r.error());
    }
  }
  const Entry* e = tx.state().findEntry(name);
  if (e == nullptr) {
    return tl::unexpected(entryNotFoundError(name));
  }
  return e;
}

bool contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

Result<void> createConnector(Transaction& tx, const std::string& name,
                             const std::string& environment, const std::string& note) {
  if (!isValidName(name)) {
    return tl::unexpected(invalidNameError("connector", name));
  }
  if (tx.state().findConnector(name) != nullptr) {
    return fail(ErrorCode::DuplicateName, "a connector named '" + name + "' exists already");
  }
  Connector c;
  c.name = name;
  c.environment = environment;
  c.note = note;
  c.created_at = c.updated_at = tx.now();
  tx.state().connectors.emplace(name, std::move(c));
  tx.touchConnector(name);
  tx.audit("connector.create", name, "", "environment=" + environment);
  return {};
}

Result<void> deleteConnector(Transaction& tx, const std::string& name) {
  if (auto c = findConnector(tx, name); !c) {
    return tl::unexpected(c.error());
  }
  tx.state().connectors.erase(name);
  tx.audit("connector.delete", name, "", "deleted");
  return {};
}

Result<void> editConnector(Transaction& tx, const std::string& name,
                           const std::optional<std::string>& note,
                           const std::optional<std::string>& environment) {
  auto c = findConnector(tx, name);
  if (!c) {
    return tl::unexpected(c.error());
  }
  if (note) {
    (*c)->note = *note;
  }
  if (environment) {
    (*c)->environment = *environment;
  }
  (*c)->updated_at = tx.now();
  tx.touchConnector(name);
  tx.audit("connector.edit", name, "", "note=" + (*c)->note + " environment=" + (*c)->environment);
  return {};
}

Result<void> setRevocationMode(Transaction& tx, const std::string& name, RevocationMode mode) {
  auto c = findConnector(tx, name);
  if (!c) {
    return tl::unexpected(c.error());
  }
  if ((*c)->revocation == mode) {
    return {};
  }
  (*c)->revocation = mode;
  (*c)->updated_at = tx.now();
  tx.audit("connector.revocation", name, "", "revocation=" + std::string(revocationModeName(mode)));
  return {};
}

Result<void> setRuntime(Transaction& tx, const std::string& name, ConnectorRuntime runtime) {
  auto c = findConnector(tx, name);
  if (!c) {
    return tl::unexpected(c.error());
  }
  if ((*c)->runtime == runtime) {
    return {};
  }
  (*c)->runtime = runtime;
  (*c)->updated_at = tx.now();
  tx.audit("connector.runtime", name, "", "runtime=" + std::string(runtimeName(runtime)));
  return {};
}

Result<void> checkProxySetting(const std::string& proxy) {
  if (proxy.empty() || proxy == "none") {
    return {};
  }
  size_t scheme_end = proxy.find("://");
  std::string scheme = scheme_end == std::string::npos ? "" : proxy.substr(0, scheme_end);
  std::string authority = scheme_end == std::string::npos ? proxy : proxy.substr(scheme_end + 3);
  authority = authority.substr(0, authority.find_first_of("/?#"));
  // Checked first, and the URL is not echoed: what precedes the '@' is a password.
  if (authority.find('@') != std::string::npos) {
    return fail(ErrorCode::InvalidArgument,
                "the proxy URL holds credentials (user:password@), which would show in "
                "listings and logs; give the URL without them and put user:password in a "
                "file named by --proxy-credentials-file (proxy_credentials_file in a config)");
  }
  if (scheme != "http" && scheme != "https") {
    return fail(ErrorCode::InvalidArgument,
                "proxy '" + proxy +
                    "': expected an http:// or https:// URL such as http://proxy.corp:3128, "
                    "or none to go direct");
  }
  size_t colon = authority.rfind(':');
  bool bracketed = !authority.empty() && authority.front() == '[';
  std::string host = authority;
  if (colon != std::string::npos && (!bracketed || authority.rfind(']') < colon)) {
    std::string port = authority.substr(colon + 1);
    host = authority.substr(0, colon);
    bool digits = !port.empty() && port.size() <= 5 &&
                  port.find_first_not_of("0123456789") == std::string::npos;
    if (!digits || std::stoi(port) < 1 || std::stoi(port) > 65535) {
      return fail(ErrorCode::InvalidArgument,
                  "proxy '" + proxy + "': the port must be a number from 1 to 65535");
    }
  }
  if (host.empty() || host == "[]") {
    return fail(ErrorCode::InvalidArgument,
                "proxy '" + proxy + "': no host; expected e.g. http://proxy.corp:3128");
  }
  return {};
}

Result<void> setProxy(Transaction& tx, const std::string& name, const std::string& proxy,
                      const std::string& credentials_file) {
  auto c = findConnector(tx, name);
  if (!c) {
    return tl::unexpected(c.error());
  }
  if (auto ok = checkProxySetting(proxy); !ok) {
    return ok;
  }
  if ((*c)->proxy == proxy && (*c)->proxy_credentials_file == credentials_file) {
    return {};
  }
  (*c)->proxy = proxy;
  (*c)->proxy_credentials_file = credentials_file;
  (*c)->updated_at = tx.now();
  tx.audit("connector.proxy", name, "",
           "proxy=" + (proxy.empty() ? std::string("(environment)") : proxy) +
               (credentials_file.empty() ? "" : " credentials_file=" + credentials_file));
  return {};
}

Result<void> attachTrust(Transaction& tx, const std::string& connector,
                         const std::vector<std::string>& entries) {
  auto c = findConnector(tx, connector);
  if (!c) {
    return tl::unexpected(c.error());
  }
  for (const auto& name : entries) {
    auto e = findEntry(tx, name);
    if (!e) {
      return tl::unexpected(e.error());
    }
    if ((*e)->type == EntryType::Identity) {
      return fail(ErrorCode::InvalidArgument,
                  "entry '" + name +
                      "' is a client identity (it has a private key); set it with "
                      "'trustctl connector identity " +
                      connector + " " + name + "' instead");
    }
  }
  for (const auto& name : entries) {
    if (!contains((*c)->trust, name)) {
      (*c)->trust.push_back(name);
      tx.audit("connector.trust", connector, tx.state().findEntry(name)->certificates.front(),
               "trusts " + name);
    }
  }
  (*c)->updated_at = tx.now();
  tx.touchConnector(connector);
  return {};
}

Result<void> detachTrust(Transaction& tx, const std::string& connector,
                         const std::vector<std::string>& entries) {
  auto c = findConnector(tx, connector);
  if (!c) {
    return tl::unexpected(c.error());
  }
  for (const auto& name : entries) {
    if (!contains((*c)->trust, name)) {
      return fail(ErrorCode::EntryNotFound,
                  "connector '" + connector + "' does not trust '" + name + "'");
    }
  }
  for (const auto& name : entries) {
    (*c)->trust.erase(std::remove((*c)->trust.begin(), (*c)->trust.end(), name), (*c)->trust.end());
    const Entry* e = tx.state().findEntry(name);
    tx.audit("connector.untrust", connector, e != nullptr ? e->certificates.front() : "",
             "no longer trusts " + name);
  }
  (*c)->updated_at = tx.now();
  tx.touchConnector(connector);
  return {};
}

Result<void> setIdentity(Transaction& tx, const std::string& connector, const std::string& entry) {
  auto c = findConnector(tx, connector);
  if (!c) {
    return tl::unexpected(c.error());
  }
  std::string fingerprint;
  if (!entry.empty()) {
    auto e = findEntry(tx, entry);
    if (!e) {
      return tl::unexpected(e.error());
    }
    if ((*e)->type != EntryType::Identity) {
      return fail(ErrorCode::NotAnIdentity,
                  "entry '" + entry +
                      "' has no private key, so it cannot be a client identity; "
                      "import a PKCS#12 or a certificate with its key");
    }
    fingerprint = (*e)->certificates.front();
  }
  if ((*c)->identity == entry) {
    return {};
  }
  (*c)->identity = entry;
  (*c)->updated_at = tx.now();
  tx.touchConnector(connector);
  tx.audit("connector.identity", connector, fingerprint,
           entry.empty() ? "identity cleared" : "identity " + entry);
  return {};
}

Result<void> setTargets(Transaction& tx, const std::string& connector,
                        const std::vector<std::string>& add,
                        const std::vector<std::string>& remove) {
  auto c = findConnector(tx, connector);
  if (!c) {
    return tl::unexpected(c.error());
  }
  auto& targets = (*c)->targets;
  for (const auto& t : remove) {
    if (!contains(targets, t)) {
      return fail(ErrorCode::InvalidArgument,
                  "connector '" + connector + "' has no target '" + t + "'");
    }
  }
  for (const auto& t : remove) {
    targets.erase(std::remove(targets.begin(), targets.end(), t), targets.end());
    tx.audit("connector.target", connector, "", "removed target " + t);
  }
  for (const auto& t : add) {
    if (!contains(targets, t)) {
      targets.push_back(t);
      tx.audit("connector.target", connector, "", "added target " + t);
    }
  }
  (*c)->updated_at = tx.now();
  tx.touchConnector(connector);
  return {};
}

}  // namespace trustctl::truststore
