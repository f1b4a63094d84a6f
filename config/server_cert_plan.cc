#include "config/server_cert_plan.h"

#include <algorithm>

#include "config/table_reader.h"
#include "truststore/builtin_ca.h"
#include "truststore/ca_issuer.h"
#include "truststore/ca_key_file.h"
#include "truststore/secret_wipe.h"
#include "truststore/server_cert.h"

namespace trustctl::config {

namespace {

const ServerCertSpec* findSpec(const ConfigFile& config, const std::string& name) {
  for (const auto& s : config.server_certs) {
    if (s.name == name) {
      return &s;
    }
  }
  return nullptr;
}

std::string currentLeaf(const truststore::StoreState& state, const truststore::ServerCert& s) {
  const truststore::Entry* e = state.findEntry(s.entry);
  return e != nullptr && !e->certificates.empty() ? e->certificates.front() : "";
}

// Why `spec` differs from the record `current`, "" when it does not.
std::string difference(const ServerCertSpec& spec, const truststore::ServerCert& current,
                       const truststore::StoreState& state) {
  if (current.domains != spec.domains) {
    return "domains change";
  }
  if (current.served_at != spec.served_at) {
    return "served_at changes";
  }
  if (spec.issuer.empty()) {
    if (current.source != "user") {
      return "now user-provided";
    }
    const auto& leaf = spec.checked.chain.front();
    return currentLeaf(state, current) != leaf->sha256() ? "new certificate " + leaf->sha256() : "";
  }
  if (current.source != "ca" || current.issuer != spec.issuer ||
      current.validity_days != spec.validity_days || current.key_algorithm != spec.key_algorithm) {
    return "re-issued by CA " + spec.issuer;
  }
  return "";
}

Result<truststore::ServerCertRequest> issued(const truststore::StoreState& state,
                                             const truststore::Store& store,
                                             const ServerCertSpec& spec, UnixTime now) {
  auto passphrase = truststore::readCaPassphrase(spec.passphrase_file);
  if (!passphrase) {
    return tl::unexpected(passphrase.error());
  }
  auto ca = truststore::openCaIssuer(store, state, spec.issuer, *passphrase);
  truststore::wipeSecret(*passphrase);
  if (!ca) {
    return tl::unexpected(ca.error());
  }
  const truststore::CertificatePtr& issuing = ca->issuing;
  truststore::LeafRequest request;
  request.dns = spec.domains;
  request.days = spec.validity_days;
  request.key =
      truststore::caKeyTypeFromName(spec.key_algorithm).value_or(truststore::CaKeyType::Ec);
  request.now = now;
  auto leaf = truststore::issueLeaf(*issuing, *ca->key, request);
  if (!leaf) {
    return tl::unexpected(leaf.error());
  }
  truststore::ServerCertRequest out;
  out.checked.chain = {leaf->cert, issuing};
  out.key = leaf->key;
  out.source_file = "config (CA " + spec.issuer + ")";
  return out;
}

}  // namespace

Result<void> checkServerCertSpecs(ConfigFile& config,
                                  const std::vector<truststore::PathCandidate>& known,
                                  UnixTime now) {
  Problems p(config.path);
  for (auto& spec : config.server_certs) {
    if (!spec.issuer.empty()) {
      continue;
    }
    truststore::ServerCertInput input{spec.certificates, spec.key, spec.domains, spec.cert_file,
                                      spec.key_file.empty() ? spec.cert_file : spec.key_file};
    auto checked = truststore::checkServerCert(input, {now, known});
    if (!checked) {
      p.add(spec.where, "[server_certs." + spec.name + "]: " + checked.error().message);
      continue;
    }
    spec.checked = std::move(*checked);
  }
  if (!p.empty()) {
    return fail(ErrorCode::ConfigInvalid, p.joined());
  }
  return {};
}

Result<std::vector<ServerCertChange>> planServerCerts(const ConfigFile& config,
                                                      const truststore::StoreState& state,
                                                      bool prune) {
  using Action = ServerCertChange::Action;
  std::vector<ServerCertChange> out;
  Problems p(config.path);
  for (const auto& spec : config.server_certs) {
    if (!spec.issuer.empty() && state.cas.count(spec.issuer) == 0) {
      p.add(spec.where, "[server_certs." + spec.name + "].issuer: no built-in CA '" + spec.issuer +
                            "'; create it with 'trustctl ca create " + spec.issuer + "'");
      continue;
    }
    if (spec.issuer.empty() && spec.checked.chain.empty()) {
      return fail(ErrorCode::Internal, "checkServerCertSpecs did not run before planServerCerts");
    }
    std::string source = spec.issuer.empty() ? "user-provided" : "issued by CA " + spec.issuer;
    auto it = state.server_certs.find(spec.name);
    if (it == state.server_certs.end()) {
      out.push_back({spec.name, Action::Add, source});
    } else if (auto why = difference(spec, it->second, state); !why.empty()) {
      out.push_back({spec.name, Action::Replace, source + ": " + why});
    }
  }
  if (!p.empty()) {
    return fail(ErrorCode::ConfigInvalid, p.joined());
  }
  for (const auto& [name, server] : state.server_certs) {
    if (prune && findSpec(config, name) == nullptr) {
      out.push_back({name, Action::Remove, "not in " + config.path});
    }
  }
  return out;
}

Result<void> applyServerCertChanges(truststore::Transaction& tx, const std::string& store_dir,
                                    const ConfigFile& config,
                                    const std::vector<ServerCertChange>& changes, UnixTime now) {
  truststore::Store store(store_dir, tx.scope());  // the transaction's scope and its CA keys
  for (const auto& change : changes) {
    if (change.action == ServerCertChange::Action::Remove) {
      if (auto r = truststore::removeServerCert(tx, change.name); !r) {
        return r;
      }
      continue;
    }
    const ServerCertSpec& spec = *findSpec(config, change.name);
    truststore::ServerCertRequest request;
    if (spec.issuer.empty()) {
      request.checked = spec.checked;
      request.key = spec.key;
      request.source_file = spec.cert_file;
    } else if (auto r = issued(tx.state(), store, spec, now); !r) {
      return tl::unexpected(Error{r.error().code, config.path + ": [server_certs." + spec.name +
                                                      "]: " + r.error().message});
    } else {
      request = std::move(*r);
    }
    request.name = spec.name;
    request.domains = spec.domains;
    request.replace = change.action == ServerCertChange::Action::Replace;
    if (auto r = truststore::addServerCert(tx, request); !r) {
      return r;
    }
    tx.state().server_certs.at(spec.name).served_at = spec.served_at;
    if (!spec.issuer.empty()) {
      truststore::ServerCert& record = tx.state().server_certs.at(spec.name);
      record.source = "ca";
      record.issuer = spec.issuer;
      record.profile = spec.profile;
      record.validity_days = spec.validity_days;
      record.key_algorithm = spec.key_algorithm;
    }
  }
  return {};
}

std::string renderServerCertChange(const ServerCertChange& c) {
  const char* verb = c.action == ServerCertChange::Action::Add ? "  + add server certificate "
                     : c.action == ServerCertChange::Action::Replace
                         ? "  ~ replace server certificate "
                         : "  - remove server certificate ";
  return std::string(verb) + c.name + " (" + c.detail + ")\n";
}

nlohmann::json serverCertChangesJson(const std::vector<ServerCertChange>& changes) {
  nlohmann::json out = nlohmann::json::array();
  for (const auto& c : changes) {
    out.push_back({{"name", c.name},
                   {"action", c.action == ServerCertChange::Action::Add       ? "add"
                              : c.action == ServerCertChange::Action::Replace ? "replace"
                                                                              : "remove"},
                   {"detail", c.detail}});
  }
  return out;
}

}  // namespace trustctl::config
