// The pure half of probes/deployment_probe.h: evidence to verdict, and the verdict's JSON (the
// form the agent records in <store>/deployments.json).
#include "probes/deployment_probe.h"

namespace trustctl::probes {

namespace {

SniResult judgeOne(const SniEvidence& e, const std::string& expected) {
  if (e.leaf_sha256.empty()) {
    return {e.sni, DeployState::Unreachable, e.error.empty() ? "no certificate" : e.error};
  }
  if (e.leaf_sha256 == expected) {
    return {e.sni, DeployState::Yes, ""};
  }
  return {e.sni, DeployState::Other, e.leaf_sha256};
}

nlohmann::json resultJson(const SniResult& r) {
  return {{"sni", r.sni}, {"state", deployStateName(r.state)}, {"detail", r.detail}};
}

SniResult resultFromJson(const nlohmann::json& j) {
  auto state = deployStateFromName(j.at("state").get<std::string>());
  if (!state) {
    throw std::runtime_error("state is not yes, no or unreachable");
  }
  return {j.at("sni").get<std::string>(), *state, j.at("detail").get<std::string>()};
}

}  // namespace

std::string_view deployStateName(DeployState s) {
  switch (s) {
    case DeployState::Yes:
      return "yes";
    case DeployState::Other:
      return "no";
    case DeployState::Unreachable:
      return "unreachable";
  }
  return "unreachable";
}

std::optional<DeployState> deployStateFromName(std::string_view name) {
  for (auto s : {DeployState::Yes, DeployState::Other, DeployState::Unreachable}) {
    if (deployStateName(s) == name) {
      return s;
    }
  }
  return std::nullopt;
}

DeploymentVerdict judgeDeployment(const DeploymentEvidence& evidence,
                                  const std::string& expected_sha256) {
  DeploymentVerdict v;
  v.url = evidence.url;
  bool any_other = false;
  bool all_yes = true;
  std::string first_unreachable;
  for (const auto& h : evidence.handshakes) {
    SniResult r = judgeOne(h, expected_sha256);
    if (h.sni.empty()) {
      v.default_certificate = r;
      continue;
    }
    all_yes = all_yes && r.state == DeployState::Yes;
    if (r.state == DeployState::Other && !any_other) {
      any_other = true;
      v.overall_detail = r.detail;
    }
    if (r.state == DeployState::Unreachable && first_unreachable.empty()) {
      first_unreachable = r.detail;
    }
    v.domains.push_back(std::move(r));
  }
  // Without any domain handshake there is nothing that proves the deployment.
  if (v.domains.empty()) {
    v.overall = DeployState::Unreachable;
    v.overall_detail = "no domain to send as SNI";
  } else if (any_other) {
    v.overall = DeployState::Other;
  } else if (all_yes) {
    v.overall = DeployState::Yes;
  } else {
    v.overall = DeployState::Unreachable;
    v.overall_detail = first_unreachable;
  }
  return v;
}

nlohmann::json deploymentVerdictToJson(const DeploymentVerdict& v) {
  nlohmann::json domains = nlohmann::json::array();
  for (const auto& r : v.domains) {
    domains.push_back(resultJson(r));
  }
  nlohmann::json j{{"url", v.url},
                   {"deployed", deployStateName(v.overall)},
                   {"detail", v.overall_detail},
                   {"domains", domains}};
  j["default_certificate"] =
      v.default_certificate ? resultJson(*v.default_certificate) : nlohmann::json();
  return j;
}

Result<DeploymentVerdict> deploymentVerdictFromJson(const nlohmann::json& j,
                                                    const std::string& label) {
  try {
    DeploymentVerdict v;
    v.url = j.at("url").get<std::string>();
    auto overall = deployStateFromName(j.at("deployed").get<std::string>());
    if (!overall) {
      throw std::runtime_error("deployed is not yes, no or unreachable");
    }
    v.overall = *overall;
    v.overall_detail = j.at("detail").get<std::string>();
    for (const auto& r : j.at("domains")) {
      v.domains.push_back(resultFromJson(r));
    }
    if (j.contains("default_certificate") && !j.at("default_certificate").is_null()) {
      v.default_certificate = resultFromJson(j.at("default_certificate"));
    }
    return v;
  } catch (const std::exception& ex) {
    return fail(ErrorCode::StoreCorrupt, label + ": not a deployment record (" + ex.what() +
                                             "); run 'trustctl " +
                                             "server-cert check' to write it again");
  }
}

}  // namespace trustctl::probes
