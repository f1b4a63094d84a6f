#pragma once
// A config file's bytes, read with the checks that must come before any parsing: it is a
// regular file (a directory or a FIFO is not a config, and must not read as an empty one), it
// is at most kMaxConfigBytes, and its shape (keys, nesting) is bounded, so a hostile or broken
// file is refused with one located line instead of exhausting the parser's stack. It also
// remembers who may write the file, for the on_change check. It does not parse TOML.

#include <sys/types.h>

#include <cstddef>
#include <string>
#include <string_view>

#include "truststore/error.h"
#include "truststore/file_util.h"

namespace trustctl::config {

// A config is a few kilobytes; the shared cap leaves room for a large fleet, none for abuse.
inline constexpr std::size_t kMaxConfigBytes = truststore::kMaxConfigFileBytes;
// trustctl's schema needs 4 levels ([connectors.NAME] key = [array]); 16 is generous.
inline constexpr int kMaxConfigDepth = 16;
// Keys and table headers together; a fleet of 2000 connectors needs about 20000.
inline constexpr int kMaxConfigKeys = 50000;

struct ConfigSource {
  std::string path;
  std::string text;
  mode_t mode = 0;  // permission bits of the file as opened
  uid_t owner = 0;
};

// Opens `path` once (so the checks and the bytes are of the same file) and reads it.
// Fails with FileNotFound, IsDirectory, NotARegularFile, ConfigInvalid (unreadable, over
// kMaxConfigBytes); never blocks on a FIFO.
Result<ConfigSource> readConfigSource(const std::string& path);

// Scans `text` without parsing it and fails with ConfigInvalid at file:line:column when it has
// more than kMaxConfigKeys keys or nests deeper than kMaxConfigDepth (dotted keys, table
// headers, arrays and inline tables all count). Malformed TOML is left to the parser.
Result<void> checkConfigShape(const std::string& path, std::string_view text);

// A file whose commands run as this process's user must be writable by nobody else: fails
// with ConfigUnsafe when it is group- or world-writable or owned by a user other than root
// and the running user. `why` says what makes it sensitive ("it has on_change commands").
Result<void> checkOnlyOwnerWrites(const ConfigSource& source, const std::string& why);

}  // namespace trustctl::config
