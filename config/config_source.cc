#include "config/config_source.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <vector>

namespace trustctl::config {

namespace {

std::string octal(mode_t mode) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%04o", static_cast<unsigned>(mode & 07777));
  return buf;
}

std::string userName(uid_t uid) {
  const passwd* pw = ::getpwuid(uid);
  std::string id = "uid " + std::to_string(uid);
  return pw != nullptr ? id + " (" + pw->pw_name + ")" : id;
}

// A TOML lexer reduced to what bounds the parser's work: where keys, headers, strings,
// arrays and inline tables start and end. It trusts the parser to reject malformed input,
// so on anything unexpected it just moves on.
class ShapeScanner {
 public:
  ShapeScanner(const std::string& path, std::string_view text) : path_(path), t_(text) {}

  Result<void> run() {
    while (i_ < t_.size() && error_.empty()) {
      lineStart();
    }
    if (!error_.empty()) {
      return fail(ErrorCode::ConfigInvalid, error_);
    }
    return {};
  }

 private:
  char peek(size_t ahead = 0) const { return i_ + ahead < t_.size() ? t_[i_ + ahead] : '\0'; }
  void advance() {
    if (t_[i_] == '\n') {
      ++line_;
      line_start_ = i_ + 1;
    }
    ++i_;
  }
  void problem(const std::string& what) {
    if (error_.empty()) {
      error_ = path_ + ":" + std::to_string(line_) + ":" + std::to_string(i_ - line_start_ + 1) +
               ": " + what;
    }
  }
  void checkDepth(int depth) {
    if (depth > kMaxConfigDepth) {
      problem("nested more than " + std::to_string(kMaxConfigDepth) +
              " levels deep (dotted keys, tables, arrays); a trustctl config needs 4");
    }
  }
  void countKey() {
    if (++keys_ > kMaxConfigKeys) {
      problem("more than " + std::to_string(kMaxConfigKeys) +
              " keys; a trustctl config is never that large, check that this is the right file");
    }
  }
  void skipComment() {
    while (i_ < t_.size() && peek() != '\n') {
      advance();
    }
  }
  // At a quote: skips the string, multi-line ones included.
  void skipString() {
    char q = peek();
    bool multi = peek(1) == q && peek(2) == q;
    size_t quotes = multi ? 3 : 1;
    for (size_t k = 0; k < quotes; ++k) {
      advance();
    }
    while (i_ < t_.size()) {
      char c = peek();
      if (c == '\\' && q == '"') {
        advance();
        if (i_ < t_.size()) {
          advance();
        }
        continue;
      }
      if (c == '\n' && !multi) {
        return;  // unterminated: the parser says so
      }
      if (c == q && (!multi || (peek(1) == q && peek(2) == q))) {
        for (size_t k = 0; k < quotes; ++k) {
          advance();
        }
        return;
      }
      advance();
    }
  }
  // A dotted key up to '=' (or the end of the line); returns how many parts it has.
  int key(char stop) {
    int parts = 1;
    while (i_ < t_.size() && error_.empty()) {
      char c = peek();
      if (c == '"' || c == '\'') {
        skipString();
        continue;
      }
      if (c == stop || c == '\n' || c == '#' || (stop == '=' && c == '}')) {
        return parts;
      }
      if (c == '.') {
        ++parts;
      }
      advance();
    }
    return parts;
  }
  void lineStart() {
    char c = peek();
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      advance();
      return;
    }
    if (c == '#') {
      skipComment();
      return;
    }
    if (c == '[') {
      advance();
      if (peek() == '[') {
        advance();
      }
      header_depth_ = key(']');
      checkDepth(header_depth_);
      countKey();
      skipComment();  // the rest of the header line; the parser checks it
      return;
    }
    size_t before = i_;
    keyValue(header_depth_);
    if (i_ == before) {
      advance();  // not a key: the parser will say what it is
    }
  }
  // `key = value` whose key starts at `base` levels; stops after the value.
  void keyValue(int base) {
    int depth = base + key('=');
    checkDepth(depth);
    if (peek() != '=') {
      return;
    }
    countKey();
    advance();
    value(depth);
  }
  // A value at `depth`, arrays and inline tables included, up to the end of its line.
  void value(int depth) {
    std::vector<std::pair<char, int>> open;  // '[' or '{', and the depth of its contents
    while (i_ < t_.size() && error_.empty()) {
      char c = peek();
      if (c == '"' || c == '\'') {
        skipString();
      } else if (c == '#') {
        skipComment();
      } else if (c == '\n' && open.empty()) {
        return;
      } else if (c == '[' || c == '{') {
        int inner = (open.empty() ? depth : open.back().second) + 1;
        checkDepth(inner);
        open.emplace_back(c, inner);
        advance();
        if (c == '{') {
          inlineKey(inner - 1);
        }
      } else if (c == ']' || c == '}') {
        if (!open.empty()) {
          open.pop_back();
        }
        advance();
        if (open.empty()) {
          return;
        }
      } else if (c == ',' && !open.empty() && open.back().first == '{') {
        advance();
        inlineKey(open.back().second - 1);
      } else {
        advance();
      }
    }
  }
  // Inside an inline table at `base`: one `key = value`, nested values included.
  void inlineKey(int base) {
    while (peek() == ' ' || peek() == '\t') {
      advance();
    }
    if (peek() == '}') {
      return;
    }
    int depth = base + key('=');
    checkDepth(depth);
    if (peek() != '=') {
      return;
    }
    countKey();
    advance();
    while (peek() == ' ' || peek() == '\t') {
      advance();
    }
    if (peek() == '[' || peek() == '{') {
      value(depth);
    }
  }

  const std::string& path_;
  std::string_view t_;
  size_t i_ = 0;
  int line_ = 1;
  size_t line_start_ = 0;
  int header_depth_ = 0;
  int keys_ = 0;
  std::string error_;
};

}  // namespace

Result<ConfigSource> readConfigSource(const std::string& path) {
  // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY);
  if (fd < 0) {
    if (errno == ENOENT || errno == ENOTDIR) {
      return fail(ErrorCode::FileNotFound, path + ": config file not found; check the path");
    }
    return fail(ErrorCode::ConfigInvalid, path + ": cannot open the config file: " +
                                              std::strerror(errno) + "; check its permissions");
  }
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    bool dir = S_ISDIR(st.st_mode);
    ::close(fd);
    if (dir) {
      return fail(ErrorCode::IsDirectory,
                  path + ": is a directory, not a config file; give the .toml file");
    }
    return fail(ErrorCode::NotARegularFile,
                path + ": is not a regular file (a FIFO, socket or device); give the .toml file");
  }
  if (static_cast<unsigned long long>(st.st_size) > kMaxConfigBytes) {
    ::close(fd);
    return fail(ErrorCode::ConfigInvalid,
                path + ": " + std::to_string(st.st_size) + " bytes is over the " +
                    std::to_string(kMaxConfigBytes >> 20) +
                    " MiB limit of a config file; check that this is the right file");
  }
  ConfigSource out;
  out.path = path;
  out.mode = st.st_mode;
  out.owner = st.st_uid;
  char buf[1 << 16];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR) {
      continue;
    }
    if (n < 0) {
      std::string why = std::strerror(errno);
      ::close(fd);
      return fail(ErrorCode::ConfigInvalid, path + ": cannot read the config file: " + why);
    }
    if (n == 0) {
      break;
    }
    out.text.append(buf, static_cast<size_t>(n));
    // The file may grow between fstat and read; the cap holds on what is read.
    if (out.text.size() > kMaxConfigBytes) {
      ::close(fd);
      return fail(ErrorCode::ConfigInvalid, path + ": grew over the " +
                                                std::to_string(kMaxConfigBytes >> 20) +
                                                " MiB limit of a config file while being read");
    }
  }
  ::close(fd);
  return out;
}

Result<void> checkConfigShape(const std::string& path, std::string_view text) {
  return ShapeScanner(path, text).run();
}

Result<void> checkOnlyOwnerWrites(const ConfigSource& source, const std::string& why) {
  if ((source.mode & (S_IWGRP | S_IWOTH)) != 0) {
    return fail(ErrorCode::ConfigUnsafe,
                source.path + ": " + why + ", which run as " + userName(::geteuid()) +
                    ", but the file is writable by others (mode " + octal(source.mode) +
                    "); make it writable by its owner only: chmod go-w " + source.path);
  }
  if (source.owner != 0 && source.owner != ::geteuid()) {
    return fail(ErrorCode::ConfigUnsafe,
                source.path + ": " + why + ", which run as " + userName(::geteuid()) +
                    ", but the file is owned by " + userName(source.owner) +
                    "; give it to root or this user: chown root " + source.path);
  }
  // Whoever may rename entries in a folder above the file may swap the file itself, unless the
  // folder is sticky (like /tmp), where only the file's owner may.
  std::error_code ec;
  std::filesystem::path folder = std::filesystem::canonical(source.path, ec).parent_path();
  for (; !ec && !folder.empty(); folder = folder.parent_path()) {
    struct stat st {};
    if (::stat(folder.c_str(), &st) != 0) {
      break;
    }
    bool others_may_swap = (st.st_mode & (S_IWGRP | S_IWOTH)) != 0 && (st.st_mode & S_ISVTX) == 0;
    if (others_may_swap || (st.st_uid != 0 && st.st_uid != ::geteuid())) {
      return fail(ErrorCode::ConfigUnsafe,
                  source.path + ": " + why + ", which run as " + userName(::geteuid()) +
                      ", but its folder " + folder.string() + " can be changed by " +
                      (others_may_swap ? "other users (mode " + octal(st.st_mode) + ")"
                                       : userName(st.st_uid)) +
                      ", who could swap the file; keep the config in a folder only root or "
                      "this user may change (chmod go-w, chown root)");
    }
    if (folder == folder.root_path()) {
      break;
    }
  }
  return {};
}

}  // namespace trustctl::config
