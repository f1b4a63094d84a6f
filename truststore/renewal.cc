#include "truststore/renewal.h"

#include <algorithm>

#include "truststore/server_cert.h"

namespace trustctl::truststore {

namespace {

const CertificateInfo* leafInfo(const StoreState& state, const ServerCert& server) {
  const Entry* entry = state.findEntry(server.entry);
  if (entry == nullptr || entry->certificates.empty()) {
    return nullptr;
  }
  auto it = state.certificates.find(entry->certificates.front());
  return it == state.certificates.end() ? nullptr : &it->second;
}

bool issuedByCa(const ServerCert& server) {
  return server.source == "ca" && !server.issuer.empty();
}

}  // namespace

UnixTime renewalTime(const CertificateInfo& leaf) {
  // Two thirds, as ACME clients do: a third of the lifetime is left to retry a failure.
  return leaf.not_before + (leaf.not_after - leaf.not_before) * 2 / 3;
}

std::vector<RenewalDue> renewalDue(const StoreState& state, const std::vector<std::string>& names,
                                   UnixTime now) {
  std::vector<RenewalDue> out;
  for (const auto& [name, server] : state.server_certs) {
    if (!names.empty() && std::find(names.begin(), names.end(), name) == names.end()) {
      continue;
    }
    const CertificateInfo* leaf = leafInfo(state, server);
    if (!issuedByCa(server) || leaf == nullptr || renewalTime(*leaf) > now) {
      continue;
    }
    out.push_back({name, server.issuer, renewalTime(*leaf), leaf->not_after});
  }
  return out;
}

Result<void> renewable(const StoreState& state, const std::string& name) {
  auto it = state.server_certs.find(name);
  if (it == state.server_certs.end()) {
    return tl::unexpected(serverCertNotFoundError(name));
  }
  if (!issuedByCa(it->second)) {
    return fail(ErrorCode::InvalidArgument,
                "server certificate '" + name +
                    "' was not issued by the built-in CA; renew it by uploading its successor "
                    "with 'trustctl server-cert add " +
                    name + " --replace ...'");
  }
  if (leafInfo(state, it->second) == nullptr) {
    return fail(ErrorCode::StoreCorrupt, "server certificate '" + name + "': its entry '" +
                                             it->second.entry +
                                             "' is missing; run 'trustctl store check'");
  }
  return {};
}

LeafRequest renewalRequest(const ServerCert& server, UnixTime now) {
  LeafRequest r;
  r.profile = leafProfileFromName(server.profile).value_or(LeafProfile::TlsServer);
  r.dns = server.domains;
  r.days = server.validity_days;
  r.key = caKeyTypeFromName(server.key_algorithm).value_or(CaKeyType::Ec);
  r.now = now;
  return r;
}

Result<void> applyRenewal(Transaction& tx, const std::string& name, const IssuedLeaf& leaf,
                          const CertificatePtr& issuing, const std::string& expected_sha) {
  if (auto ok = renewable(tx.state(), name); !ok) {
    return ok;
  }
  ServerCert before = tx.state().server_certs.at(name);
  const CertificateInfo* current = leafInfo(tx.state(), before);
  if (current->sha256 != expected_sha) {
    return fail(ErrorCode::PlanChanged, "server certificate '" + name +
                                            "' changed while it was renewed; run the renewal "
                                            "again if it is still due");
  }
  ServerCertRequest request;
  request.name = name;
  request.domains = before.domains;
  request.checked.chain = {leaf.cert, issuing};
  request.key = leaf.key;
  request.source_file = "trustctl server-cert renew (CA " + before.issuer + ")";
  request.replace = true;
  if (auto r = addServerCert(tx, request); !r) {
    return r;
  }
  // addServerCert records an upload; the record stays the CA's, re-issuable the same way.
  ServerCert& after = tx.state().server_certs.at(name);
  after.source = before.source;
  after.issuer = before.issuer;
  after.profile = before.profile;
  after.validity_days = before.validity_days;
  after.key_algorithm = before.key_algorithm;
  tx.audit("server-cert.renew", name, leaf.cert->sha256(),
           "by CA " + before.issuer + ", replacing " + expected_sha.substr(0, 16));
  return {};
}

}  // namespace trustctl::truststore
