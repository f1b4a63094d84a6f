#pragma once
// The inside of a TrustSnapshot, shared by the runtime library's own files only (not
// installed). Everything here is immutable once the loader returns, except the lazily made
// libldap TLS context, which has its own lock.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "runtime/connector_trust.h"
#include "truststore/anchor_set.h"
#include "truststore/certificate.h"
#include "truststore/ossl.h"
#include "truststore/private_key.h"

namespace trustctl::runtime {

struct TrustSnapshot::Impl {
  std::uint64_t generation = 0;
  std::string runtime_dir;  // <store>/generations/<N>/connectors/<name>
  // Identity of the manifest file: the store hard-links an unchanged connector's files into a
  // new generation, so the same inode means the same trust.
  std::uint64_t manifest_device = 0;
  std::uint64_t manifest_inode = 0;
  truststore::AnchorSetPtr anchors;
  ossl::X509StorePtr store;
  std::vector<truststore::CertificatePtr> identity_chain;  // leaf first; empty without one
  truststore::PrivateKeyPtr identity_key;

  // libldap's TLS context for this identity, made on first use by ldap_trust.cc.
  mutable std::mutex ldap_mutex;
  mutable std::shared_ptr<void> ldap_tls_context;
};

}  // namespace trustctl::runtime
