// Store::check(): the invariants `trustctl store check` verifies.
#include <sys/stat.h>

#include "truststore/connector_runtime.h"
#include "truststore/file_util.h"
#include "truststore/store.h"

namespace trustctl::truststore {

Result<std::vector<std::string>> Store::check() const {
  auto snapshot = load();
  if (!snapshot) {
    return tl::unexpected(snapshot.error());
  }
  std::vector<std::string> problems;
  const StoreState& state = snapshot->state;
  for (const auto& [name, entry] : state.entries) {
    for (const auto& sha : entry.certificates) {
      if (state.certificates.count(sha) == 0) {
        problems.push_back("entry " + name + ": certificate " + sha + " has no metadata");
      }
      if (auto cert = loadCertificate(sha); !cert) {
        problems.push_back("entry " + name + ": " + cert.error().message);
      }
    }
    if (!entry.key_id.empty()) {
      std::string path = dir_ + "/keys/" + entry.key_id + ".pem";
      struct stat st {};
      if (::stat(path.c_str(), &st) != 0) {
        problems.push_back("entry " + name + ": identity key " + path + " is missing");
      } else if ((st.st_mode & 037) != 0) {  // 0640: the store's group may read keys
        problems.push_back(path + ": open to other users; run chmod 640");
      }
    }
  }
  for (const auto& [name, c] : state.connectors) {
    for (const auto& e : c.trust) {
      if (state.findEntry(e) == nullptr) {
        problems.push_back("connector " + name + ": trusts missing entry " + e);
      }
    }
    if (!c.identity.empty() && state.findEntry(c.identity) == nullptr) {
      problems.push_back("connector " + name + ": identity entry " + c.identity + " is missing");
    }
    std::string runtime = snapshot->generation_dir + "/connectors/" + name;
    for (const char* f :
         {kBundleFile, kJavaTruststoreFile, kAnchorsDerFile, kAnchorsIndexFile, kManifestFile}) {
      if (!pathExists(runtime + "/" + f)) {
        problems.push_back("connector " + name + ": runtime file " + f + " is missing");
      }
    }
  }
  return problems;
}

}  // namespace trustctl::truststore
