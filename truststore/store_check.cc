// Store::check(): the invariants `trustctl store check` verifies. Aim: any plausible damage to
// a single file of the current generation, objects/ or keys/ is reported, one line each.
// What a writer killed mid-change leaves (temporary files, objects and keys no generation
// references yet) is reported too, as lines starting "warning: ": harmless and collected by
// the next change, so they do not make the check fail.
#include <stdlib.h>
#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <set>

#include "truststore/connector_runtime.h"
#include "truststore/file_util.h"
#include "truststore/runtime_check.h"
#include "truststore/scope.h"
#include "truststore/server_cert.h"
#include "truststore/store.h"
#include "truststore/store_generations.h"

namespace trustctl::truststore {

namespace {

constexpr const char* kWarningPrefix = "warning: ";

bool isHexName(const std::string& name, const std::string& suffix) {
  if (name.size() != 64 + suffix.size() || name.compare(64, suffix.size(), suffix) != 0) {
    return false;
  }
  return std::all_of(name.begin(), name.begin() + 64,
                     [](char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'); });
}

bool isTemporaryName(const std::string& name) {
  return name.find(".tmp") != std::string::npos || name.rfind(".check-", 0) == 0;
}

// What any kept generation references: objects and keys another generation's readers may
// still need are not left over.
void referencedByGenerations(const std::string& dir, std::set<std::string>& certs,
                             std::set<std::string>& keys, bool& all_read) {
  for (std::uint64_t g : listGenerations(dir)) {
    std::string path = dir + "/generations/" + std::to_string(g) + "/state.json";
    auto text = readWholeFile(path);
    auto state = text ? parseState(*text, path) : Result<StoreState>(tl::unexpected(text.error()));
    if (!state) {
      all_read = false;
      continue;
    }
    forEachScope(*state, [&](const std::string&, const StoreState& scope) {
      for (const auto& [sha, info] : scope.certificates) {
        certs.insert(sha);
      }
      for (const auto& [name, e] : scope.entries) {
        keys.insert(e.key_id);
      }
    });
  }
}

void checkEntries(const Store& store, const StoreState& state, std::vector<std::string>& problems) {
  for (const auto& [name, entry] : state.entries) {
    for (const auto& sha : entry.certificates) {
      if (state.certificates.count(sha) == 0) {
        problems.push_back("entry " + name + ": certificate " + sha + " has no metadata");
      }
      if (auto cert = store.loadCertificate(sha); !cert) {
        problems.push_back("entry " + name + ": " + cert.error().message);
      }
    }
    if (entry.key_id.empty()) {
      continue;
    }
    std::string path = store.dir() + "/keys/" + entry.key_id + ".pem";
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) {
      problems.push_back("entry " + name + ": identity key " + path + " is missing");
      continue;
    }
    if ((st.st_mode & 037) != 0) {  // 0640: the store's group may read keys
      problems.push_back(path + ": open to other users; run chmod 640");
    }
    auto key = store.loadKey(entry.key_id);
    auto leaf = store.loadCertificate(entry.certificates.front());
    if (!key) {
      problems.push_back("entry " + name + ": " + key.error().message);
    } else if ((*key)->spkiSha256() != entry.key_id) {
      problems.push_back(path + ": holds another key than its name says; restore a backup");
    } else if (leaf && !(*key)->matches(**leaf)) {
      problems.push_back(path + ": does not belong to the certificate of entry " + name);
    }
  }
}

// objects/ and keys/: every file hashes to its name, nothing lies there unreferenced.
void checkContentFolders(const Store& store, std::vector<std::string>& problems) {
  std::set<std::string> certs, keys;
  bool all_read = true;
  referencedByGenerations(store.dir(), certs, keys, all_read);
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(store.dir() + "/objects", ec)) {
    std::string name = e.path().filename().string();
    std::string path = e.path().string();
    if (isTemporaryName(name)) {
      problems.push_back(kWarningPrefix + path +
                         ": leftover temporary file of a writer that died; the next "
                         "change collects it");
    } else if (!isHexName(name, ".der")) {
      problems.push_back(path + ": not a file trustctl writes in objects/; move it away");
    } else if (auto cert = store.loadCertificate(name.substr(0, 64)); !cert) {
      problems.push_back(cert.error().message);
    } else if (all_read && certs.count(name.substr(0, 64)) == 0) {
      problems.push_back(kWarningPrefix + path +
                         ": no kept generation references this certificate; the next "
                         "change collects it");
    }
  }
  for (const auto& e : std::filesystem::directory_iterator(store.dir() + "/keys", ec)) {
    std::string name = e.path().filename().string();
    std::string path = e.path().string();
    if (isTemporaryName(name)) {
      problems.push_back(kWarningPrefix + path +
                         ": leftover temporary key file of a writer that died; delete it");
    } else if (!isHexName(name, ".pem")) {
      problems.push_back(path + ": not a file trustctl writes in keys/; move it away");
    } else if (auto key = store.loadKey(name.substr(0, 64)); !key) {
      problems.push_back(key.error().message);
    } else if ((*key)->spkiSha256() != name.substr(0, 64)) {
      problems.push_back(path + ": holds another key than its name says; restore a backup");
    } else if (all_read && keys.count(name.substr(0, 64)) == 0) {
      problems.push_back(kWarningPrefix + path + ": a private key no entry references; delete it");
    }
  }
  for (const auto& e : std::filesystem::directory_iterator(store.dir() + "/generations", ec)) {
    if (e.path().filename().string().rfind(".tmp-", 0) == 0) {
      problems.push_back(kWarningPrefix + e.path().string() +
                         ": leftover generation of a writer that died; the "
                         "next change collects it");
    }
  }
}

// One scope's connectors and server certificates against the files in its folder of the
// current generation (`folder` ends with '/'); `scratch` is "" when none could be made.
void checkScopeFiles(const Store& store, const StoreState& state, const std::string& folder,
                     const std::string& scratch, std::vector<std::string>& problems) {
  std::set<std::string> known;
  for (const auto& [name, c] : state.connectors) {
    known.insert(name);
    for (const auto& e : c.trust) {
      if (state.findEntry(e) == nullptr) {
        problems.push_back("connector " + name + ": trusts missing entry " + e);
      }
    }
    if (!c.identity.empty() && state.findEntry(c.identity) == nullptr) {
      problems.push_back("connector " + name + ": identity entry " + c.identity + " is missing");
    }
    std::string runtime = folder + "connectors/" + name;
    if (!pathExists(runtime)) {
      problems.push_back("connector " + name + ": runtime folder " + runtime + " is missing");
    } else if (!scratch.empty()) {
      checkConnectorRuntime(store, state, c, runtime, scratch, problems);
    } else {
      problems.push_back("connector " + name + ": runtime files not compared: cannot create " +
                         scratch + " to regenerate them");
    }
  }
  for (const auto& [name, server] : state.server_certs) {
    const Entry* e = state.findEntry(server.entry);
    if (e == nullptr || e->key_id.empty()) {
      problems.push_back("server certificate " + name + ": entry " + server.entry +
                         " is missing or has no key");
    }
    std::string files = folder + kServerCertsDir + "/" + name;
    for (const char* f : {kServerFullchainFile, kServerKeyFile, kServerChainFile, kServerCertFile,
                          kServerBundleFile}) {
      if (!pathExists(files + "/" + f)) {
        problems.push_back("server certificate " + name + ": " + files + "/" + f + " is missing");
      }
    }
  }
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(folder + "connectors", ec)) {
    if (known.count(e.path().filename().string()) == 0) {
      problems.push_back(e.path().string() + ": runtime folder of no connector in the state");
    }
  }
}

}  // namespace

Result<std::vector<std::string>> Store::check() const {
  auto snapshot = loadTree();
  if (!snapshot) {
    return tl::unexpected(snapshot.error());
  }
  std::vector<std::string> problems;
  if (!snapshot->generation_dir.empty()) {
    checkContentFolders(*this, problems);
  }
  std::string scratch = dir_ + "/.check-XXXXXX";
  bool have_scratch = !snapshot->generation_dir.empty() && ::mkdtemp(scratch.data()) != nullptr;
  forEachScope(snapshot->state, [&](const std::string& path, const StoreState& own) {
    auto view = path.empty() ? Result<StoreState>(StoreState{}) : scopeView(snapshot->state, path);
    if (!view) {
      problems.push_back(view.error().message);
      return;
    }
    std::size_t first = problems.size();
    checkEntries(*this, own, problems);
    if (!snapshot->generation_dir.empty()) {
      checkScopeFiles(*this, path.empty() ? own : *view,
                      snapshot->generation_dir + "/" + scopeFolderPrefix(path),
                      have_scratch ? scratch : "", problems);
    }
    for (std::size_t i = first; !path.empty() && i < problems.size(); ++i) {
      problems[i] = "scope " + path + ": " + problems[i];
    }
  });
  if (have_scratch) {
    removeTree(scratch);
  }
  return problems;
}

}  // namespace trustctl::truststore
