#include "agent/entry_view.h"

#include <algorithm>

namespace trustctl::agent {

using truststore::CertificateHealth;
using truststore::CertificateInfo;
using truststore::Entry;
using truststore::StoreState;

namespace {

bool usedAsCa(const Entry& e, const std::string& sha) {
  return std::find(e.used_as_ca.begin(), e.used_as_ca.end(), sha) != e.used_as_ca.end();
}

}  // namespace

const CertificateInfo* principalCertificate(const StoreState& state, const Entry& entry) {
  if (entry.certificates.empty()) {
    return nullptr;
  }
  auto it = state.certificates.find(entry.certificates.front());
  return it == state.certificates.end() ? nullptr : &it->second;
}

std::string entryKindLabel(const StoreState& state, const Entry& entry) {
  if (entry.type == truststore::EntryType::Identity) {
    return "identity";
  }
  if (entry.type == truststore::EntryType::Chain) {
    return "chain";
  }
  const CertificateInfo* info = principalCertificate(state, entry);
  return info == nullptr
             ? "?"
             : std::string(truststore::certificateKindName(truststore::classifyCertificate(*info)));
}

bool isProblem(CertificateHealth health) {
  return health != CertificateHealth::Ok && health != CertificateHealth::Expiring;
}

EntryStatus entryStatus(const StoreState& state, const Entry& entry, UnixTime now,
                        std::int64_t window) {
  EntryStatus out{CertificateHealth::Ok, "ok"};
  for (size_t i = 0; i < entry.certificates.size(); ++i) {
    auto it = state.certificates.find(entry.certificates[i]);
    if (it == state.certificates.end()) {
      continue;
    }
    auto status = truststore::assessCertificate(it->second, now, window,
                                                usedAsCa(entry, entry.certificates[i]));
    if (static_cast<int>(status.health) > static_cast<int>(out.health)) {
      out.health = status.health;
      out.reason = status.summary();
      if (i > 0) {
        out.reason = "'" + it->second.subject_cn + "' " + out.reason;
      }
    }
  }
  return out;
}

nlohmann::json certificateJson(const CertificateInfo& info, UnixTime now, std::int64_t window,
                               bool used_as_ca) {
  auto status = truststore::assessCertificate(info, now, window, used_as_ca);
  nlohmann::json findings = nlohmann::json::array();
  for (const auto& f : status.findings) {
    findings.push_back(
        {{"status", truststore::certificateHealthName(f.health)}, {"reason", f.reason}});
  }
  return {{"sha256", info.sha256},
          {"kind", truststore::certificateKindName(truststore::classifyCertificate(info))},
          {"subject", info.subject},
          {"subject_cn", info.subject_cn},
          {"issuer", info.issuer},
          {"issuer_cn", info.issuer_cn},
          {"serial", info.serial},
          {"not_before", formatRfc3339(info.not_before)},
          {"not_after", formatRfc3339(info.not_after)},
          {"is_ca", info.is_ca},
          {"self_signed", info.self_signed},
          {"key", info.key_algorithm + " " + std::to_string(info.key_bits)},
          {"signature_algorithm", info.signature_algorithm},
          {"san", info.sans},
          {"subject_key_id", info.subject_key_id},
          {"authority_key_id", info.authority_key_id},
          {"ca_issuers", info.ca_issuers},
          {"status", truststore::certificateHealthName(status.health)},
          {"findings", findings}};
}

nlohmann::json entryJson(const StoreState& state, const Entry& entry, UnixTime now,
                         std::int64_t window) {
  nlohmann::json certs = nlohmann::json::array();
  for (const auto& sha : entry.certificates) {
    auto it = state.certificates.find(sha);
    if (it != state.certificates.end()) {
      certs.push_back(certificateJson(it->second, now, window, usedAsCa(entry, sha)));
    }
  }
  EntryStatus status = entryStatus(state, entry, now, window);
  const CertificateInfo* main = principalCertificate(state, entry);
  return {{"name", entry.name},
          {"type", truststore::entryTypeName(entry.type)},
          {"kind", entryKindLabel(state, entry)},
          {"subject_cn", main != nullptr ? main->subject_cn : ""},
          {"issuer_cn", main != nullptr ? main->issuer_cn : ""},
          {"issued_on", main != nullptr ? formatRfc3339(main->not_before) : ""},
          {"expires_on", main != nullptr ? formatRfc3339(main->not_after) : ""},
          {"sha256", main != nullptr ? main->sha256 : ""},
          {"status", truststore::certificateHealthName(status.health)},
          {"status_reason", status.reason},
          {"has_private_key", !entry.key_id.empty()},
          {"note", entry.note},
          {"environment", entry.environment},
          {"source", entry.source},
          {"format", entry.format},
          {"created_at", formatRfc3339(entry.created_at)},
          {"updated_at", formatRfc3339(entry.updated_at)},
          {"used_by", state.whereUsed(entry.name)},
          {"certificates", certs}};
}

}  // namespace trustctl::agent
