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
#include "truststore/server_cert.h"

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

// Per kind ("connectors", "server_certs"): name -> the content on_change last fired for.
using Fingerprints = std::map<std::string, std::string>;
using Ledger = std::map<std::string, Fingerprints>;
constexpr const char* kConnectors = "connectors";
constexpr const char* kServerCerts = "server_certs";

std::string serverFingerprint(const truststore::StoreState& state,
                              const truststore::ServerCert& server) {
  const truststore::Entry* e = state.findEntry(server.entry);
  if (e == nullptr) {
    return "";
  }
  std::string out = e->key_id;
  for (const auto& sha : e->certificates) {
    out += "," + sha;
  }
  return out;
}

Ledger fingerprints(const truststore::StoreState& state) {
  Ledger out{{kConnectors, {}}, {kServerCerts, {}}};
  for (const auto& [name, connector] : state.connectors) {
    out[kConnectors][name] = trustFingerprint(state, connector);
  }
  for (const auto& [name, server] : state.server_certs) {
    out[kServerCerts][name] = serverFingerprint(state, server);
  }
  return out;
}

Result<Ledger> readLedger(const truststore::Store& store) {
  Ledger out{{kConnectors, {}}, {kServerCerts, {}}};
  if (!truststore::pathExists(ledgerPath(store))) {
    return out;
  }
  auto text = truststore::readWholeFile(ledgerPath(store));
  if (!text) {
    return tl::unexpected(text.error());
  }
  // A damaged ledger is rebuilt: at worst each connector fires once more.
  auto json = nlohmann::json::parse(*text, nullptr, false);
  for (const char* kind : {kConnectors, kServerCerts}) {
    if (!json.is_object() || !json.contains(kind) || !json[kind].is_object()) {
      continue;
    }
    for (const auto& [name, fp] : json[kind].items()) {
      if (fp.is_string()) {
        out[kind][name] = fp.get<std::string>();
      }
    }
  }
  return out;
}

Result<void> writeLedger(const truststore::Store& store, const Ledger& fired) {
  nlohmann::json json = nlohmann::json::object();
  for (const auto& [kind, prints] : fired) {
    json[kind] = prints;
  }
  return truststore::writeFileAtomic(ledgerPath(store), json.dump(1) + "\n", 0644);
}

// One thing whose on_change may fire: its name, command, timeout and variables.
struct Watched {
  std::string name;
  std::string on_change;
  int timeout_seconds = 0;
  std::vector<std::pair<std::string, std::string>> env;
};

// fireChanged for one kind of the ledger.
Result<std::vector<OnChangeFired>> fireKind(const truststore::Store& store,
                                            const truststore::StoreState& state,
                                            const std::string& kind,
                                            const std::vector<Watched>& watched,
                                            std::chrono::milliseconds lock_timeout) {
  std::vector<OnChangeFired> out;
  Fingerprints now = fingerprints(state)[kind];
  // Most calls find nothing changed: compare without the lock first, then decide under it.
  auto unlocked = readLedger(store);
  bool any = false;
  for (const auto& w : watched) {
    auto it = now.find(w.name);
    any = any || (it != now.end() && (!unlocked || (*unlocked)[kind][w.name] != it->second));
  }
  if (!any) {
    return out;
  }
  LedgerLock lock;
  if (auto locked = lockLedger(store, lock, lock_timeout); !locked) {
    return tl::unexpected(locked.error());
  }
  auto ledger = readLedger(store);
  if (!ledger) {
    return tl::unexpected(ledger.error());
  }
  Fingerprints& fired = (*ledger)[kind];
  bool changed = false;
  for (const auto& w : watched) {
    auto it = now.find(w.name);
    if (it == now.end() || fired[w.name] == it->second) {
      continue;
    }
    if (!w.on_change.empty()) {
      out.push_back({w.name, w.timeout_seconds,
                     runOnChangeWith(w.on_change, w.env, w.timeout_seconds), kind == kServerCerts});
    }
    fired[w.name] = it->second;
    changed = true;
  }
  for (auto it = fired.begin(); it != fired.end();) {
    it = now.count(it->first) ? std::next(it) : fired.erase(it);  // removed ones
  }
  if (changed) {
    if (auto written = writeLedger(store, *ledger); !written) {
      return tl::unexpected(written.error());
    }
  }
  return out;
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
  std::vector<Watched> watched;
  for (const auto& spec : specs) {
    watched.push_back({spec.name,
                       spec.on_change,
                       spec.on_change_timeout_seconds,
                       {{"TRUSTCTL_CONNECTOR", spec.name},
                        {"TRUSTCTL_CONNECTOR_DIR", store_.connectorPath(spec.name)}}});
  }
  return fireKind(store_, state, kConnectors, watched, lock_timeout);
}

Result<std::vector<OnChangeFired>> OnChangeLedger::fireServerCertsChanged(
    const truststore::StoreState& state, const std::vector<config::ServerCertSpec>& specs,
    std::chrono::milliseconds lock_timeout) {
  std::vector<Watched> watched;
  for (const auto& spec : specs) {
    std::string dir = store_.serverCertPath(spec.name);
    watched.push_back({spec.name,
                       spec.on_change,
                       spec.on_change_timeout_seconds,
                       {{"TRUSTCTL_SERVER_CERT", spec.name}, {"TRUSTCTL_SERVER_CERT_DIR", dir}}});
  }
  return fireKind(store_, state, kServerCerts, watched, lock_timeout);
}

}  // namespace trustctl::agent
