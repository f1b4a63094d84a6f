#include "truststore/store_state.h"

#include <algorithm>
#include <set>
#include <stdexcept>

#include <nlohmann/json.hpp>

#include "truststore/signing_state_json.h"

namespace trustctl::truststore {

using nlohmann::json;

namespace {

constexpr int kFormatVersion = 1;

json infoToJson(const CertificateInfo& c) {
  return json{{"subject", c.subject},
              {"issuer", c.issuer},
              {"subject_cn", c.subject_cn},
              {"issuer_cn", c.issuer_cn},
              {"serial", c.serial},
              {"not_before", c.not_before},
              {"not_after", c.not_after},
              {"is_ca", c.is_ca},
              {"self_signed", c.self_signed},
              {"key_algorithm", c.key_algorithm},
              {"key_bits", c.key_bits},
              {"signature_algorithm", c.signature_algorithm},
              {"san", c.sans},
              {"subject_key_id", c.subject_key_id},
              {"authority_key_id", c.authority_key_id},
              {"ca_issuers", c.ca_issuers},
              {"spki_sha256", c.spki_sha256}};
}

CertificateInfo infoFromJson(const std::string& sha, const json& j) {
  CertificateInfo c;
  c.sha256 = sha;
  j.at("subject").get_to(c.subject);
  j.at("issuer").get_to(c.issuer);
  j.at("subject_cn").get_to(c.subject_cn);
  j.at("issuer_cn").get_to(c.issuer_cn);
  j.at("serial").get_to(c.serial);
  j.at("not_before").get_to(c.not_before);
  j.at("not_after").get_to(c.not_after);
  j.at("is_ca").get_to(c.is_ca);
  j.at("self_signed").get_to(c.self_signed);
  j.at("key_algorithm").get_to(c.key_algorithm);
  j.at("key_bits").get_to(c.key_bits);
  j.at("signature_algorithm").get_to(c.signature_algorithm);
  j.at("san").get_to(c.sans);
  j.at("subject_key_id").get_to(c.subject_key_id);
  j.at("authority_key_id").get_to(c.authority_key_id);
  j.at("ca_issuers").get_to(c.ca_issuers);
  j.at("spki_sha256").get_to(c.spki_sha256);
  return c;
}

EntryType entryTypeFromName(const std::string& s) {
  if (s == "identity") {
    return EntryType::Identity;
  }
  return s == "chain" ? EntryType::Chain : EntryType::Certificate;
}

}  // namespace

std::string_view entryTypeName(EntryType t) {
  switch (t) {
    case EntryType::Certificate:
      return "certificate";
    case EntryType::Chain:
      return "chain";
    case EntryType::Identity:
      return "identity";
  }
  return "?";
}

const Entry* StoreState::findEntry(const std::string& name) const {
  auto it = entries.find(name);
  return it == entries.end() ? nullptr : &it->second;
}

const Connector* StoreState::findConnector(const std::string& name) const {
  auto it = connectors.find(name);
  return it == connectors.end() ? nullptr : &it->second;
}

std::vector<std::string> StoreState::whereUsed(const std::string& entry) const {
  std::vector<std::string> out;
  for (const auto& [name, c] : connectors) {
    if (c.identity == entry || std::find(c.trust.begin(), c.trust.end(), entry) != c.trust.end()) {
      out.push_back(name);
    }
  }
  return out;
}

std::optional<std::string> StoreState::entryWithSameContent(const std::vector<std::string>& certs,
                                                            const std::string& key_id) const {
  std::set<std::string> wanted(certs.begin(), certs.end());
  for (const auto& [name, e] : entries) {
    // Cheap tests first: this runs once per import over the whole library.
    if (e.key_id != key_id || e.certificates.size() != certs.size() ||
        wanted.count(e.certificates.front()) == 0) {
      continue;
    }
    if (std::set<std::string>(e.certificates.begin(), e.certificates.end()) == wanted) {
      return name;
    }
  }
  return std::nullopt;
}

std::vector<std::string> StoreState::dropUnreferencedCertificates() {
  std::set<std::string> used;
  for (const auto& [name, e] : entries) {
    used.insert(e.certificates.begin(), e.certificates.end());
  }
  std::vector<std::string> dropped;
  for (auto it = certificates.begin(); it != certificates.end();) {
    if (used.count(it->first) == 0) {
      dropped.push_back(it->first);
      it = certificates.erase(it);
    } else {
      ++it;
    }
  }
  return dropped;
}

namespace {

json stateToJson(const StoreState& state) {
  json entries = json::object();
  for (const auto& [name, e] : state.entries) {
    entries[name] = json{{"type", entryTypeName(e.type)},
                         {"certificates", e.certificates},
                         {"key_id", e.key_id},
                         {"used_as_ca", e.used_as_ca},
                         {"note", e.note},
                         {"environment", e.environment},
                         {"source", e.source},
                         {"format", e.format},
                         {"created_at", e.created_at},
                         {"updated_at", e.updated_at}};
  }
  json certs = json::object();
  for (const auto& [sha, c] : state.certificates) {
    certs[sha] = infoToJson(c);
  }
  json connectors = json::object();
  for (const auto& [name, c] : state.connectors) {
    connectors[name] =
        json{{"environment", c.environment}, {"note", c.note},       {"trust", c.trust},
             {"identity", c.identity},       {"targets", c.targets}, {"created_at", c.created_at},
             {"updated_at", c.updated_at}};
    if (!c.declared_by.empty()) {  // absent in stores written before apply recorded it
      connectors[name]["declared_by"] = c.declared_by;
    }
    if (c.revocation != RevocationMode::Soft) {  // absent = soft, as in older stores
      connectors[name]["revocation"] = std::string(revocationModeName(c.revocation));
    }
    // Absent = the defaults, so stores written before these fields read back unchanged.
    if (c.runtime != ConnectorRuntime::Trustctl) {
      connectors[name]["runtime"] = std::string(runtimeName(c.runtime));
    }
    if (!c.proxy.empty()) {
      connectors[name]["proxy"] = c.proxy;
    }
    if (!c.proxy_credentials_file.empty()) {
      connectors[name]["proxy_credentials_file"] = c.proxy_credentials_file;
    }
  }
  json root{{"format", kFormatVersion},
            {"generation", state.generation},
            {"entries", std::move(entries)},
            {"certificates", std::move(certs)},
            {"connectors", std::move(connectors)}};
  for (const auto& [name, ca] : state.cas) {  // no "cas" key at all without a CA: older readers
    root["cas"][name] = json{{"root_entry", ca.root_entry},
                             {"issuing_entry", ca.issuing_entry},
                             {"key_algorithm", ca.key_algorithm},
                             {"created_at", ca.created_at}};
  }
  if (!state.server_certs.empty()) {  // absent when empty: older stores read back unchanged
    json servers = json::object();
    for (const auto& [name, s] : state.server_certs) {
      servers[name] = json{{"domains", s.domains},
                           {"entry", s.entry},
                           {"source", s.source},
                           {"created_at", s.created_at},
                           {"updated_at", s.updated_at}};
      if (!s.served_at.empty()) {  // absent when empty: older readers ignore nothing new
        servers[name]["served_at"] = s.served_at;
      }
      // Only what the built-in CA issued has them: user uploads read back unchanged.
      if (!s.issuer.empty()) {
        servers[name]["issuer"] = s.issuer;
        servers[name]["profile"] = s.profile;
        servers[name]["validity_days"] = s.validity_days;
        servers[name]["key_algorithm"] = s.key_algorithm;
      }
    }
    root["server_certs"] = std::move(servers);
  }
  if (!state.signing.empty()) {  // absent when empty: older stores read back unchanged
    root["signing"] = signingToJson(state.signing);
  }
  return root;
}

// Throws on a malformed document; parseState turns that into one StoreCorrupt line.
StoreState stateFromJson(const json& root) {
  StoreState state;
  root.at("generation").get_to(state.generation);
  for (const auto& [sha, j] : root.at("certificates").items()) {
    state.certificates.emplace(sha, infoFromJson(sha, j));
  }
  for (const auto& [name, j] : root.at("entries").items()) {
    Entry e;
    e.name = name;
    e.type = entryTypeFromName(j.at("type").get<std::string>());
    j.at("certificates").get_to(e.certificates);
    j.at("key_id").get_to(e.key_id);
    j.at("used_as_ca").get_to(e.used_as_ca);
    j.at("note").get_to(e.note);
    j.at("environment").get_to(e.environment);
    j.at("source").get_to(e.source);
    j.at("format").get_to(e.format);
    j.at("created_at").get_to(e.created_at);
    j.at("updated_at").get_to(e.updated_at);
    state.entries.emplace(name, std::move(e));
  }
  for (const auto& [name, j] : root.at("connectors").items()) {
    Connector c;
    c.name = name;
    j.at("environment").get_to(c.environment);
    j.at("note").get_to(c.note);
    j.at("trust").get_to(c.trust);
    j.at("identity").get_to(c.identity);
    j.at("targets").get_to(c.targets);
    j.at("created_at").get_to(c.created_at);
    j.at("updated_at").get_to(c.updated_at);
    c.declared_by = j.value("declared_by", std::string());
    auto mode = revocationModeFromName(j.value("revocation", std::string("soft")));
    if (!mode) {
      throw std::runtime_error("connector " + name + ": revocation is not off, soft or hard");
    }
    c.revocation = *mode;
    auto runtime = runtimeFromName(j.value("runtime", std::string("trustctl")));
    if (!runtime) {
      throw std::runtime_error("connector " + name + ": runtime is not one of " +
                               runtimeNameList());
    }
    c.runtime = *runtime;
    c.proxy = j.value("proxy", std::string());
    c.proxy_credentials_file = j.value("proxy_credentials_file", std::string());
    state.connectors.emplace(name, std::move(c));
  }
  const json no_cas = json::object();  // stores written before the built-in CA
  for (const auto& [name, j] : (root.contains("cas") ? root.at("cas") : no_cas).items()) {
    CaRecord ca{name, j.at("root_entry").get<std::string>(),
                j.at("issuing_entry").get<std::string>(), j.at("key_algorithm").get<std::string>(),
                j.at("created_at").get<UnixTime>()};
    state.cas.emplace(name, std::move(ca));
  }
  const json no_servers = json::object();
  const json& servers = root.contains("server_certs") ? root.at("server_certs") : no_servers;
  for (const auto& [name, j] : servers.items()) {
    ServerCert s;
    s.name = name;
    j.at("domains").get_to(s.domains);
    j.at("entry").get_to(s.entry);
    j.at("source").get_to(s.source);
    j.at("created_at").get_to(s.created_at);
    j.at("updated_at").get_to(s.updated_at);
    if (j.contains("served_at")) {
      j.at("served_at").get_to(s.served_at);
    }
    if (j.contains("issuer")) {
      j.at("issuer").get_to(s.issuer);
      j.at("profile").get_to(s.profile);
      j.at("validity_days").get_to(s.validity_days);
      j.at("key_algorithm").get_to(s.key_algorithm);
    }
    state.server_certs.emplace(name, std::move(s));
  }
  if (root.contains("signing")) {
    state.signing = signingFromJson(root.at("signing"));
  }
  return state;
}

}  // namespace

std::string serializeState(const StoreState& state) {
  json root = stateToJson(state);
  // Scopes (scope.h): each a state of its own, without generation or scopes; absent when none.
  for (const auto& [path, scope] : state.scopes) {
    json j = stateToJson(scope);
    j.erase("generation");
    j.erase("format");
    root["scopes"][path] = std::move(j);
  }
  return root.dump(1) + "\n";
}

Result<StoreState> parseState(std::string_view text, const std::string& label) {
  try {
    json root = json::parse(text);
    if (root.at("format").get<int>() != kFormatVersion) {
      return fail(ErrorCode::StoreCorrupt,
                  label + ": written by a different trustctl store format; upgrade trustctl");
    }
    StoreState state = stateFromJson(root);
    if (root.contains("scopes")) {
      for (const auto& item : root.at("scopes").items()) {
        const std::string& path = item.key();
        json j = item.value();
        j["format"] = kFormatVersion;
        j["generation"] = state.generation;
        StoreState scope = stateFromJson(j);
        scope.generation = 0;
        if (path.empty() || path.find(':') != std::string::npos) {
          throw std::runtime_error("scope path '" + path + "' is not valid");
        }
        state.scopes.emplace(path, std::move(scope));
      }
    }
    return state;
  } catch (const std::exception& ex) {
    return fail(ErrorCode::StoreCorrupt, label + ": not a valid trustctl state file (" + ex.what() +
                                             "); run 'trustctl store check'");
  }
}

bool isValidName(std::string_view name) {
  if (name.empty() || name.size() > 64) {
    return false;
  }
  auto lower_digit = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  if (!lower_digit(name[0])) {
    return false;
  }
  return std::all_of(name.begin() + 1, name.end(),
                     [&](char c) { return lower_digit(c) || c == '.' || c == '_' || c == '-'; });
}

Error invalidNameError(std::string_view what, std::string_view name) {
  return Error{ErrorCode::InvalidName,
               std::string(what) + " name '" + std::string(name) +
                   "' is not valid; use 1-64 characters of a-z, 0-9, '.', '_' or '-', "
                   "starting with a letter or digit"};
}

Error entryNotFoundError(const std::string& name) {
  return Error{ErrorCode::EntryNotFound,
               "no library entry is named '" + name + "'; see 'trustctl list'"};
}

Error connectorNotFoundError(const std::string& name) {
  return Error{ErrorCode::ConnectorNotFound,
               "no connector is named '" + name + "'; see 'trustctl connector list'"};
}

}  // namespace trustctl::truststore
