#include "truststore/store_format.h"

#include <cctype>

#include "truststore/file_util.h"
#include "truststore/store_faults.h"
#include "truststore/store_files.h"

namespace trustctl::truststore {

Result<int> readStoreFormat(const std::string& dir) {
  std::string path = dir + "/format";
  if (!pathExists(path)) {
    bool has_data = pathExists(dir + "/current") || pathExists(dir + "/generations");
    return has_data ? 1 : 0;
  }
  auto text = readWholeFile(path);
  if (!text) {
    return tl::unexpected(text.error());
  }
  std::string digits = *text;
  while (!digits.empty() && (digits.back() == '\n' || digits.back() == ' ')) {
    digits.pop_back();
  }
  bool numeric = !digits.empty() && digits.size() <= 6;
  for (char c : digits) {
    numeric = numeric && std::isdigit(static_cast<unsigned char>(c)) != 0;
  }
  if (!numeric) {
    return fail(ErrorCode::StoreCorrupt, path + ": is not a store format number; write '" +
                                             std::to_string(kStoreFormat) +
                                             "' into it if this store was written by this "
                                             "trustctl, or restore a backup");
  }
  int format = std::stoi(digits);
  if (format > kStoreFormat) {
    return fail(ErrorCode::StoreTooNew,
                dir + ": written by a newer trustctl (store format " + std::to_string(format) +
                    ", this trustctl reads up to " + std::to_string(kStoreFormat) +
                    "); upgrade trustctl, nothing was changed");
  }
  return format;
}

Result<void> migrateStore(const std::string& dir) {
  auto format = readStoreFormat(dir);
  if (!format) {
    return tl::unexpected(format.error());
  }
  if (*format == kStoreFormat) {
    return {};
  }
  if (*format == 1) {
    applyStoreModes(dir);
  }
  std::string path = dir + "/format";
  if (auto r = faultPoint("format", path); !r) {
    return r;
  }
  return writeFileAtomic(path, std::to_string(kStoreFormat) + "\n", kStoreFileMode);
}

}  // namespace trustctl::truststore
