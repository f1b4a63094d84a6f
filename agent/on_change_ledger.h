#pragma once
// The one change detector behind on_change, shared by every trustctl process: the agent and a
// `trustctl apply` run by hand. It remembers, per connector, the content its on_change last
// fired for (trustFingerprint: the trusted certificates, the identity's certificates and key)
// in <store>/on-change-state.json, written atomically, and decides and runs under an flock of
// <store>/on-change.lock, so one change fires once whoever made it and whoever sees it first.
// Server certificates have their own section of the same ledger (their entry's certificates
// and key). It does not watch: callers call it after they changed the store or when they look at
// it.

#include <functional>
#include <string>
#include <vector>

#include "agent/on_change.h"
#include "config/config_file.h"
#include "truststore/store.h"

namespace trustctl::agent {

struct OnChangeFired {
  std::string connector;  // or the server certificate's name
  int timeout_seconds = 0;
  OnChangeResult result;
  bool server_cert = false;
};

class OnChangeLedger {
 public:
  explicit OnChangeLedger(const truststore::Store& store);

  // When the store has no ledger yet (first run, or an older trustctl made the store): records
  // `before` (the state before this process changes anything) as already fired, so connectors
  // that this change creates or alters fire and the ones already there do not. Fails with Io.
  Result<void> seedIfMissing(const truststore::StoreState& before);

  // For each connector of `state` that `specs` names and whose content differs from what the
  // ledger recorded: runs its on_change (when it has one; each bounded by its timeout) and
  // records the content. Connectors `specs` does not name are left for a process whose config
  // names them. Waits at most `lock_timeout` for another process that is running on_change;
  // fails with StoreLocked then, or with Io.
  Result<std::vector<OnChangeFired>> fireChanged(const truststore::StoreState& state,
                                                 const std::vector<config::ConnectorSpec>& specs,
                                                 std::chrono::milliseconds lock_timeout);
  // The same for server certificates: when the certificate or key a [server_certs.NAME] of
  // `specs` serves changed (a new upload, a re-issue, a renewal), its on_change runs once, with
  // TRUSTCTL_SERVER_CERT and TRUSTCTL_SERVER_CERT_DIR (the stable folder of its files).
  Result<std::vector<OnChangeFired>> fireServerCertsChanged(
      const truststore::StoreState& state, const std::vector<config::ServerCertSpec>& specs,
      std::chrono::milliseconds lock_timeout);

 private:
  const truststore::Store& store_;
};

}  // namespace trustctl::agent
