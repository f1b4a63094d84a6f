#include "probes/paths_json.h"

namespace trustctl::probes {

namespace {

std::string_view endName(truststore::PathEnd end) {
  switch (end) {
    case truststore::PathEnd::Anchored:
      return "anchored";
    case truststore::PathEnd::UntrustedRoot:
      return "untrusted_root";
    case truststore::PathEnd::NoIssuer:
      return "no_issuer";
    case truststore::PathEnd::Limit:
      return "limit";
  }
  return "limit";
}

}  // namespace

nlohmann::json pathsTriedJson(const std::vector<truststore::CertPath>& paths, size_t limit) {
  nlohmann::json out = nlohmann::json::array();
  for (size_t i = 0; i < paths.size() && i < limit; ++i) {
    const auto& p = paths[i];
    nlohmann::json certs = nlohmann::json::array();
    for (const auto& e : p.elements) {
      nlohmann::json errors = nlohmann::json::array();
      for (const auto& err : e.errors) {
        errors.push_back({{"code", truststore::pathErrorName(err.code)},
                          {"detail", err.detail},
                          {"warning", err.warning}});
      }
      certs.push_back({{"sha256", e.candidate.cert->sha256()},
                       {"subject", e.candidate.cert->info().subject},
                       {"source", e.candidate.trusted ? "trusted" : e.candidate.source},
                       {"errors", errors}});
    }
    out.push_back({{"end", endName(p.end)}, {"valid", p.valid()}, {"certificates", certs}});
  }
  return out;
}

}  // namespace trustctl::probes
