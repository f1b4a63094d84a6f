#include "truststore/tar_archive.h"

#include <algorithm>
#include <cstdio>
#include <cstring>

namespace trustctl::truststore {

namespace {

constexpr std::size_t kBlock = 512;

// ustar header fields: offset and length.
constexpr std::size_t kName = 0, kNameLen = 100, kMode = 100, kUid = 108, kGid = 116, kSize = 124,
                      kMtime = 136, kChksum = 148, kType = 156, kMagic = 257, kVersion = 263,
                      kPrefix = 345, kPrefixLen = 155;

// len-1 octal digits, zero-padded, then a NUL, as ustar writers do. The caller keeps `value`
// within len-1 digits (sizes are bounded far below 8 GiB).
void putOctal(char* field, std::size_t len, unsigned long long value) {
  for (std::size_t i = len - 1; i-- > 0;) {
    field[i] = static_cast<char>('0' + (value & 7));
    value >>= 3;
  }
  field[len - 1] = '\0';
}

bool getOctal(const char* field, std::size_t len, unsigned long long* out) {
  unsigned long long v = 0;
  std::size_t i = 0;
  while (i < len && field[i] == ' ') {
    ++i;
  }
  bool any = false;
  for (; i < len && field[i] >= '0' && field[i] <= '7'; ++i) {
    if (v > (~0ULL >> 3)) {
      return false;
    }
    v = v * 8 + static_cast<unsigned>(field[i] - '0');
    any = true;
  }
  for (; i < len; ++i) {
    if (field[i] != '\0' && field[i] != ' ') {
      return false;
    }
  }
  *out = v;
  return any;
}

unsigned long long checksum(const char* header) {
  unsigned long long sum = 0;
  for (std::size_t i = 0; i < kBlock; ++i) {
    bool in_field = i >= kChksum && i < kChksum + 8;
    sum += in_field ? static_cast<unsigned char>(' ') : static_cast<unsigned char>(header[i]);
  }
  return sum;
}

std::string field(const char* p, std::size_t len) {
  return std::string(p, strnlen(p, len));
}

Error invalid(const std::string& label, const std::string& what) {
  return Error{ErrorCode::BackupInvalid,
               label + ": " + what + "; it is not a complete trustctl backup, use another copy"};
}

}  // namespace

bool isSafeArchivePath(std::string_view path) {
  if (path.empty() || path.front() == '/' || path.back() == '/') {
    return false;
  }
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t end = path.find('/', start);
    if (end == std::string_view::npos) {
      end = path.size();
    }
    std::string_view part = path.substr(start, end - start);
    if (part.empty() || part == "." || part == "..") {
      return false;
    }
    for (char c : part) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                c == '.' || c == '_' || c == '-' || c == '+';  // '+': a scope's CA folder
      if (!ok) {
        return false;
      }
    }
    start = end + 1;
  }
  return true;
}

Result<std::string> writeTar(const TarFiles& files, unsigned mode) {
  std::string out;
  for (const auto& [name, data] : files) {
    if (!isSafeArchivePath(name)) {
      return fail(ErrorCode::InvalidArgument, name + ": not a name a backup may hold");
    }
    char header[kBlock] = {};
    if (name.size() < kNameLen) {
      std::memcpy(header + kName, name.data(), name.size());
    } else {
      std::size_t split = name.rfind('/', kPrefixLen);
      if (split == std::string::npos || name.size() - split - 1 >= kNameLen) {
        return fail(ErrorCode::InvalidArgument, name + ": too long for a backup archive");
      }
      std::memcpy(header + kPrefix, name.data(), split);
      std::memcpy(header + kName, name.data() + split + 1, name.size() - split - 1);
    }
    putOctal(header + kMode, 8, mode);
    putOctal(header + kUid, 8, 0);
    putOctal(header + kGid, 8, 0);
    putOctal(header + kSize, 12, data.size());
    putOctal(header + kMtime, 12, 0);
    header[kType] = '0';
    std::memcpy(header + kMagic, "ustar", 6);
    std::memcpy(header + kVersion, "00", 2);
    putOctal(header + kChksum, 7, checksum(header));
    header[kChksum + 7] = ' ';
    out.append(header, kBlock);
    out += data;
    out.append((kBlock - data.size() % kBlock) % kBlock, '\0');
  }
  out.append(2 * kBlock, '\0');
  return out;
}

Result<TarFiles> readTar(std::string_view archive, const std::string& label, std::size_t max_files,
                         std::size_t max_file_bytes) {
  TarFiles files;
  std::size_t pos = 0;
  for (;;) {
    if (pos + kBlock > archive.size()) {
      return tl::unexpected(invalid(label, "ends before its end-of-archive marker"));
    }
    const char* header = archive.data() + pos;
    if (std::all_of(header, header + kBlock, [](char c) { return c == '\0'; })) {
      return files;
    }
    unsigned long long sum = 0, size = 0;
    if (!getOctal(header + kChksum, 8, &sum) || sum != checksum(header)) {
      return tl::unexpected(invalid(label, "has a damaged header at byte " + std::to_string(pos)));
    }
    if (std::memcmp(header + kMagic, "ustar", 5) != 0 || !getOctal(header + kSize, 12, &size)) {
      return tl::unexpected(invalid(label, "is not a ustar archive"));
    }
    std::string prefix = field(header + kPrefix, kPrefixLen);
    std::string name = (prefix.empty() ? "" : prefix + "/") + field(header + kName, kNameLen);
    while (!name.empty() && name.back() == '/') {
      name.pop_back();
    }
    char type = header[kType];
    if (!isSafeArchivePath(name)) {
      return tl::unexpected(invalid(label, "holds the unsafe name '" + name.substr(0, 120) + "'"));
    }
    if (type != '0' && type != '\0' && type != '5') {
      return tl::unexpected(invalid(label, name + " is a link or special file"));
    }
    if (size > max_file_bytes || size > archive.size() - pos - kBlock) {
      return tl::unexpected(invalid(label, name + " is larger than the archive or the limit"));
    }
    pos += kBlock;
    if (type != '5') {
      if (files.size() >= max_files) {
        return tl::unexpected(invalid(label, "holds more files than a store backup can"));
      }
      if (!files.emplace(name, std::string(archive.substr(pos, size))).second) {
        return tl::unexpected(invalid(label, "holds " + name + " twice"));
      }
    }
    pos += (size + kBlock - 1) / kBlock * kBlock;
  }
}

}  // namespace trustctl::truststore
