#include "truststore/store_generations.h"

#include <dirent.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <set>

#include "truststore/connector_runtime.h"
#include "truststore/file_util.h"
#include "truststore/scope.h"
#include "truststore/store_state.h"

namespace trustctl::truststore {

namespace {

constexpr const char* kGenerationsPrefix = "generations/";

bool parseNumber(const std::string& s, std::uint64_t* out) {
  if (s.empty() || s.size() > 19 || s[0] == '0' ||
      !std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    return false;
  }
  *out = std::stoull(s);
  return true;
}

std::vector<std::string> namesIn(const std::string& dir) {
  std::vector<std::string> names;
  if (DIR* d = ::opendir(dir.c_str())) {
    while (dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") {
        names.push_back(std::move(name));
      }
    }
    ::closedir(d);
  }
  return names;
}

bool startsWith(const std::string& s, const char* prefix) {
  return s.rfind(prefix, 0) == 0;
}

Result<StoreState> loadGenerationState(const std::string& generation_dir) {
  auto text = readWholeFile(generation_dir + "/state.json");
  if (!text) {
    return tl::unexpected(text.error());
  }
  return parseState(*text, generation_dir + "/state.json");
}

// Removes files of `folder` named <id><suffix> whose id is not in `keep`, and temporary files a
// killed writeFileAtomic left ("<name>.tmp.<pid>").
void collectFolder(const std::string& folder, const std::string& suffix,
                   const std::set<std::string>& keep) {
  for (const auto& name : namesIn(folder)) {
    bool temporary = name.find(".tmp.") != std::string::npos;
    bool ours = name.size() > suffix.size() &&
                name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    if (temporary || (ours && keep.count(name.substr(0, name.size() - suffix.size())) == 0)) {
      ::unlink((folder + "/" + name).c_str());
    }
  }
}

}  // namespace

CurrentLink readCurrentLink(const std::string& store_dir) {
  std::string path = store_dir + "/current";
  char buf[512];
  ssize_t n = ::readlink(path.c_str(), buf, sizeof buf);
  CurrentLink link;
  if (n < 0) {
    if (errno == ENOENT) {
      return link;
    }
    if (errno == EACCES || errno == EPERM) {
      link.kind = CurrentLink::Kind::Unreadable;
      return link;
    }
    link.kind = CurrentLink::Kind::Invalid;
    link.problem = errno == EINVAL ? "is not a symbolic link" : std::strerror(errno);
    return link;
  }
  std::string target(buf, static_cast<size_t>(n));
  std::uint64_t gen = 0;
  if (static_cast<size_t>(n) < sizeof buf && startsWith(target, kGenerationsPrefix) &&
      parseNumber(target.substr(std::strlen(kGenerationsPrefix)), &gen)) {
    link.kind = CurrentLink::Kind::Generation;
    link.generation = gen;
    return link;
  }
  link.kind = CurrentLink::Kind::Invalid;
  link.problem =
      "points at '" + target.substr(0, 200) + "', not at a folder in " + store_dir + "/generations";
  return link;
}

std::vector<std::uint64_t> listGenerations(const std::string& store_dir) {
  std::vector<std::uint64_t> out;
  for (const auto& name : namesIn(store_dir + "/generations")) {
    std::uint64_t n = 0;
    if (parseNumber(name, &n)) {
      out.push_back(n);
    }
  }
  std::sort(out.begin(), out.end());
  return out;
}

bool isCompleteGeneration(const std::string& generation_dir) {
  auto state = loadGenerationState(generation_dir);
  if (!state) {
    return false;
  }
  bool complete = true;
  forEachScope(*state, [&](const std::string& path, const StoreState& scope) {
    for (const auto& [name, c] : scope.connectors) {
      std::string runtime =
          generation_dir + "/" + scopeFolderPrefix(path) + "connectors/" + name + "/";
      for (const char* f :
           {kBundleFile, kJavaTruststoreFile, kAnchorsDerFile, kAnchorsIndexFile, kManifestFile}) {
        complete = complete && pathExists(runtime + f);
      }
    }
  });
  return complete;
}

Result<void> switchCurrent(const std::string& store_dir, std::uint64_t generation) {
  std::string link_tmp = store_dir + "/.current.tmp-" + std::to_string(::getpid());
  ::unlink(link_tmp.c_str());
  std::string target = kGenerationsPrefix + std::to_string(generation);
  if (::symlink(target.c_str(), link_tmp.c_str()) != 0 ||
      ::rename(link_tmp.c_str(), (store_dir + "/current").c_str()) != 0) {
    int err = errno;
    ::unlink(link_tmp.c_str());
    return fail(ErrorCode::Io, store_dir + "/current: cannot switch to generation " +
                                   std::to_string(generation) + ": " + std::strerror(err));
  }
  return fsyncDir(store_dir);
}

void collectGarbage(const std::string& store_dir, std::uint64_t current, bool audit_logged) {
  std::string generations = store_dir + "/generations";
  for (const auto& name : namesIn(generations)) {
    // No other writer runs (the caller holds the lock): a temporary folder is a dead writer's.
    if (startsWith(name, ".tmp-")) {
      removeTree(generations + "/" + name);
    }
  }
  for (const auto& name : namesIn(store_dir)) {
    if (startsWith(name, ".current.tmp-") || startsWith(name, "format.tmp.")) {
      ::unlink((store_dir + "/" + name).c_str());
    }
  }
  std::set<std::string> certs, keys;
  bool all_readable = true;
  for (std::uint64_t n : listGenerations(store_dir)) {
    std::string dir = generations + "/" + std::to_string(n);
    if (n < current && n + kKeptGenerations <= current && audit_logged) {
      removeTree(dir);
      continue;
    }
    auto state = loadGenerationState(dir);
    if (!state && n > current) {
      removeTree(dir);  // never switched in and not readable: nothing to keep it for
      continue;
    }
    if (!state) {
      all_readable = false;
      continue;
    }
    forEachScope(*state, [&](const std::string&, const StoreState& scope) {
      for (const auto& [name, e] : scope.entries) {
        certs.insert(e.certificates.begin(), e.certificates.end());
        if (!e.key_id.empty()) {
          keys.insert(e.key_id);
        }
      }
    });
  }
  if (!all_readable) {
    return;  // what that generation references is unknown: keep every object and key
  }
  collectFolder(store_dir + "/objects", ".der", certs);
  collectFolder(store_dir + "/keys", ".pem", keys);
}

}  // namespace trustctl::truststore
