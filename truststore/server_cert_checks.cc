#include "truststore/server_cert_checks.h"

#include <openssl/x509v3.h>

#include <algorithm>
#include <cctype>
#include <set>

#include "truststore/certificate_status.h"
#include "truststore/chain_verifier.h"

namespace trustctl::truststore {

namespace {

// Real chains are 2-4 long; anything past this is a loop of cross-signatures, not a chain.
constexpr int kMaxChainLength = 10;

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

std::string describe(const Certificate& c) {
  const CertificateInfo& i = c.info();
  return "'" + (i.subject_cn.empty() ? i.subject : i.subject_cn) + "'";
}

bool isDomainSyntax(const std::string& d) {
  std::string rest = d.rfind("*.", 0) == 0 ? d.substr(2) : d;
  if (rest.empty() || rest.size() > 253 || rest.front() == '.' || rest.back() == '.' ||
      rest.find("..") != std::string::npos) {
    return false;
  }
  return std::all_of(rest.begin(), rest.end(), [](unsigned char c) {
    return std::isalnum(c) || c == '-' || c == '.' || c == ':';
  });
}

bool hasDnsSan(const Certificate& leaf, const std::string& name) {
  const auto& sans = leaf.info().sans;
  return std::any_of(sans.begin(), sans.end(),
                     [&](const std::string& s) { return lower(s) == "dns:" + lower(name); });
}

// The issuer of `child` among `pool`, skipping `used`; null when none.
const PathCandidate* issuerIn(const Certificate& child, const std::vector<PathCandidate>& pool,
                              const std::set<std::string>& used) {
  for (const auto& c : pool) {
    if (used.count(c.cert->sha256()) == 0 && issuedBy(child, *c.cert)) {
      return &c;
    }
  }
  return nullptr;
}

}  // namespace

Result<CertificatePtr> findKeyCertificate(const std::vector<CertificatePtr>& certs,
                                          const PrivateKey& key, const ServerCertInput& labels) {
  for (const auto& c : certs) {
    if (key.matches(*c)) {
      return c;
    }
  }
  return fail(ErrorCode::ServerKeyMismatch,
              labels.key_label + ": this key does not match the certificate in " +
                  labels.cert_label +
                  " (their public keys differ); give the key the certificate was issued for");
}

Result<std::vector<CertificatePtr>> orderServerChain(const CertificatePtr& leaf,
                                                     const std::vector<CertificatePtr>& given,
                                                     const std::vector<PathCandidate>& known,
                                                     std::vector<std::string>* notes) {
  std::vector<PathCandidate> pool;
  std::set<std::string> seen;
  size_t duplicates = 0;
  for (const auto& c : given) {
    if (!seen.insert(c->sha256()).second) {
      ++duplicates;
      continue;
    }
    pool.push_back(PathCandidate{c, "given", "", false, true});
  }
  if (duplicates > 0) {
    notes->push_back("dropped " + std::to_string(duplicates) + " duplicate certificate(s)");
  }
  std::vector<CertificatePtr> chain{leaf};
  std::set<std::string> used{leaf->sha256()};
  while (!chain.back()->info().self_signed) {
    if (chain.size() >= static_cast<size_t>(kMaxChainLength)) {
      return fail(ErrorCode::ServerChainIncomplete,
                  "the chain of " + describe(*leaf) + " is longer than " +
                      std::to_string(kMaxChainLength) + " certificates; give the real chain");
    }
    const Certificate& top = *chain.back();
    const PathCandidate* next = issuerIn(top, pool, used);
    if (next == nullptr) {
      next = issuerIn(top, known, used);
      if (next != nullptr) {
        notes->push_back("took " + describe(*next->cert) + " from the " + next->source +
                         (next->entry.empty() ? "" : " (entry " + next->entry + ")"));
      }
    }
    if (next == nullptr) {
      const auto& aia = top.info().ca_issuers;
      return fail(ErrorCode::ServerChainIncomplete,
                  "the issuer '" + top.info().issuer_cn + "' of " + describe(top) +
                      " is in no given file, the library or the catalog" +
                      (aia.empty() ? "" : " (AIA: " + aia.front() + ")") +
                      "; add it with --ca FILE");
    }
    used.insert(next->cert->sha256());
    chain.push_back(next->cert);
  }
  std::vector<std::string> given_order;
  for (const auto& c : pool) {
    if (used.count(c.cert->sha256()) == 0) {
      notes->push_back("dropped " + describe(*c.cert) + ": not on the chain of " + describe(*leaf));
    } else {
      given_order.push_back(c.cert->sha256());
    }
  }
  std::vector<std::string> chain_order;
  for (const auto& c : chain) {
    if (std::find(given_order.begin(), given_order.end(), c->sha256()) != given_order.end()) {
      chain_order.push_back(c->sha256());
    }
  }
  if (chain_order != given_order) {
    notes->push_back("put the chain in order leaf -> root");
  }
  return chain;
}

Result<void> checkDomainsCovered(const Certificate& leaf, const std::vector<std::string>& domains) {
  if (domains.empty()) {
    return fail(ErrorCode::InvalidArgument,
                "a server certificate needs at least one --domain; give the names it serves");
  }
  for (const auto& domain : domains) {
    if (!isDomainSyntax(domain)) {
      return fail(ErrorCode::InvalidArgument,
                  "domain '" + domain + "' is not a DNS name, '*.name' or an IP address");
    }
    bool wildcard = domain.rfind("*.", 0) == 0;
    if (wildcard ? hasDnsSan(leaf, domain) : matchesHost(leaf, domain)) {
      continue;
    }
    std::string sans;
    for (const auto& s : leaf.info().sans) {
      sans += (sans.empty() ? "" : ", ") + s;
    }
    return fail(ErrorCode::ServerNameNotCovered,
                "domain '" + domain + "' is not covered by the certificate's names (" +
                    (sans.empty() ? "no subjectAltName" : sans) + ")" +
                    (wildcard ? "" : "; a '*.' name does not cover the apex") +
                    "; get a certificate for it or drop the domain");
  }
  return {};
}

Result<std::int64_t> checkValidityNow(const std::vector<CertificatePtr>& chain, UnixTime now) {
  for (const auto& c : chain) {
    const CertificateInfo& i = c->info();
    if (i.not_after < now) {
      return fail(
          ErrorCode::ServerCertExpired,
          describe(*c) + " expired on " + formatDate(i.not_after) + "; renew it before uploading");
    }
    if (i.not_before > now) {
      return fail(ErrorCode::ServerCertNotYetValid, describe(*c) + " is valid only from " +
                                                        formatDate(i.not_before) +
                                                        "; check the clock or upload it then");
    }
  }
  return (chain.front()->info().not_after - now) / 86400;
}

Result<void> checkNotWeak(const std::vector<CertificatePtr>& chain) {
  for (const auto& c : chain) {
    std::string reason;
    if (isWeak(c->info(), &reason)) {
      return fail(ErrorCode::ServerCertWeak, describe(*c) + " is weak (" + reason +
                                                 "); reissue it with RSA 2048+ or EC and SHA-256");
    }
  }
  return {};
}

Result<void> checkServerUsage(const Certificate& leaf) {
  if (leaf.info().is_ca) {
    return fail(ErrorCode::ServerCertNotServer,
                describe(leaf) +
                    " is a CA certificate, not a server certificate; upload the server's own "
                    "certificate (the CA belongs in --ca)");
  }
  std::uint32_t eku = X509_get_extended_key_usage(leaf.x509());
  if (eku != UINT32_MAX && (eku & (XKU_SSL_SERVER | XKU_ANYEKU)) == 0) {
    return fail(ErrorCode::ServerCertNotServer,
                describe(leaf) +
                    " has an extended key usage without serverAuth (a client certificate); "
                    "use a certificate issued for TLS servers");
  }
  return {};
}

Result<CheckedServerCert> checkServerCert(const ServerCertInput& input,
                                          const ServerCertCheckOptions& options) {
  if (!input.key) {
    return fail(ErrorCode::NoPrivateKey, input.cert_label +
                                             ": a server certificate needs its private key; "
                                             "give --key FILE or a PKCS#12 holding it");
  }
  auto leaf = findKeyCertificate(input.certificates, *input.key, input);
  if (!leaf) {
    return tl::unexpected(leaf.error());
  }
  if (auto r = checkServerUsage(**leaf); !r) {
    return tl::unexpected(r.error());
  }
  CheckedServerCert out;
  auto chain = orderServerChain(*leaf, input.certificates, options.known, &out.notes);
  if (!chain) {
    return tl::unexpected(chain.error());
  }
  out.chain = std::move(*chain);
  if (auto r = checkDomainsCovered(**leaf, input.domains); !r) {
    return tl::unexpected(r.error());
  }
  auto days = checkValidityNow(out.chain, options.now);
  if (!days) {
    return tl::unexpected(days.error());
  }
  out.days_left = *days;
  if (auto r = checkNotWeak(out.chain); !r) {
    return tl::unexpected(r.error());
  }
  return out;
}

}  // namespace trustctl::truststore
