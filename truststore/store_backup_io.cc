// Store::backup and Store::restore: the archive of one consistent generation, taken under the
// writer lock (so no collection removes a file while it is read), and its restore as a new
// generation switched in like any change: validated first, written aside, renamed, switched.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <tuple>

#include <openssl/crypto.h>

#include "truststore/ca_key_file.h"
#include "truststore/file_util.h"
#include "truststore/scope.h"
#include "truststore/server_cert.h"
#include "truststore/signing_files.h"
#include "truststore/store.h"
#include "truststore/store_backup.h"
#include "truststore/store_faults.h"
#include "truststore/store_files.h"
#include "truststore/store_format.h"
#include "truststore/store_generations.h"
#include "truststore/store_lock.h"

namespace trustctl::truststore {

namespace {

// A server's and the token signer's key files keep their 0600 through a backup.
mode_t restoredFileMode(const std::string& rel) {
  return isServerSecretFile(rel) || isSigningSecretFile(rel) ? kServerSecretMode : kStoreFileMode;
}

// Every regular file below `dir` as relative path -> content.
Result<void> addTree(const std::string& dir, const std::string& prefix, TarFiles& out) {
  std::error_code ec;
  for (auto it = std::filesystem::recursive_directory_iterator(dir, ec);
       !ec && it != std::filesystem::recursive_directory_iterator(); it.increment(ec)) {
    if (!it->is_regular_file() || it->is_symlink()) {
      continue;
    }
    std::string rel = std::filesystem::relative(it->path(), dir).string();
    auto data = readWholeFile(it->path().string());
    if (!data) {
      return tl::unexpected(data.error());
    }
    out[prefix + rel] = std::move(*data);
  }
  if (ec) {
    return fail(ErrorCode::Io, dir + ": cannot read the generation: " + ec.message());
  }
  return {};
}

// Reads the archive a user named: a regular file (never a FIFO), at most kMaxBackupBytes.
Result<std::string> readArchive(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    return fail(errno == ENOENT ? ErrorCode::FileNotFound : ErrorCode::Io,
                path + ": cannot open the backup: " + std::strerror(errno));
  }
  struct stat st {};
  std::string out;
  bool ok = ::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
            static_cast<unsigned long long>(st.st_size) <= kMaxBackupBytes;
  if (ok) {
    out.resize(static_cast<std::size_t>(st.st_size));
    std::size_t got = 0;
    while (got < out.size()) {
      ssize_t n = ::read(fd, out.data() + got, out.size() - got);
      if (n < 0 && errno == EINTR) {
        continue;
      }
      if (n <= 0) {
        break;
      }
      got += static_cast<std::size_t>(n);
    }
    out.resize(got);
  }
  ::close(fd);
  if (!ok) {
    return fail(ErrorCode::BackupInvalid,
                path + ": not a regular file of at most 1 GiB; give a trustctl backup file");
  }
  return out;
}

void wipe(TarFiles& files) {
  for (auto& [name, data] : files) {
    OPENSSL_cleanse(data.data(), data.size());
  }
}

}  // namespace

Result<void> Store::backup(const std::string& archive_path, const UpdateOptions& options) {
  if (auto r = checkStoreSafety(dir_); !r) {
    return r;
  }
  auto lock = StoreLock::acquire(dir_, options.lock_timeout);
  if (!lock) {
    return tl::unexpected(lock.error());
  }
  auto snapshot = loadTree();
  if (!snapshot) {
    return tl::unexpected(snapshot.error());
  }
  if (snapshot->generation_dir.empty()) {
    return fail(ErrorCode::InvalidArgument,
                dir_ + ": the store holds nothing yet; there is nothing to back up");
  }
  const std::string root = kBackupRoot;
  TarFiles files;
  files[root + "format"] = std::to_string(kStoreFormat) + "\n";
  Result<void> collected;
  forEachScope(snapshot->state, [&](const std::string& path, const StoreState& scope) {
    if (!collected) {
      return;
    }
    collected = [&]() -> Result<void> {
      for (const auto& [name, entry] : scope.entries) {
        for (const auto& sha : entry.certificates) {
          auto der = readWholeFile(dir_ + "/objects/" + sha + ".der");
          if (!der) {
            return tl::unexpected(der.error());
          }
          files[root + "objects/" + sha + ".der"] = std::move(*der);
        }
        if (!entry.key_id.empty()) {
          auto pem = readWholeFile(dir_ + "/keys/" + entry.key_id + ".pem");
          if (!pem) {
            return tl::unexpected(pem.error());
          }
          files[root + "keys/" + entry.key_id + ".pem"] = std::move(*pem);
        }
      }
      for (const auto& [ca_name, ca] : scope.cas) {
        std::map<std::string, std::string> ca_files;
        if (auto r = readCaKeyFiles(dir_, caKeyFolderName(path, ca_name), ca_files); !r) {
          return tl::unexpected(r.error());
        }
        for (auto& [rel, pem] : ca_files) {
          files[root + "ca/" + rel] = std::move(pem);
        }
      }
      return {};
    }();
  });
  if (!collected) {
    return collected;
  }
  Result<void> result = addTree(snapshot->generation_dir, root + "generation/", files);
  if (result) {
    auto archive = writeTar(files, 0600);
    if (!archive) {
      result = tl::unexpected(archive.error());
    } else {
      // It holds private keys: 0600, and atomic, so a reader never sees half an archive.
      result = writeFileAtomic(archive_path, *archive, 0600);
      OPENSSL_cleanse(archive->data(), archive->size());
    }
  }
  wipe(files);
  return result;
}

Result<std::uint64_t> Store::restore(const std::string& archive_path, bool force,
                                     const UpdateOptions& options) {
  auto archive = readArchive(archive_path);
  if (!archive) {
    return tl::unexpected(archive.error());
  }
  auto files = readTar(*archive, archive_path, kMaxBackupFiles, kMaxBackupFileBytes);
  OPENSSL_cleanse(archive->data(), archive->size());
  if (!files) {
    return tl::unexpected(files.error());
  }
  auto content = validateBackup(std::move(*files), archive_path);
  if (!content) {
    return tl::unexpected(content.error());
  }
  struct Wipe {
    BackupContent& c;
    ~Wipe() { wipe(c.keys); }
  } wipe_keys{*content};
  auto lock = lockForWriting(options.lock_timeout);
  if (!lock) {
    return tl::unexpected(lock.error());
  }
  auto before = loadTree();
  auto gens = listGenerations(dir_);
  if (!force && (!before || !gens.empty())) {
    return fail(ErrorCode::StoreNotEmpty,
                dir_ + ": holds a store already" +
                    (before ? " (generation " + std::to_string(before->state.generation) + ")"
                            : " (" + before.error().message + ")") +
                    "; restore into an empty folder, or add --force to replace its content "
                    "(older generations stay until collected)");
  }
  if (!before && before.error().code == ErrorCode::StoreTooNew) {
    return tl::unexpected(before.error());
  }
  if (auto r = migrateStore(dir_); !r) {
    return tl::unexpected(r.error());
  }
  return publishRestored(*content, before ? before->state.generation : 0, gens, archive_path,
                         options.now);
}

Result<std::uint64_t> Store::publishRestored(BackupContent& content, std::uint64_t parent,
                                             const std::vector<std::uint64_t>& gens,
                                             const std::string& label, UnixTime now) {
  // Keep the backup's number when it is free, so every restored file is byte for byte the
  // one backed up; else number past every folder there, as any change does.
  std::uint64_t taken = std::max(parent, gens.empty() ? 0 : gens.back());
  std::uint64_t gen = std::max<std::uint64_t>(content.state.generation, 1);
  if (gen <= taken) {
    gen = taken + 1;
  }
  for (const char* sub : {"/objects", "/keys", "/generations"}) {
    if (auto r = makeStoreDir(dir_ + sub); !r) {
      return tl::unexpected(r.error());
    }
  }
  std::vector<std::string> created;
  std::string work_dir =
      dir_ + "/generations/.tmp-" + std::to_string(gen) + "-" + std::to_string(::getpid());
  std::vector<std::pair<std::string, std::string>> replaced;  // CA key files: path, old PEM
  auto failed = [&](const Error& e) -> Result<std::uint64_t> {
    for (const auto& f : created) {
      ::unlink(f.c_str());
    }
    for (const auto& [path, pem] : replaced) {
      (void)writeFileAtomic(path, pem, 0600);  // the store as it was: its CA keys back
    }
    removeTree(work_dir);
    return tl::unexpected(e);
  };
  for (const auto& [folder, map, mode] : {std::tuple{"/objects/", &content.objects, kStoreFileMode},
                                          std::tuple{"/keys/", &content.keys, kStoreKeyMode}}) {
    for (const auto& [name, data] : *map) {
      std::string path = dir_ + folder + name;
      if (pathExists(path)) {
        continue;  // content-addressed: the same name holds the same content
      }
      if (auto r = writeFileAtomic(path, data, mode); !r) {
        return failed(r.error());
      }
      created.push_back(path);
    }
  }
  // CA keys are named by the CA, not by content: one the store has under that name is put
  // back if the restore fails later.
  for (const auto& [rel, pem] : content.ca_keys) {
    std::string path = dir_ + "/ca/" + rel;
    if (pathExists(path)) {
      auto old = readWholeFile(path, pem.size() * 4 + 65536);
      if (!old) {
        return failed(old.error());
      }
      if (*old == pem) {
        continue;
      }
      replaced.emplace_back(path, std::move(*old));
    } else {
      created.push_back(path);
    }
    if (auto r = writeCaKeyFile(dir_, rel, pem); !r) {
      return failed(r.error());
    }
  }
  removeTree(work_dir);
  if (auto r = makeStoreDir(work_dir); !r) {
    return failed(r.error());
  }
  std::set<std::string> dirs{work_dir};
  for (const auto& [rel, data] : content.generation) {
    if (rel == kGenerationAuditFile) {
      continue;  // the restore is this generation's change; the backup's own record is kept
    }
    std::string path = work_dir;
    for (std::size_t slash = rel.find('/'); slash != std::string::npos;
         slash = rel.find('/', slash + 1)) {
      std::string sub = work_dir + "/" + rel.substr(0, slash);
      if (dirs.insert(sub).second) {
        if (auto r = makeStoreDir(sub); !r) {
          return failed(r.error());
        }
      }
    }
    std::string text = data;
    if (rel == "state.json" && gen != content.state.generation) {
      StoreState renumbered = content.state;
      renumbered.generation = gen;
      text = serializeState(renumbered);
    }
    if (auto r = writeFileDurable(work_dir + "/" + rel, text, restoredFileMode(rel)); !r) {
      return failed(r.error());
    }
  }
  AuditRecord record{
      now,
      currentUserName(),
      "store.restore",
      std::filesystem::path(label).filename().string(),
      "",
      "restored generation " + std::to_string(content.state.generation) + " from " + label,
      gen};
  if (auto r = writeFileDurable(work_dir + "/" + kGenerationAuditFile,
                                serializeGenerationAudit(gen, parent, {record}), kStoreFileMode);
      !r) {
    return failed(r.error());
  }
  for (const auto& d : dirs) {
    if (auto r = fsyncDir(d); !r) {
      return failed(r.error());
    }
  }
  std::string final_dir = generationDir(gen);
  if (auto r = faultPoint("rename", final_dir); !r) {
    return failed(r.error());
  }
  if (::rename(work_dir.c_str(), final_dir.c_str()) != 0) {
    return failed(Error{ErrorCode::Io, final_dir + ": cannot publish the restored generation: " +
                                           std::strerror(errno)});
  }
  work_dir = final_dir;  // what `failed` removes from here
  if (auto r = fsyncDir(dir_ + "/generations"); !r) {
    return failed(r.error());
  }
  if (auto r = switchCurrent(dir_, gen); !r) {
    return failed(r.error());
  }
  bool logged = static_cast<bool>(replayAudit(dir_, gen));
  collectGarbage(dir_, gen, logged);
  return gen;
}

}  // namespace trustctl::truststore
