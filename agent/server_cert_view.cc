// The server certificate table and JSON (agent/server_cert_view.h).
#include "agent/server_cert_view.h"

#include <algorithm>
#include <iostream>

#include "agent/table.h"
#include "truststore/certificate_status.h"

namespace trustctl::agent {

namespace ts = truststore;

std::string sourceLabel(const std::string& source) {
  if (source == "ca") {
    return "Built-in CA";
  }
  return source == "acme" ? "ACME" : "User Provided";
}

nlohmann::json serverCertJson(const ts::StoreState& state, const ts::ServerCert& s, UnixTime now,
                              std::int64_t window) {
  const ts::Entry* e = state.findEntry(s.entry);
  nlohmann::json j{{"name", s.name},
                   {"domains", s.domains},
                   {"source", s.source},
                   {"entry", s.entry},
                   {"served_at", s.served_at},
                   {"created_at", s.created_at},
                   {"updated_at", s.updated_at}};
  if (e != nullptr && !e->certificates.empty()) {
    const auto& leaf = state.certificates.at(e->certificates.front());
    auto status = ts::assessCertificate(leaf, now, window, false);
    j["subject_cn"] = leaf.subject_cn;
    j["sha256"] = leaf.sha256;
    j["not_before"] = leaf.not_before;
    j["not_after"] = leaf.not_after;
    j["days_left"] = (leaf.not_after - now) / 86400;
    j["status"] = std::string(ts::certificateHealthName(status.health));
    j["chain"] = e->certificates;
  }
  return j;
}

void printServerCertTable(CliContext& ctx, const ts::StoreState& state,
                          const DeploymentRecords& records, const std::vector<std::string>& names) {
  UnixTime now = wallClockNow();
  nlohmann::json all = nlohmann::json::array();
  Table table(
      {"Domain", "Name", "Source", "Subject CN", "Issued On", "Expires On", "Status", "Deployed"});
  for (const auto& [name, s] : state.server_certs) {
    if (!names.empty() && std::find(names.begin(), names.end(), name) == names.end()) {
      continue;
    }
    auto j = serverCertJson(state, s, now, ctx.expiringWindowSeconds());
    auto record = records.find(name);
    j["deployment"] = record == records.end() ? nlohmann::json() : deploymentJson(record->second);
    all.push_back(j);
    bool known = j.contains("status");
    for (const auto& d : s.domains) {
      table.addRow({d, name, sourceLabel(s.source),
                    known ? j["subject_cn"].get<std::string>() : "?",
                    known ? formatDate(j["not_before"].get<UnixTime>()) : "?",
                    known ? formatDate(j["not_after"].get<UnixTime>()) : "?",
                    known ? j["status"].get<std::string>() + " (" +
                                std::to_string(j["days_left"].get<std::int64_t>()) + " days left)"
                          : "entry missing",
                    deployedLabel(state, s, d, records)});
    }
  }
  if (ctx.options.json) {
    ctx.printJson(all);
  } else if (table.empty()) {
    std::cout << "No server certificates; add one with 'trustctl server-cert add'\n";
  } else {
    table.print(std::cout);
  }
}

}  // namespace trustctl::agent
