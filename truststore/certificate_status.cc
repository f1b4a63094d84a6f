#include "truststore/certificate_status.h"

#include <algorithm>

namespace trustctl::truststore {

namespace {

constexpr std::int64_t kDay = 24 * 3600;

std::string daysText(std::int64_t seconds) {
  std::int64_t days = seconds / kDay;
  if (days == 0) {
    return "less than a day";
  }
  return std::to_string(days) + (days == 1 ? " day" : " days");
}

bool containsAny(const std::string& haystack, std::initializer_list<const char*> needles) {
  std::string lower = haystack;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return std::any_of(needles.begin(), needles.end(),
                     [&](const char* n) { return lower.find(n) != std::string::npos; });
}

}  // namespace

std::string_view certificateKindName(CertificateKind k) {
  switch (k) {
    case CertificateKind::Root:
      return "root";
    case CertificateKind::Intermediate:
      return "intermediate";
    case CertificateKind::Server:
      return "server";
  }
  return "?";
}

std::string_view certificateHealthName(CertificateHealth h) {
  switch (h) {
    case CertificateHealth::Ok:
      return "ok";
    case CertificateHealth::Expiring:
      return "expiring";
    case CertificateHealth::Weak:
      return "weak";
    case CertificateHealth::NotCaUsedAsCa:
      return "not_ca_used_as_ca";
    case CertificateHealth::NotYetValid:
      return "not_yet_valid";
    case CertificateHealth::Expired:
      return "expired";
  }
  return "?";
}

std::string CertificateStatus::summary() const {
  return findings.empty() ? std::string("ok") : findings.front().reason;
}

CertificateKind classifyCertificate(const CertificateInfo& info) {
  if (!info.is_ca) {
    return CertificateKind::Server;
  }
  return info.self_signed ? CertificateKind::Root : CertificateKind::Intermediate;
}

bool isWeak(const CertificateInfo& info, std::string* reason) {
  if (isWeakKey(info, reason)) {
    return true;
  }
  if (!info.self_signed && containsAny(info.signature_algorithm, {"md5", "sha1"})) {
    *reason = "signed with " + info.signature_algorithm + ", which clients reject";
    return true;
  }
  return false;
}

bool isWeakKey(const CertificateInfo& info, std::string* reason) {
  bool rsa_like =
      info.key_algorithm == "RSA" || info.key_algorithm == "RSA-PSS" || info.key_algorithm == "DSA";
  if (rsa_like && info.key_bits > 0 && info.key_bits < 2048) {
    *reason = info.key_algorithm + " key of " + std::to_string(info.key_bits) +
              " bits (2048 is the minimum clients accept)";
    return true;
  }
  if (info.key_algorithm == "EC" && info.key_bits > 0 && info.key_bits < 224) {
    *reason = "EC key of " + std::to_string(info.key_bits) + " bits (224 is the minimum)";
    return true;
  }
  return false;
}

CertificateStatus assessCertificate(const CertificateInfo& info, UnixTime now,
                                    std::int64_t expiring_window_seconds, bool used_as_ca) {
  CertificateStatus status;
  auto add = [&](CertificateHealth h, std::string reason) {
    status.findings.push_back({h, std::move(reason)});
  };
  if (now > info.not_after) {
    add(CertificateHealth::Expired,
        "expired " + daysText(now - info.not_after) + " ago (" + formatDate(info.not_after) + ")");
  } else if (now < info.not_before) {
    add(CertificateHealth::NotYetValid, "not valid until " + formatRfc3339(info.not_before));
  } else if (info.not_after - now <= expiring_window_seconds) {
    add(CertificateHealth::Expiring,
        "expires in " + daysText(info.not_after - now) + " (" + formatDate(info.not_after) + ")");
  }
  if (used_as_ca && !info.is_ca) {
    add(CertificateHealth::NotCaUsedAsCa,
        "signs another certificate but is not a CA (basicConstraints CA:FALSE); clients "
        "reject the certificates it issued");
  }
  std::string weak_reason;
  if (isWeak(info, &weak_reason)) {
    add(CertificateHealth::Weak, "weak: " + weak_reason);
  }
  std::stable_sort(status.findings.begin(), status.findings.end(),
                   [](const HealthFinding& a, const HealthFinding& b) {
                     return static_cast<int>(a.health) > static_cast<int>(b.health);
                   });
  if (!status.findings.empty()) {
    status.health = status.findings.front().health;
  }
  return status;
}

}  // namespace trustctl::truststore
