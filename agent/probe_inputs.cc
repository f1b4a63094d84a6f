// What a probe run reads from the store besides the URLs: identities (with files libldap can
// read), the connector's anchors, the library as a catalog source, and recorded captures.
#include "agent/probe_inputs.h"

#include <sys/stat.h>
#include <unistd.h>

#include <sstream>

#include "truststore/connector_runtime.h"
#include "truststore/file_util.h"

namespace trustctl::agent {

IdentityFiles::~IdentityFiles() {
  if (!temp_dir.empty()) {
    ::unlink((temp_dir + "/identity.pem").c_str());
    ::unlink((temp_dir + "/identity.key").c_str());
    ::rmdir(temp_dir.c_str());
  }
}

Result<std::unique_ptr<IdentityFiles>> loadIdentity(const truststore::Store& store,
                                                    const truststore::StoreState& state,
                                                    const std::string& entry_name,
                                                    const std::string& runtime_dir) {
  const truststore::Entry* entry = state.findEntry(entry_name);
  if (!entry) {
    return tl::unexpected(truststore::entryNotFoundError(entry_name));
  }
  if (entry->key_id.empty()) {
    return fail(ErrorCode::NotAnIdentity, "entry '" + entry_name +
                                              "' has no private key; import the client certificate "
                                              "with --identity and give that entry");
  }
  auto files = std::make_unique<IdentityFiles>();
  for (const auto& sha : entry->certificates) {
    auto cert = store.loadCertificate(sha);
    if (!cert) {
      return tl::unexpected(cert.error());
    }
    files->identity.chain.push_back(*cert);
  }
  auto key = store.loadKey(entry->key_id);
  if (!key) {
    return tl::unexpected(key.error());
  }
  files->identity.key = *key;
  if (!runtime_dir.empty() &&
      truststore::pathExists(runtime_dir + "/" + truststore::kIdentityKeyFile)) {
    files->identity.cert_file = runtime_dir + "/" + truststore::kIdentityCertFile;
    files->identity.key_file = runtime_dir + "/" + truststore::kIdentityKeyFile;
    return files;
  }
  std::string pattern =
      (getenv("TMPDIR") ? std::string(getenv("TMPDIR")) : "/tmp") + "/trustctl-id.XXXXXX";
  if (!mkdtemp(pattern.data())) {
    return fail(ErrorCode::Io, "could not create a private temporary folder for the identity");
  }
  files->temp_dir = pattern;
  std::string pem;
  for (const auto& c : files->identity.chain) {
    pem += c->pem();
  }
  auto wrote = truststore::writeFileAtomic(pattern + "/identity.pem", pem, 0644);
  auto wrote_key = truststore::writeFileAtomic(pattern + "/identity.key", (*key)->pkcs8Pem(), 0600);
  if (!wrote || !wrote_key) {
    return fail(ErrorCode::Io, "could not write the identity for libldap under " + pattern);
  }
  files->identity.cert_file = pattern + "/identity.pem";
  files->identity.key_file = pattern + "/identity.key";
  return files;
}

Result<std::shared_ptr<const probes::TrustAnchors>> connectorTrust(const truststore::Store& store,
                                                                   const std::string& name) {
  std::string dir = store.currentGenerationDir() + "/connectors/" + name;
  auto anchors = truststore::AnchorSet::loadIndexed(dir + "/" + truststore::kAnchorsDerFile,
                                                    dir + "/" + truststore::kAnchorsIndexFile);
  if (!anchors) {
    return tl::unexpected(anchors.error());
  }
  return std::make_shared<const probes::TrustAnchors>(*anchors);
}

// The library as a catalog source: an entry another connector trusts is reported as
// "connector:NAME" so the user sees where the certificate is already in use.
void addLibrary(probes::Catalog& catalog, const truststore::Store& store,
                const truststore::StoreState& state) {
  catalog.addLoaderLazily([store, state] {
    std::vector<probes::KnownCertificate> out;
    for (const auto& [name, entry] : state.entries) {
      if (entry.type == truststore::EntryType::Identity) {
        continue;
      }
      std::vector<std::string> users = state.whereUsed(name);
      std::string source = users.empty() ? "library" : "connector:" + users[0];
      for (const auto& sha : entry.certificates) {
        auto cert = store.loadCertificate(sha);
        if (cert) {
          out.push_back({*cert, source, name});
        }
      }
    }
    return out;
  });
}

Result<std::vector<probes::Capture>> readReplay(const std::string& path) {
  auto text = truststore::readWholeFile(path);
  if (!text) {
    return tl::unexpected(text.error());
  }
  std::vector<probes::Capture> out;
  auto take = [&](const nlohmann::json& j) -> Result<void> {
    auto capture = probes::captureFromJson(j);
    if (!capture) {
      return fail(capture.error().code, path + ": " + capture.error().message);
    }
    out.push_back(std::move(*capture));
    return {};
  };
  try {
    std::istringstream lines(*text);
    std::string line;
    while (std::getline(lines, line)) {
      if (line.find_first_not_of(" \t\r") == std::string::npos) {
        continue;
      }
      auto taken = take(nlohmann::json::parse(line));
      if (!taken) {
        return tl::unexpected(taken.error());
      }
    }
  } catch (const nlohmann::json::exception&) {
    return fail(ErrorCode::InvalidArgument,
                path + ": not a recorded capture (one JSON object per line, as --record writes)");
  }
  return out;
}

}  // namespace trustctl::agent
