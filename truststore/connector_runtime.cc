#include "truststore/connector_runtime.h"

#include <cstdio>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "truststore/anchor_set.h"
#include "truststore/certificate_status.h"
#include "truststore/file_util.h"
#include "truststore/ossl.h"
#include "truststore/pkcs12_writer.h"
#include "truststore/store_files.h"

namespace trustctl::truststore {

namespace {

std::string hashName(const Certificate& cert) {
  int ok = 0;
  unsigned long h = X509_NAME_hash_ex(X509_get_subject_name(cert.x509()), nullptr, nullptr, &ok);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08lx", h);
  return buf;
}

// A Java alias: the entry name, suffixed when an entry holds several certificates.
std::string aliasFor(const TrustedCertificate& t, std::map<std::string, int>& used) {
  int n = used[t.entry]++;
  return n == 0 ? t.entry : t.entry + "-" + std::to_string(n + 1);
}

Result<void> writeCapath(const std::string& dir, const std::vector<TrustedCertificate>& anchors) {
  if (auto r = makeStoreDir(dir); !r) {
    return r;
  }
  std::map<std::string, int> next_suffix;
  for (const auto& a : anchors) {
    std::string base = hashName(*a.cert);
    // c_rehash names collisions .0, .1, ... in order; OpenSSL's by_dir lookup walks them.
    std::string name = base + "." + std::to_string(next_suffix[base]++);
    if (auto r = writeFileDurable(dir + "/" + name, a.cert->pem(), kStoreFileMode); !r) {
      return r;
    }
  }
  return fsyncDir(dir);
}

nlohmann::json manifestFor(const RuntimeInputs& in, const std::string& anchors_der) {
  nlohmann::json anchors = nlohmann::json::array();
  for (const auto& a : in.anchors) {
    const CertificateInfo& i = a.cert->info();
    anchors.push_back({{"entry", a.entry},
                       {"sha256", i.sha256},
                       {"subject", i.subject},
                       {"kind", certificateKindName(classifyCertificate(i))},
                       {"not_after", formatRfc3339(i.not_after)}});
  }
  nlohmann::json files{{"ca_bundle", kBundleFile},
                       {"capath", kCapathDir},
                       {"java_truststore", kJavaTruststoreFile},
                       {"java_truststore_password", kJavaTruststorePassword},
                       {"anchors_der", kAnchorsDerFile},
                       {"anchors_index", kAnchorsIndexFile}};
  nlohmann::json identity = nullptr;
  if (in.identity) {
    const CertificateInfo& leaf = in.identity->certificates.front()->info();
    identity = {{"entry", in.identity->entry},
                {"sha256", leaf.sha256},
                {"subject", leaf.subject},
                {"not_after", formatRfc3339(leaf.not_after)}};
    files["identity_certificate"] = kIdentityCertFile;
    files["identity_key"] = kIdentityKeyFile;
  }
  return {{"connector", in.connector->name},
          {"environment", in.connector->environment},
          {"generation", in.generation},
          {"anchors", anchors},
          // Lets the runtime library tell a damaged anchors file from the one written here.
          {"anchors_sha256",
           ossl::sha256HexOf(reinterpret_cast<const unsigned char*>(anchors_der.data()),
                             anchors_der.size())},
          {"identity", identity},
          {"files", files}};
}

}  // namespace

Result<void> writeConnectorRuntime(const std::string& dir, const RuntimeInputs& inputs) {
  if (auto r = makeStoreDir(dir); !r) {
    return r;
  }
  RuntimeInputs in = inputs;
  std::set<std::string> seen;
  in.anchors.clear();
  for (const auto& a : inputs.anchors) {
    if (seen.insert(a.cert->sha256()).second) {
      in.anchors.push_back(a);
    }
  }
  std::string bundle;
  std::vector<CertificatePtr> certs;
  std::vector<std::pair<std::string, CertificatePtr>> aliased;
  std::map<std::string, int> alias_use;
  for (const auto& a : in.anchors) {
    const CertificateInfo& i = a.cert->info();
    bundle += "# " + a.entry + ": " + i.subject + "\n# sha256 " + i.sha256 + "\n" + a.cert->pem();
    certs.push_back(a.cert);
    aliased.emplace_back(aliasFor(a, alias_use), a.cert);
  }
  if (auto r = writeFileDurable(dir + "/" + kBundleFile, bundle, kStoreFileMode); !r) {
    return r;
  }
  if (auto r = writeCapath(dir + "/" + kCapathDir, in.anchors); !r) {
    return r;
  }
  auto java = writeJavaTruststore(aliased, kJavaTruststorePassword);
  if (!java) {
    return tl::unexpected(java.error());
  }
  if (auto r = writeFileDurable(dir + "/" + kJavaTruststoreFile, *java, kStoreFileMode); !r) {
    return r;
  }
  std::string der_blob, index;
  AnchorSet::encodeIndexed(certs, &der_blob, &index);
  if (auto r = writeFileDurable(dir + "/" + kAnchorsDerFile, der_blob, kStoreFileMode); !r) {
    return r;
  }
  if (auto r = writeFileDurable(dir + "/" + kAnchorsIndexFile, index, kStoreFileMode); !r) {
    return r;
  }
  if (in.identity) {
    std::string chain;
    for (const auto& c : in.identity->certificates) {
      chain += c->pem();
    }
    if (auto r = writeFileDurable(dir + "/" + kIdentityCertFile, chain, kStoreFileMode); !r) {
      return r;
    }
    std::string key = in.identity->key->pkcs8Pem();
    auto r = writeFileDurable(dir + "/" + kIdentityKeyFile, key, kStoreKeyMode);
    OPENSSL_cleanse(key.data(), key.size());
    if (!r) {
      return r;
    }
  }
  if (auto r = writeFileDurable(dir + "/" + kManifestFile, manifestFor(in, der_blob).dump(2) + "\n",
                                kStoreFileMode);
      !r) {
    return r;
  }
  return fsyncDir(dir);
}

Result<RuntimeInputs> gatherRuntimeInputs(const StoreState& state, const Connector& connector,
                                          std::uint64_t generation,
                                          const CertificateSource& certificate,
                                          const KeySource& key) {
  RuntimeInputs in;
  in.connector = &connector;
  in.generation = generation;
  for (const auto& entry_name : connector.trust) {
    const Entry* entry = state.findEntry(entry_name);
    for (const auto& sha : entry != nullptr ? entry->certificates : std::vector<std::string>{}) {
      auto cert = certificate(sha);
      if (!cert) {
        return tl::unexpected(cert.error());
      }
      in.anchors.push_back({entry_name, *cert});
    }
  }
  if (const Entry* id = state.findEntry(connector.identity)) {
    RuntimeIdentity identity{id->name, {}, nullptr};
    for (const auto& sha : id->certificates) {
      auto cert = certificate(sha);
      if (!cert) {
        return tl::unexpected(cert.error());
      }
      identity.certificates.push_back(*cert);
    }
    auto identity_key = key(id->key_id);
    if (!identity_key) {
      return tl::unexpected(identity_key.error());
    }
    identity.key = *identity_key;
    in.identity = std::move(identity);
  }
  return in;
}

}  // namespace trustctl::truststore
