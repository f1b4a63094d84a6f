#include "agent/server_cert_renew.h"

#include <map>
#include <mutex>

#include <spdlog/spdlog.h>

#include "truststore/ca_issuer.h"
#include "truststore/ca_key_file.h"
#include "truststore/scope.h"
#include "truststore/secret_wipe.h"

namespace trustctl::agent {

namespace {

struct Issuer {
  truststore::CertificatePtr issuing;
  truststore::PrivateKeyPtr key;
};

// The CA's current issuing certificate and its decrypted key.
Result<Issuer> openIssuer(const truststore::Store& store, const truststore::StoreState& state,
                          const std::string& ca_name, const std::string& passphrase) {
  if (state.cas.count(ca_name) == 0) {
    return fail(ErrorCode::EntryNotFound,
                "its built-in CA '" + ca_name + "' no longer exists; issue a new certificate");
  }
  auto ca = truststore::openCaIssuer(store, state, ca_name, passphrase);
  if (!ca) {
    return tl::unexpected(ca.error());
  }
  return Issuer{ca->issuing, ca->key};
}

std::string leafSha(const truststore::StoreState& state, const std::string& name) {
  const truststore::Entry* e = state.findEntry(state.server_certs.at(name).entry);
  return e != nullptr && !e->certificates.empty() ? e->certificates.front() : "";
}

RenewOutcome renewOne(truststore::Store& store, const truststore::UpdateOptions& options,
                      const truststore::StoreState& state, const truststore::RenewalDue& due,
                      const Issuer& issuer, UnixTime now) {
  RenewOutcome out{due.name, due.issuer, false, "", 0, {}};
  auto request = truststore::renewalRequest(state.server_certs.at(due.name), now);
  // Key generation and signing happen before the lock: the transaction only swaps records.
  auto leaf = truststore::issueLeaf(*issuer.issuing, *issuer.key, request);
  if (!leaf) {
    out.error = leaf.error();
    return out;
  }
  std::string expected = leafSha(state, due.name);
  auto generation = store.update(options, [&](truststore::Transaction& tx) {
    return truststore::applyRenewal(tx, due.name, *leaf, issuer.issuing, expected);
  });
  if (!generation) {
    out.error = generation.error();
    return out;
  }
  out.renewed = true;
  out.sha256 = leaf->cert->sha256();
  out.not_after = leaf->cert->info().not_after;
  return out;
}

}  // namespace

std::vector<RenewOutcome> renewServerCerts(truststore::Store& store,
                                           const truststore::UpdateOptions& options,
                                           const std::vector<truststore::RenewalDue>& due,
                                           const std::string& passphrase_file, UnixTime now) {
  std::vector<RenewOutcome> out;
  if (due.empty()) {
    return out;
  }
  auto fail_all = [&](const Error& e) {
    for (const auto& d : due) {
      out.push_back({d.name, d.issuer, false, "", 0, e});
    }
    return out;
  };
  auto snapshot = store.load();
  if (!snapshot) {
    return fail_all(snapshot.error());
  }
  auto passphrase = truststore::readCaPassphrase(passphrase_file);
  if (!passphrase) {
    return fail_all(passphrase.error());
  }
  std::map<std::string, Result<Issuer>> issuers;  // each CA's key is derived once
  for (const auto& d : due) {
    if (issuers.count(d.issuer) == 0) {
      issuers.emplace(d.issuer, openIssuer(store, snapshot->state, d.issuer, *passphrase));
    }
  }
  truststore::wipeSecret(*passphrase);
  for (const auto& d : due) {
    const auto& issuer = issuers.at(d.issuer);
    if (!issuer) {
      out.push_back({d.name, d.issuer, false, "", 0, issuer.error()});
      continue;
    }
    out.push_back(renewOne(store, options, snapshot->state, d, *issuer, now));
  }
  return out;
}

int renewDueServerCerts(truststore::Store& store, const std::string& passphrase_file,
                        UnixTime now) {
  auto snapshot = store.load();
  if (!snapshot) {
    return 0;  // the cycle reports an unreadable store itself
  }
  auto due = truststore::renewalDue(snapshot->state, {}, now);
  if (due.empty()) {
    return 0;
  }
  // A failure repeats every cycle until it is fixed: one line per distinct failure.
  static std::mutex mutex;
  static std::map<std::string, std::string> last_error;
  truststore::UpdateOptions options;
  options.now = now;
  int renewed = 0;
  for (const auto& r : renewServerCerts(store, options, due, passphrase_file, now)) {
    std::lock_guard<std::mutex> lock(mutex);
    if (r.renewed) {
      ++renewed;
      last_error.erase(r.name);
      spdlog::info("renewed server certificate {} (CA {}): sha256 {}, expires {}", r.name, r.issuer,
                   r.sha256, formatRfc3339(r.not_after));
    } else if (last_error[r.name] != r.error.message) {
      last_error[r.name] = r.error.message;
      spdlog::error("renewing server certificate {} (CA {}) failed, retried next cycle: {}", r.name,
                    r.issuer, r.error.message);
    }
  }
  return renewed;
}

}  // namespace trustctl::agent
