#include "truststore/revocation.h"

namespace trustctl::truststore {

// Placeholder until the revocation work lands: nothing is judged yet.
std::string_view revocationModeName(RevocationMode mode) {
  switch (mode) {
    case RevocationMode::Off:
      return "off";
    case RevocationMode::Soft:
      return "soft";
    case RevocationMode::Hard:
      return "hard";
  }
  return "soft";
}

std::optional<RevocationMode> revocationModeFromName(std::string_view name) {
  for (RevocationMode m : {RevocationMode::Off, RevocationMode::Soft, RevocationMode::Hard}) {
    if (revocationModeName(m) == name) {
      return m;
    }
  }
  return std::nullopt;
}

RevocationVerdict judgeRevocation(const Certificate&, const Certificate&, const RevocationEvidence&,
                                  UnixTime) {
  return {};
}

std::vector<std::string> crlDistributionPoints(const Certificate&) {
  return {};
}
std::vector<std::string> ocspResponderUrls(const Certificate&) {
  return {};
}

}  // namespace trustctl::truststore
