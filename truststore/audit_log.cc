#include "truststore/audit_log.h"

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include <nlohmann/json.hpp>

#include "truststore/file_util.h"

namespace trustctl::truststore {

Result<void> appendAudit(const std::string& store_dir, const std::vector<AuditRecord>& records) {
  std::string text;
  for (const auto& r : records) {
    nlohmann::json j{{"time", formatRfc3339(r.time)},
                     {"user", r.user},
                     {"action", r.action},
                     {"subject", r.subject},
                     {"fingerprint", r.fingerprint},
                     {"detail", r.detail},
                     {"generation", r.generation}};
    text += j.dump() + "\n";
  }
  std::string path = store_dir + "/audit.log";
  int fd = ::open(path.c_str(), O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) {
    return fail(ErrorCode::Io, path + ": cannot open the audit log: " + std::strerror(errno));
  }
  ssize_t n = ::write(fd, text.data(), text.size());
  ::fsync(fd);
  ::close(fd);
  if (n != static_cast<ssize_t>(text.size())) {
    return fail(ErrorCode::Io, path + ": could not append to the audit log");
  }
  return {};
}

Result<std::vector<AuditRecord>> readAudit(const std::string& store_dir) {
  std::string path = store_dir + "/audit.log";
  std::vector<AuditRecord> out;
  if (!pathExists(path)) {
    return out;
  }
  auto text = readWholeFile(path);
  if (!text) {
    return tl::unexpected(text.error());
  }
  std::istringstream in(*text);
  std::string line;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object()) {
      continue;
    }
    AuditRecord r;
    r.time = parseInstant(j.value("time", "")).value_or(0);
    r.user = j.value("user", "");
    r.action = j.value("action", "");
    r.subject = j.value("subject", "");
    r.fingerprint = j.value("fingerprint", "");
    r.detail = j.value("detail", "");
    r.generation = j.value("generation", std::uint64_t{0});
    out.push_back(std::move(r));
  }
  return out;
}

std::string currentUserName() {
  std::string name;
  if (const passwd* pw = ::getpwuid(::geteuid())) {
    name = pw->pw_name;
  } else {
    name = "uid " + std::to_string(::geteuid());
  }
  if (const char* sudo = std::getenv("SUDO_USER")) {
    name += std::string(" (sudo: ") + sudo + ")";
  }
  return name;
}

}  // namespace trustctl::truststore
