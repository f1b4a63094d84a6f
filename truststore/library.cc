#include "truststore/library.h"

#include <algorithm>
#include <optional>
#include <utility>

namespace trustctl::truststore {

namespace {

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    out += (out.empty() ? "" : ", ") + n;
  }
  return out;
}

Result<Entry*> mutableEntry(Transaction& tx, const std::string& name) {
  auto it = tx.state().entries.find(name);
  if (it == tx.state().entries.end()) {
    return tl::unexpected(entryNotFoundError(name));
  }
  return &it->second;
}

// Fills an entry's content fields from imported material.
Entry contentFrom(const ImportRequest& request) {
  Entry e;
  const auto& certs = request.material.certificates;
  for (const auto& c : certs) {
    e.certificates.push_back(c->sha256());
  }
  for (const auto& issuer : certs) {
    for (const auto& child : certs) {
      if (issuer != child && !issuer->info().is_ca && issuer->isIssuerOf(*child) &&
          std::find(e.used_as_ca.begin(), e.used_as_ca.end(), issuer->sha256()) ==
              e.used_as_ca.end()) {
        e.used_as_ca.push_back(issuer->sha256());
      }
    }
  }
  if (request.material.key) {
    e.type = EntryType::Identity;
    e.key_id = request.material.key->spkiSha256();
  } else {
    e.type = certs.size() > 1 ? EntryType::Chain : EntryType::Certificate;
  }
  e.source = request.source;
  e.format = std::string(inputFormatName(request.material.format));
  return e;
}

// The certificates that make an entry what it is, and so may be held by one entry only: an
// identity's own certificate, a lone certificate, a chain's end-entity certificates. CA
// certificates inside a chain are shared on purpose: a server chain brings its root, and the
// same root is commonly also imported alone to be trusted.
template <typename IsCa>
std::vector<std::string> principalCertificates(const Entry& e, const IsCa& is_ca) {
  if (e.type == EntryType::Identity || e.type == EntryType::Certificate) {
    return {e.certificates.front()};
  }
  std::vector<std::string> out;
  for (const auto& sha : e.certificates) {
    if (!is_ca(sha)) {
      out.push_back(sha);
    }
  }
  return out;
}

// The entry other than `except` holding one of `content`'s principal certificates as its own.
std::optional<std::pair<std::string, std::string>> holderOfPrincipal(const StoreState& state,
                                                                     const Entry& content,
                                                                     const ImportRequest& request,
                                                                     const std::string& except) {
  auto new_is_ca = [&](const std::string& sha) {
    for (const auto& c : request.material.certificates) {
      if (c->sha256() == sha) {
        return c->info().is_ca;
      }
    }
    return false;
  };
  auto stored_is_ca = [&](const std::string& sha) {
    auto it = state.certificates.find(sha);
    return it != state.certificates.end() && it->second.is_ca;
  };
  std::vector<std::string> wanted = principalCertificates(content, new_is_ca);
  for (const auto& [name, e] : state.entries) {
    if (name == except) {
      continue;
    }
    for (const auto& held : principalCertificates(e, stored_is_ca)) {
      if (std::find(wanted.begin(), wanted.end(), held) != wanted.end()) {
        return std::make_pair(name, held);
      }
    }
  }
  return std::nullopt;
}

Result<void> checkContent(const Transaction& tx, const ImportRequest& request, const Entry& content,
                          const std::string& except) {
  if (request.require_identity && !request.material.key) {
    return fail(ErrorCode::NoPrivateKey,
                request.source +
                    ": holds no private key, so it cannot be an identity; use a "
                    "PKCS#12 with the key, or give the PEM key with --key");
  }
  auto same = tx.state().entryWithSameContent(content.certificates, content.key_id);
  if (same && *same != except) {
    return fail(ErrorCode::DuplicateCertificate,
                request.source + ": already in the library as '" + *same +
                    "' (same certificates); use that entry, or 'trustctl rename' it");
  }
  if (auto holder = holderOfPrincipal(tx.state(), content, request, except)) {
    std::string subject;
    for (const auto& c : request.material.certificates) {
      if (c->sha256() == holder->second) {
        subject = c->info().subject;
      }
    }
    return fail(ErrorCode::DuplicateCertificate,
                request.source + ": the certificate " + subject + " (sha256 " +
                    holder->second.substr(0, 16) + "...) is already in the library as entry '" +
                    holder->first +
                    "'; use that entry, or remove it first (an identity and its certificate "
                    "are one entry)");
  }
  return {};
}

void putMaterial(Transaction& tx, const ImportedMaterial& material) {
  for (const auto& c : material.certificates) {
    tx.putCertificate(c);
  }
  if (material.key) {
    tx.putKey(material.key);
  }
}

}  // namespace

Result<void> importEntry(Transaction& tx, const ImportRequest& request) {
  if (!isValidName(request.name)) {
    return tl::unexpected(invalidNameError("entry", request.name));
  }
  if (tx.state().findEntry(request.name) != nullptr) {
    return fail(ErrorCode::DuplicateName,
                "an entry named '" + request.name +
                    "' exists already; choose another name or use 'trustctl edit " + request.name +
                    " --file ...' to replace its content");
  }
  Entry entry = contentFrom(request);
  if (auto r = checkContent(tx, request, entry, ""); !r) {
    return r;
  }
  entry.name = request.name;
  entry.note = request.note;
  entry.environment = request.environment;
  entry.created_at = entry.updated_at = tx.now();
  putMaterial(tx, request.material);
  const auto& main = request.material.certificates.front();
  tx.audit("import", entry.name, main->sha256(),
           std::string(entryTypeName(entry.type)) + " of " +
               std::to_string(entry.certificates.size()) + " certificate(s) from " +
               request.source);
  tx.state().entries.emplace(entry.name, std::move(entry));
  return {};
}

Result<void> replaceEntry(Transaction& tx, const ImportRequest& request) {
  auto existing = mutableEntry(tx, request.name);
  if (!existing) {
    return tl::unexpected(existing.error());
  }
  Entry content = contentFrom(request);
  if (auto r = checkContent(tx, request, content, request.name); !r) {
    return r;
  }
  for (const auto& [cname, c] : tx.state().connectors) {
    if (c.identity == request.name && content.type != EntryType::Identity) {
      return fail(ErrorCode::NotAnIdentity,
                  request.source + ": has no private key, but connector '" + cname +
                      "' uses entry '" + request.name + "' as its identity");
    }
  }
  Entry& e = **existing;
  e.type = content.type;
  e.certificates = content.certificates;
  e.key_id = content.key_id;
  e.used_as_ca = content.used_as_ca;
  e.source = content.source;
  e.format = content.format;
  e.updated_at = tx.now();
  putMaterial(tx, request.material);
  tx.touchEntry(e.name);
  tx.audit("replace", e.name, request.material.certificates.front()->sha256(),
           "content replaced from " + request.source);
  return {};
}

Result<void> renameEntry(Transaction& tx, const std::string& from, const std::string& to) {
  if (!isValidName(to)) {
    return tl::unexpected(invalidNameError("entry", to));
  }
  auto existing = mutableEntry(tx, from);
  if (!existing) {
    return tl::unexpected(existing.error());
  }
  if (tx.state().findEntry(to) != nullptr) {
    return fail(ErrorCode::DuplicateName, "an entry named '" + to + "' exists already");
  }
  Entry e = std::move(**existing);
  tx.state().entries.erase(from);
  e.name = to;
  e.updated_at = tx.now();
  // The CA and server certificate records holding it follow the new name, as connectors do.
  for (auto& [ca_name, ca] : tx.state().cas) {
    ca.root_entry = ca.root_entry == from ? to : ca.root_entry;
    ca.issuing_entry = ca.issuing_entry == from ? to : ca.issuing_entry;
  }
  for (auto& [sname, server] : tx.state().server_certs) {
    if (server.entry == from) {
      server.entry = to;
      tx.touchEntry(to);
    }
  }
  for (auto& [cname, c] : tx.state().connectors) {
    bool uses = c.identity == from;
    if (uses) {
      c.identity = to;
    }
    for (auto& t : c.trust) {
      if (t == from) {
        t = to;
        uses = true;
      }
    }
    if (uses) {
      tx.touchConnector(cname);
    }
  }
  tx.audit("rename", to, e.certificates.front(), "renamed from " + from);
  tx.state().entries.emplace(to, std::move(e));
  return {};
}

Result<void> editEntry(Transaction& tx, const std::string& name,
                       const std::optional<std::string>& note,
                       const std::optional<std::string>& environment) {
  auto existing = mutableEntry(tx, name);
  if (!existing) {
    return tl::unexpected(existing.error());
  }
  Entry& e = **existing;
  if (note) {
    e.note = *note;
  }
  if (environment) {
    e.environment = *environment;
  }
  e.updated_at = tx.now();
  tx.audit("edit", name, e.certificates.front(),
           "note=" + e.note + " environment=" + e.environment);
  return {};
}

Result<void> removeEntry(Transaction& tx, const std::string& name, bool force) {
  auto existing = mutableEntry(tx, name);
  if (!existing) {
    return tl::unexpected(existing.error());
  }
  for (const auto& [sname, s] : tx.state().server_certs) {
    if (s.entry == name) {  // even with --force: the server's files would vanish with it
      return fail(ErrorCode::EntryInUse, "entry '" + name + "' holds server certificate '" + sname +
                                             "'; use 'trustctl server-cert remove " + sname + "'");
    }
  }
  for (const auto& [ca_name, ca] : tx.state().cas) {
    if (ca.root_entry == name || ca.issuing_entry == name) {  // the CA could sign no more
      return fail(ErrorCode::EntryInUse,
                  "entry '" + name + "' is a certificate of the built-in CA '" + ca_name +
                      "'; use 'trustctl ca remove " + ca_name + "' to remove the CA with its keys");
    }
  }
  for (const auto& k : tx.state().signing.keys) {
    if (k.entry == name) {  // verifiers would lose its key from the JWKS without a grace
      return fail(ErrorCode::EntryInUse, "entry '" + name +
                                             "' holds a token-signing key; it leaves the library "
                                             "after a 'trustctl signing rotate' and its grace");
    }
  }
  std::vector<std::string> users = tx.state().whereUsed(name);
  if (!users.empty() && !force) {
    return fail(ErrorCode::EntryInUse, "entry '" + name + "' is used by connector(s) " +
                                           joined(users) +
                                           "; detach it first or remove with --force");
  }
  for (const auto& cname : users) {
    Connector& c = tx.state().connectors.at(cname);
    c.trust.erase(std::remove(c.trust.begin(), c.trust.end(), name), c.trust.end());
    if (c.identity == name) {
      c.identity.clear();
    }
    c.updated_at = tx.now();
    tx.touchConnector(cname);
    tx.audit("connector.detach", cname, (*existing)->certificates.front(),
             "detached " + name + " (forced removal)");
  }
  tx.audit("remove", name, (*existing)->certificates.front(), "removed from the library");
  tx.state().entries.erase(name);
  return {};
}

}  // namespace trustctl::truststore
