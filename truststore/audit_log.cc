#include "truststore/audit_log.h"

#include <fcntl.h>
#include <pwd.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <sstream>

#include <nlohmann/json.hpp>

#include "truststore/file_util.h"
#include "truststore/store_faults.h"
#include "truststore/store_files.h"

namespace trustctl::truststore {

namespace {

using nlohmann::json;

// A generation's records are appended as one batch; each line says its place in the batch,
// so a batch torn by a crash is completed from audit.json rather than repeated or lost.
struct LogPosition {
  std::uint64_t generation = 0;
  std::size_t next_index = 0;  // first record of `generation` the log lacks
  std::size_t count = 0;
};

constexpr std::size_t kTailBytes = 64 * 1024;  // far more than one line
constexpr int kMaxChain = 100000;              // a parent loop in damaged files still ends

json recordToJson(const AuditRecord& r) {
  return json{{"time", formatRfc3339(r.time)},
              {"user", r.user},
              {"action", r.action},
              {"subject", r.subject},
              {"fingerprint", r.fingerprint},
              {"detail", r.detail},
              {"generation", r.generation}};
}

AuditRecord recordFromJson(const json& j) {
  AuditRecord r;
  r.time = parseInstant(j.value("time", "")).value_or(0);
  r.user = j.value("user", "");
  r.action = j.value("action", "");
  r.subject = j.value("subject", "");
  r.fingerprint = j.value("fingerprint", "");
  r.detail = j.value("detail", "");
  r.generation = j.value("generation", std::uint64_t{0});
  return r;
}

// Where a log line leaves the log; lines of the first layout carry no index: whole batches.
void advance(LogPosition& pos, const json& j) {
  pos.generation = j.value("generation", std::uint64_t{0});
  pos.count = j.value("count", std::size_t{1});
  pos.next_index = j.value("index", pos.count - 1) + 1;
}

struct GenerationAudit {
  std::uint64_t parent = 0;
  std::vector<AuditRecord> records;
};

Result<GenerationAudit> loadGenerationAudit(const std::string& store_dir, std::uint64_t gen) {
  std::string path = store_dir + "/generations/" + std::to_string(gen) + "/" + kGenerationAuditFile;
  auto text = readWholeFile(path);
  if (!text) {
    return tl::unexpected(text.error());
  }
  auto j = json::parse(*text, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("records") || !j["records"].is_array()) {
    return fail(ErrorCode::StoreCorrupt, path + ": not a trustctl audit file");
  }
  GenerationAudit out;
  out.parent = j.value("parent", std::uint64_t{0});
  for (const auto& r : j["records"]) {
    if (r.is_object()) {
      out.records.push_back(recordFromJson(r));
    }
  }
  return out;
}

// The records the log lacks: the rest of a torn batch, then whole generations from the oldest
// one past `pos` to `current`, following parents (an abandoned generation is never on the way).
std::vector<std::pair<AuditRecord, std::pair<std::size_t, std::size_t>>> pendingRecords(
    const std::string& store_dir, std::uint64_t current, const LogPosition& pos) {
  std::vector<std::vector<AuditRecord>> chain;
  std::uint64_t g = current;
  for (int steps = 0; g != 0 && g > pos.generation && steps < kMaxChain; ++steps) {
    auto audit = loadGenerationAudit(store_dir, g);
    if (!audit || audit->parent >= g) {
      break;  // a first-layout generation (no audit.json): its records were logged then
    }
    chain.push_back(std::move(audit->records));
    g = audit->parent;
  }
  bool partial = false;
  if (g != 0 && g == pos.generation && pos.next_index < pos.count) {
    if (auto audit = loadGenerationAudit(store_dir, g)) {
      partial = true;
      auto& rest = audit->records;
      rest.erase(rest.begin(),
                 rest.begin() + static_cast<std::ptrdiff_t>(std::min(pos.next_index, rest.size())));
      chain.push_back(std::move(rest));
    }
  }
  std::vector<std::pair<AuditRecord, std::pair<std::size_t, std::size_t>>> out;
  for (auto it = chain.rbegin(); it != chain.rend(); ++it) {
    std::size_t count = it->size(), first = 0;
    if (partial && it == chain.rbegin()) {
      count = pos.count;
      first = pos.next_index;
    }
    for (std::size_t i = 0; i < it->size(); ++i) {
      out.push_back({(*it)[i], {first + i, count}});
    }
  }
  return out;
}

}  // namespace

std::string serializeGenerationAudit(std::uint64_t generation, std::uint64_t parent,
                                     const std::vector<AuditRecord>& records) {
  json list = json::array();
  for (const auto& r : records) {
    list.push_back(recordToJson(r));
  }
  return json{{"generation", generation}, {"parent", parent}, {"records", list}}.dump(1) + "\n";
}

Result<void> replayAudit(const std::string& store_dir, std::uint64_t current) {
  std::string path = store_dir + "/audit.log";
  auto fd = openStoreFile(path, O_RDWR | O_APPEND);
  if (!fd) {
    return tl::unexpected(fd.error());
  }
  struct Closer {
    int fd;
    ~Closer() { ::close(fd); }
  } closer{*fd};
  struct stat st {};
  ::fstat(*fd, &st);
  std::size_t tail_size = std::min(static_cast<std::size_t>(st.st_size), kTailBytes);
  std::string tail(tail_size, '\0');
  ssize_t got = ::pread(*fd, tail.data(), tail_size, st.st_size - static_cast<off_t>(tail_size));
  tail.resize(got > 0 ? static_cast<std::size_t>(got) : 0);
  LogPosition pos;
  // The last complete line that parses says where the log is.
  std::size_t end = tail.rfind('\n');
  while (end != std::string::npos && end > 0) {
    std::size_t start = tail.rfind('\n', end - 1);
    start = start == std::string::npos ? 0 : start + 1;
    auto j = json::parse(tail.substr(start, end - start), nullptr, false);
    if (j.is_object() && j.contains("generation")) {
      advance(pos, j);
      break;
    }
    end = start == 0 ? std::string::npos : start - 1;
  }
  std::string text = !tail.empty() && tail.back() != '\n' ? "\n" : "";
  for (const auto& [record, place] : pendingRecords(store_dir, current, pos)) {
    json j = recordToJson(record);
    j["index"] = place.first;
    j["count"] = place.second;
    text += j.dump() + "\n";
  }
  if (text.empty()) {
    return {};
  }
  if (auto r = faultPoint("audit-log", path); !r) {
    return r;
  }
  ssize_t n = ::write(*fd, text.data(), text.size());
  if (n != static_cast<ssize_t>(text.size()) || ::fsync(*fd) != 0) {
    return fail(ErrorCode::Io, path + ": could not append to the audit log: " +
                                   std::strerror(errno) + "; the next change appends it again");
  }
  return {};
}

Result<std::vector<AuditRecord>> readAudit(const std::string& store_dir, std::uint64_t current) {
  std::string path = store_dir + "/audit.log";
  std::vector<AuditRecord> out;
  LogPosition pos;
  if (pathExists(path)) {
    auto text = readWholeFile(path);
    if (!text) {
      return tl::unexpected(text.error());
    }
    std::istringstream in(*text);
    std::string line;
    while (std::getline(in, line)) {
      auto j = json::parse(line, nullptr, false);
      if (j.is_discarded() || !j.is_object()) {
        continue;
      }
      advance(pos, j);
      out.push_back(recordFromJson(j));
    }
  }
  for (auto& pending : pendingRecords(store_dir, current, pos)) {
    out.push_back(std::move(pending.first));
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
