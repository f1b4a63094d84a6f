#include "agent/on_change_ledger.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <thread>

#include <nlohmann/json.hpp>

#include "agent/fleet_probe.h"
#include "truststore/file_util.h"

namespace trustctl::agent {

namespace {

std::string ledgerPath(const truststore::Store& store) {
  return store.dir() + "/on-change-state.json";
}

// Closes (and so unlocks) on destruction.
struct LedgerLock {
  int fd = -1;
  ~LedgerLock() {
    if (fd >= 0) {
      close(fd);
    }
  }
};

Result<void> lockLedger(const truststore::Store& store, LedgerLock& lock,
                        std::chrono::milliseconds timeout) {
  std::string path = store.dir() + "/on-change.lock";
  lock.fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
  if (lock.fd < 0) {
    return tl::unexpected(Error{ErrorCode::Io, path + ": cannot open the on_change lock"});
  }
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (flock(lock.fd, LOCK_EX | LOCK_NB) != 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      return tl::unexpected(Error{
          ErrorCode::StoreLocked,
          path + ": another trustctl is running on_change commands; they see this change too"});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return {};
}

std::map<std::string, std::string> fingerprints(const truststore::StoreState& state) {
  std::map<std::string, std::string> out;
  for (const auto& [name, connector] : state.connectors) {
    out[name] = trustFingerprint(state, connector);
  }
  return out;
}

Result<std::map<std::string, std::string>> readLedger(const truststore::Store& store) {
  std::map<std::string, std::string> out;
  if (!truststore::pathExists(ledgerPath(store))) {
    return out;
  }
  auto text = truststore::readWholeFile(ledgerPath(store));
  if (!text) {
    return tl::unexpected(text.error());
  }
  // A damaged ledger is rebuilt: at worst each connector fires once more.
  auto json = nlohmann::json::parse(*text, nullptr, false);
  if (json.is_object() && json.contains("connectors") && json["connectors"].is_object()) {
    for (const auto& [name, fp] : json["connectors"].items()) {
      if (fp.is_string()) {
        out[name] = fp.get<std::string>();
      }
    }
  }
  return out;
}

Result<void> writeLedger(const truststore::Store& store,
                         const std::map<std::string, std::string>& fired) {
  nlohmann::json json = {{"connectors", fired}};
  return truststore::writeFileAtomic(ledgerPath(store), json.dump(1) + "\n", 0644);
}

}  // namespace

OnChangeLedger::OnChangeLedger(const truststore::Store& store) : store_(store) {}

Result<void> OnChangeLedger::seedIfMissing(const truststore::StoreState& before) {
  // A store never written has nothing to seed: everything the first apply creates fires.
  if (!truststore::pathExists(store_.dir()) || truststore::pathExists(ledgerPath(store_))) {
    return {};
  }
  LedgerLock lock;
  if (auto locked = lockLedger(store_, lock, std::chrono::seconds(10)); !locked) {
    return locked;
  }
  if (truststore::pathExists(ledgerPath(store_))) {
    return {};  // another process seeded it while we waited
  }
  return writeLedger(store_, fingerprints(before));
}

Result<std::vector<OnChangeFired>> OnChangeLedger::fireChanged(
    const truststore::StoreState& state, const std::vector<config::ConnectorSpec>& specs,
    std::chrono::milliseconds lock_timeout) {
  std::vector<OnChangeFired> out;
  auto now = fingerprints(state);
  // Most calls find nothing changed: compare without the lock first, then decide under it.
  auto unlocked = readLedger(store_);
  bool any = false;
  for (const auto& spec : specs) {
    auto it = now.find(spec.name);
    any = any || (it != now.end() && (!unlocked || (*unlocked)[spec.name] != it->second));
  }
  if (!any) {
    return out;
  }
  LedgerLock lock;
  if (auto locked = lockLedger(store_, lock, lock_timeout); !locked) {
    return tl::unexpected(locked.error());
  }
  auto fired = readLedger(store_);
  if (!fired) {
    return tl::unexpected(fired.error());
  }
  bool changed = false;
  for (const auto& spec : specs) {
    auto it = now.find(spec.name);
    if (it == now.end() || (*fired)[spec.name] == it->second) {
      continue;
    }
    if (!spec.on_change.empty()) {
      out.push_back({spec.name, spec.on_change_timeout_seconds,
                     runOnChange(spec.on_change, spec.name, store_.connectorPath(spec.name),
                                 spec.on_change_timeout_seconds)});
    }
    (*fired)[spec.name] = it->second;
    changed = true;
  }
  for (auto it = fired->begin(); it != fired->end();) {
    it = now.count(it->first) ? std::next(it) : fired->erase(it);  // removed connectors
  }
  if (changed) {
    if (auto written = writeLedger(store_, *fired); !written) {
      return tl::unexpected(written.error());
    }
  }
  return out;
}

}  // namespace trustctl::agent
