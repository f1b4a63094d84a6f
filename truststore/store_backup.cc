#include "truststore/store_backup.h"

#include <algorithm>
#include <cstdlib>

#include "truststore/ca_key_file.h"
#include "truststore/certificate.h"
#include "truststore/connector_runtime.h"
#include "truststore/private_key.h"
#include "truststore/scope.h"
#include "truststore/store_format.h"

namespace trustctl::truststore {

namespace {

Error invalid(const std::string& label, const std::string& what) {
  return Error{ErrorCode::BackupInvalid,
               label + ": " + what + "; it is not a complete trustctl backup, use another copy"};
}

bool cut(const std::string& name, const std::string& prefix, std::string* rest) {
  if (name.rfind(prefix, 0) != 0) {
    return false;
  }
  *rest = name.substr(prefix.size());
  return true;
}

}  // namespace

Result<BackupContent> validateBackup(TarFiles files, const std::string& label) {
  BackupContent out;
  std::string format_text;
  const std::string root = kBackupRoot;
  for (auto& [name, data] : files) {
    std::string rest;
    if (name == root + "format") {
      format_text = data;
    } else if (cut(name, root + "objects/", &rest) && rest.find('/') == std::string::npos) {
      out.objects.emplace(rest, std::move(data));
    } else if (cut(name, root + "keys/", &rest) && rest.find('/') == std::string::npos) {
      out.keys.emplace(rest, std::move(data));
    } else if (cut(name, root + "ca/", &rest) && std::count(rest.begin(), rest.end(), '/') == 1) {
      out.ca_keys.emplace(rest, std::move(data));
    } else if (cut(name, root + "generation/", &rest)) {
      out.generation.emplace(rest, std::move(data));
    } else {
      return tl::unexpected(invalid(label, "holds " + name + ", which no backup holds"));
    }
  }
  if (format_text.empty()) {
    return tl::unexpected(invalid(label, "has no " + root + "format"));
  }
  int format = std::atoi(format_text.c_str());
  if (format <= 0) {
    return tl::unexpected(invalid(label, "has a damaged format file"));
  }
  if (format > kStoreFormat) {
    return fail(ErrorCode::StoreTooNew,
                label + ": taken from a newer trustctl (store format " + std::to_string(format) +
                    ", this trustctl reads up to " + std::to_string(kStoreFormat) +
                    "); restore it with that trustctl");
  }
  auto state_it = out.generation.find("state.json");
  if (state_it == out.generation.end()) {
    return tl::unexpected(invalid(label, "has no generation/state.json"));
  }
  auto state = parseState(state_it->second, label + ":generation/state.json");
  if (!state) {
    return tl::unexpected(invalid(label, state.error().message));
  }
  out.state = std::move(*state);
  for (const auto& [name, der] : out.objects) {
    auto cert = Certificate::parseDer(der);
    if (!cert || (*cert)->sha256() + ".der" != name) {
      return tl::unexpected(invalid(label, "objects/" + name + " is damaged"));
    }
  }
  Result<void> valid;
  forEachScope(out.state, [&](const std::string& path, const StoreState& scope) {
    if (!valid) {
      return;
    }
    valid = [&]() -> Result<void> {
      for (const auto& [entry_name, entry] : scope.entries) {
        for (const auto& sha : entry.certificates) {
          if (out.objects.count(sha + ".der") == 0) {
            return tl::unexpected<Error>(
                invalid(label, "lacks certificate " + sha + " of entry " + entry_name));
          }
        }
        if (entry.key_id.empty()) {
          continue;
        }
        auto key_it = out.keys.find(entry.key_id + ".pem");
        if (key_it == out.keys.end()) {
          return tl::unexpected<Error>(invalid(label, "lacks the key of identity " + entry_name));
        }
        auto key = PrivateKey::parsePem(key_it->second);
        if (!key || (*key)->spkiSha256() != entry.key_id) {
          return tl::unexpected<Error>(invalid(label, "keys/" + key_it->first + " is damaged"));
        }
      }
      for (const auto& [ca_name, ca] : scope.cas) {
        for (const char* file : kCaKeyFileNames) {
          auto it = out.ca_keys.find(caKeyFolderName(path, ca_name) + "/" + file);
          if (it == out.ca_keys.end() ||
              it->second.rfind("-----BEGIN ENCRYPTED PRIVATE KEY-----", 0) != 0) {
            return tl::unexpected<Error>(
                invalid(label, "lacks the encrypted " + std::string(file) + " of CA " + ca_name));
          }
        }
      }
      for (const auto& [name, c] : scope.connectors) {
        for (const char* f : {kBundleFile, kJavaTruststoreFile, kAnchorsDerFile, kAnchorsIndexFile,
                              kManifestFile}) {
          if (out.generation.count(scopeFolderPrefix(path) + "connectors/" + name + "/" + f) == 0) {
            return tl::unexpected<Error>(
                invalid(label, "lacks runtime file " + std::string(f) + " of connector " + name));
          }
        }
      }
      return {};
    }();
  });
  if (!valid) {
    return tl::unexpected(valid.error());
  }
  return out;
}

}  // namespace trustctl::truststore
