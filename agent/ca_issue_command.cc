// trustctl ca issue: signs a leaf with a built-in CA's issuing key and imports it, with the
// issuing certificate and the new key, as an identity entry. The store is only written when
// the passphrase opened the key and the leaf was signed.
#include <cstdlib>
#include <iostream>

#include <CLI/CLI.hpp>

#include "agent/cli_context.h"
#include "agent/entry_view.h"
#include "truststore/builtin_ca.h"
#include "truststore/ca_issuer.h"
#include "truststore/ca_key_file.h"
#include "truststore/library.h"
#include "truststore/scope.h"
#include "truststore/secret_wipe.h"
#include "truststore/server_cert.h"

namespace trustctl::agent {

namespace {

struct LoadedCa {
  truststore::CertificatePtr issuing;
  truststore::PrivateKeyPtr key;
};

Result<LoadedCa> loadCa(CliContext& ctx, const std::string& ca_name,
                        const std::string& passphrase_file) {
  truststore::Store store = ctx.store();
  auto snapshot = store.load();
  if (!snapshot) {
    return tl::unexpected(snapshot.error());
  }
  std::string passphrase;
  if (auto p = truststore::readCaPassphrase(passphrase_file); !p) {
    return tl::unexpected(p.error());
  } else {
    passphrase = std::move(*p);
  }
  auto ca = truststore::openCaIssuer(store, snapshot->state, ca_name, passphrase);
  truststore::wipeSecret(passphrase);
  if (!ca) {
    return tl::unexpected(ca.error());
  }
  return LoadedCa{ca->issuing, ca->key};
}

}  // namespace

void runCaIssue(CliContext& ctx, const std::string& ca_name, truststore::LeafRequest request,
                const std::string& entry_name, const std::string& passphrase_file,
                bool server_cert) {
  if (!truststore::isValidName(entry_name)) {
    ctx.fail(truststore::invalidNameError("entry", entry_name));
    return;
  }
  if (server_cert && (request.profile != truststore::LeafProfile::TlsServer ||
                      request.dns.empty() || !truststore::isValidServerCertName(entry_name))) {
    ctx.fail({ErrorCode::InvalidArgument,
              "--server-cert: needs --profile tls-server, at least one --domain (the names it "
              "serves) and a --name of at most " +
                  std::to_string(truststore::kMaxServerCertNameLength) + " characters"});
    return;
  }
  // Before the passphrase is read: a bad --domain must not cost a key derivation.
  if (auto ok = truststore::checkLeafRequest(request); !ok) {
    ctx.fail(ok.error());
    return;
  }
  auto ca = loadCa(ctx, ca_name, passphrase_file);
  if (!ca) {
    ctx.fail(ca.error());
    return;
  }
  request.now = wallClockNow();
  // Tests only: a leaf of a few seconds makes renewal testable without waiting for a date.
  if (const char* s = std::getenv("TRUSTCTL_TEST_LEAF_LIFETIME_SECONDS"); s != nullptr) {
    request.lifetime_seconds = std::strtoll(s, nullptr, 10);
  }
  auto leaf = truststore::issueLeaf(*ca->issuing, *ca->key, request);
  if (!leaf) {
    ctx.fail(leaf.error());
    return;
  }
  truststore::ImportRequest import;
  import.name = entry_name;
  import.material.certificates = {leaf->cert, ca->issuing};
  import.material.key = leaf->key;
  import.source = "trustctl ca issue " + ca_name;
  import.note = std::string(truststore::leafProfileName(request.profile)) + " from CA " + ca_name;
  import.require_identity = true;
  truststore::Store store = ctx.store();
  auto generation = store.update(ctx.updateOptions(), [&](truststore::Transaction& tx) {
    if (tx.state().cas.count(ca_name) == 0) {  // deleted between the load and the lock
      return Result<void>(tl::unexpected(
          Error{ErrorCode::EntryNotFound, "no built-in CA is named '" + ca_name + "' any more"}));
    }
    if (server_cert) {
      // The same record an upload makes, with the chain the CA built (its root is left out
      // of the files a server loads anyway).
      truststore::ServerCertRequest server;
      server.name = entry_name;
      server.domains = request.dns;
      server.checked.chain = {leaf->cert, ca->issuing};
      server.key = leaf->key;
      server.source_file = import.source;
      if (auto r = truststore::addServerCert(tx, server); !r) {
        return r;
      }
      // What renewal (renewal.h) needs to re-issue it as asked.
      truststore::ServerCert& record = tx.state().server_certs.at(entry_name);
      record.source = "ca";
      record.issuer = ca_name;
      record.profile = std::string(truststore::leafProfileName(request.profile));
      record.validity_days = request.days;
      record.key_algorithm = std::string(truststore::caKeyTypeName(request.key));
    } else if (auto r = truststore::importEntry(tx, import); !r) {
      return r;
    }
    tx.audit("ca.issue", entry_name, leaf->cert->sha256(),
             std::string(truststore::leafProfileName(request.profile)) + " by CA " + ca_name);
    return Result<void>{};
  });
  if (!generation) {
    ctx.fail(generation.error());
    return;
  }
  const auto& info = leaf->cert->info();
  if (ctx.options.json) {
    ctx.printJson({{"ca", ca_name},
                   {"entry", entry_name},
                   {"profile", truststore::leafProfileName(request.profile)},
                   {"sha256", info.sha256},
                   {"subject", info.subject},
                   {"san", info.sans},
                   {"not_before", formatRfc3339(info.not_before)},
                   {"not_after", formatRfc3339(info.not_after)}});
    return;
  }
  std::cout << "Issued " << ctx.bold(entry_name) << " ("
            << truststore::leafProfileName(request.profile)
            << (server_cert ? ", server certificate" : ", identity") << ") by CA " << ca_name
            << "\n  " << info.subject << "\n    sha256 " << info.sha256 << "  expires "
            << formatDate(info.not_after) << "\n";
  if (server_cert) {
    std::cout << "Server certificate " << entry_name << " (Built-in CA): trustctl server-cert path "
              << entry_name << " --file fullchain.pem (and privkey.pem)\n";
    return;
  }
  std::cout << "Use it: trustctl export-identity " << entry_name
            << " ... or trustctl connector identity CONNECTOR " << entry_name << "\n";
}

}  // namespace trustctl::agent
