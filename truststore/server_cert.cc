#include "truststore/server_cert.h"

#include <openssl/crypto.h>

#include "truststore/file_util.h"
#include "truststore/library.h"
#include "truststore/pkcs12_writer.h"
#include "truststore/store_files.h"

namespace trustctl::truststore {

namespace {

std::string pemOf(const std::vector<CertificatePtr>& certs) {
  std::string out;
  for (const auto& c : certs) {
    out += c->pem();
  }
  return out;
}

}  // namespace

bool isValidServerCertName(std::string_view name) {
  return isValidName(name) && name.size() <= static_cast<size_t>(kMaxServerCertNameLength);
}

bool isServerSecretFile(std::string_view rel) {
  std::string_view dir = kServerCertsDir;
  if (rel.substr(0, dir.size()) != dir || rel.size() <= dir.size() || rel[dir.size()] != '/') {
    return false;
  }
  std::string_view base = rel.substr(rel.rfind('/') + 1);
  return base == kServerKeyFile || base == kServerBundleFile;
}

std::string serverCertEntryName(const std::string& name) {
  return "srv." + name;
}

Error serverCertNotFoundError(const std::string& name) {
  return Error{ErrorCode::ServerCertNotFound,
               "no server certificate is named '" + name + "'; see 'trustctl server-cert list'"};
}

Result<void> addServerCert(Transaction& tx, const ServerCertRequest& request) {
  if (!isValidServerCertName(request.name)) {
    return tl::unexpected(invalidNameError("server certificate", request.name));
  }
  auto& servers = tx.state().server_certs;
  bool exists = servers.count(request.name) != 0;
  if (exists && !request.replace) {
    return fail(ErrorCode::DuplicateName,
                "a server certificate named '" + request.name +
                    "' exists already; add --replace to replace it, or choose another name");
  }
  ImportRequest import{serverCertEntryName(request.name),
                       ImportedMaterial{request.format, request.checked.chain, request.key},
                       request.source_file,
                       "server certificate " + request.name,
                       "",
                       true};
  auto r = exists ? replaceEntry(tx, import) : importEntry(tx, import);
  if (!r) {
    return r;
  }
  ServerCert& s = servers[request.name];
  s.name = request.name;
  s.domains = request.domains;
  s.entry = import.name;
  s.source = "user";
  s.created_at = exists ? s.created_at : tx.now();
  s.updated_at = tx.now();
  tx.touchEntry(import.name);  // a new entry has no files yet either
  tx.audit(
      exists ? "server-cert.replace" : "server-cert.add", request.name,
      request.checked.chain.front()->sha256(), "domains " + [&] {
        std::string d;
        for (const auto& x : request.domains) {
          d += (d.empty() ? "" : ",") + x;
        }
        return d;
      }());
  return {};
}

Result<void> removeServerCert(Transaction& tx, const std::string& name) {
  auto& servers = tx.state().server_certs;
  auto it = servers.find(name);
  if (it == servers.end()) {
    return tl::unexpected(serverCertNotFoundError(name));
  }
  std::string entry = it->second.entry;
  const Entry* e = tx.state().findEntry(entry);
  std::string sha = e != nullptr ? e->certificates.front() : "";
  servers.erase(it);
  if (e != nullptr) {
    if (auto r = removeEntry(tx, entry, false); !r) {
      return r;
    }
  }
  tx.audit("server-cert.remove", name, sha, "removed with its files");
  return {};
}

Result<std::vector<PathCandidate>> libraryCandidates(const Store& store, const StoreState& state) {
  std::vector<PathCandidate> out;
  for (const auto& [name, entry] : state.entries) {
    for (const auto& sha : entry.certificates) {
      auto info = state.certificates.find(sha);
      if (info == state.certificates.end() || !info->second.is_ca) {
        continue;  // only CAs issue: the library's leaves are never a chain's middle
      }
      auto cert = store.loadCertificate(sha);
      if (!cert) {
        return tl::unexpected(cert.error());
      }
      out.push_back(PathCandidate{*cert, "library", name, false, false});
    }
  }
  return out;
}

Result<ServerCertFiles> gatherServerCertFiles(const StoreState& state, const ServerCert& server,
                                              const CertificateSource& certificate,
                                              const KeySource& key) {
  const Entry* e = state.findEntry(server.entry);
  if (e == nullptr || e->key_id.empty()) {
    return fail(ErrorCode::StoreCorrupt, "server certificate '" + server.name + "' names entry '" +
                                             server.entry +
                                             "', which is missing or has no key; run "
                                             "'trustctl store check'");
  }
  ServerCertFiles files;
  for (const auto& sha : e->certificates) {
    auto c = certificate(sha);
    if (!c) {
      return tl::unexpected(c.error());
    }
    files.chain.push_back(*c);
  }
  auto k = key(e->key_id);
  if (!k) {
    return tl::unexpected(k.error());
  }
  files.key = *k;
  return files;
}

Result<void> writeServerCertFiles(const std::string& dir, const ServerCertFiles& files) {
  if (auto r = makeStoreDir(dir); !r) {
    return r;
  }
  std::vector<CertificatePtr> sent = files.chain;
  if (sent.size() > 1 && sent.back()->info().self_signed) {
    sent.pop_back();
  }
  std::vector<CertificatePtr> chain(sent.begin() + 1, sent.end());
  for (const auto& [name, data] :
       {std::pair{kServerCertFile, sent.front()->pem()}, std::pair{kServerChainFile, pemOf(chain)},
        std::pair{kServerFullchainFile, pemOf(sent)}}) {
    if (auto r = writeFileDurable(dir + "/" + name, data, kStoreFileMode); !r) {
      return r;
    }
  }
  std::string key = files.key->pkcs8Pem();
  auto written = writeFileDurable(dir + "/" + kServerKeyFile, key, kServerSecretMode);
  OPENSSL_cleanse(key.data(), key.size());
  if (!written) {
    return written;
  }
  auto p12 = writeIdentityPkcs12(files.key, sent, "server", kServerBundlePassword);
  if (!p12) {
    return tl::unexpected(p12.error());
  }
  written = writeFileDurable(dir + "/" + kServerBundleFile, *p12, kServerSecretMode);
  OPENSSL_cleanse(p12->data(), p12->size());
  if (!written) {
    return written;
  }
  return fsyncDir(dir);
}

}  // namespace trustctl::truststore
