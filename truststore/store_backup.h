#pragma once
// What a store backup holds, and the checks a restore makes before it switches anything in.
// A backup is a ustar archive (tar_archive.h) of one consistent generation:
//   trustctl-backup/format                  the store format it was taken from
//   trustctl-backup/objects/<sha256>.der    every certificate the generation references
//   trustctl-backup/keys/<spki-sha256>.pem  every identity key it references
//   trustctl-backup/ca/<name>/*-key.pem     every built-in CA's keys, still encrypted
//   trustctl-backup/generation/...          state.json, audit.json, connectors/<name>/...
// Store::backup and Store::restore (store.h) do the I/O; this file is pure.

#include <string>

#include "truststore/error.h"
#include "truststore/store_state.h"
#include "truststore/tar_archive.h"

namespace trustctl::truststore {

inline constexpr const char* kBackupRoot = "trustctl-backup/";
// Bounds on what a restore reads: far above any real store (10,000 anchors are ~15 MiB per
// connector), still bounded.
inline constexpr std::size_t kMaxBackupBytes = 1024u * 1024u * 1024u;
inline constexpr std::size_t kMaxBackupFiles = 1000000;
inline constexpr std::size_t kMaxBackupFileBytes = 256u * 1024u * 1024u;

struct BackupContent {
  StoreState state;
  TarFiles objects;     // "<sha256>.der" -> DER
  TarFiles keys;        // "<id>.pem" -> PEM
  TarFiles ca_keys;     // "<ca>/root-key.pem", "<ca>/issuing-key.pem" -> encrypted PEM
  TarFiles generation;  // path below the generation folder -> content
};

// Checks a read archive: format readable by this trustctl, state.json parses, every object
// parses and hashes to its name, every referenced object and key is present (keys parse and
// match their id), every connector's runtime files are there. Fails with BackupInvalid (one
// line naming `label` and what is missing) or StoreTooNew.
Result<BackupContent> validateBackup(TarFiles files, const std::string& label);

}  // namespace trustctl::truststore
