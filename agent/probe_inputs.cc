// What a probe run reads from the store besides the URLs: identities (with files libldap can
// read), the connector's anchors, the library as a catalog source, and recorded captures.
#include "agent/probe_inputs.h"

#include <sstream>

#include "probes/proxy_route.h"
#include "truststore/connector_runtime.h"
#include "truststore/file_util.h"
#include "truststore/secret_wipe.h"

namespace trustctl::agent {

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
  auto temp_files = truststore::TemporaryIdentityFiles::write(files->identity.chain, **key);
  if (!temp_files) {
    return tl::unexpected(temp_files.error());
  }
  files->temp_files = std::move(*temp_files);
  files->identity.cert_file = files->temp_files->certPath();
  files->identity.key_file = files->temp_files->keyPath();
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

ProbeProxy::~ProbeProxy() {
  truststore::wipeSecret(credentials);
}

Result<std::unique_ptr<ProbeProxy>> proxyFor(const std::string& proxy_flag,
                                             const std::string& credentials_flag,
                                             const truststore::Connector* connector) {
  auto out = std::make_unique<ProbeProxy>();
  out->argument = proxy_flag;
  std::string value = !proxy_flag.empty() ? proxy_flag : connector ? connector->proxy : "";
  if (value == "none") {
    out->choice.mode = probes::ProxyChoice::Mode::Direct;
  } else if (!value.empty()) {
    auto url = probes::parseProxyUrl(value);
    if (!url) {
      std::string where = !proxy_flag.empty() ? "--proxy" : "connector " + connector->name;
      return fail(url.error().code, where + ": " + url.error().message);
    }
    out->choice = {probes::ProxyChoice::Mode::Url, *url};
  }
  std::string file = !credentials_flag.empty() ? credentials_flag
                     : connector               ? connector->proxy_credentials_file
                                               : "";
  if (!file.empty()) {
    auto credentials = probes::loadProxyCredentials(file);
    if (!credentials) {
      return tl::unexpected(credentials.error());
    }
    out->credentials = std::move(*credentials);
  }
  return out;
}

Result<std::vector<probes::Capture>> readReplay(const std::string& path) {
  auto text = truststore::readUserFile(path, truststore::kMaxReplayFileBytes,
                                       "captures recorded with --record");
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
