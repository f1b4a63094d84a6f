#pragma once
// A minimal POSIX ustar archive of regular files, for store backups: enough to write what
// trustctl backs up and to read it back strictly. Reading accepts only regular files and
// folders with safe relative names, checks every header checksum and bounds every size; links,
// devices and anything else are refused, so an archive can never write outside its target.

#include <cstddef>
#include <map>
#include <string>
#include <string_view>

#include "truststore/error.h"

namespace trustctl::truststore {

// Path (relative, '/'-separated) -> content. Sorted, so archives of the same files are equal.
using TarFiles = std::map<std::string, std::string>;

// The archive of `files`, each with `mode`, owner 0 and time 0. Fails with InvalidArgument
// when a name is longer than ustar holds (255 bytes) or has an unsafe component.
Result<std::string> writeTar(const TarFiles& files, unsigned mode);
// The regular files of `archive` (folders are skipped). `label` names the archive in errors.
// Fails with BackupInvalid: bad checksum, truncated data, a link or special file, an unsafe
// name ("..", absolute, empty component), a duplicate, more than `max_files` files or a file
// over `max_file_bytes`.
Result<TarFiles> readTar(std::string_view archive, const std::string& label, std::size_t max_files,
                         std::size_t max_file_bytes);
// A relative path of components made of [A-Za-z0-9._-], none "." or "..".
bool isSafeArchivePath(std::string_view path);

}  // namespace trustctl::truststore
