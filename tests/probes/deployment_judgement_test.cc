// judgeDeployment is pure: recorded handshakes in, a verdict out. The no-SNI handshake is the
// listener's default certificate and never decides the verdict; the domains' handshakes do.
#include <catch2/catch.hpp>

#include "probes/deployment_probe.h"

using namespace trustctl::probes;

namespace {

const std::string kOurs(64, 'a');
const std::string kTheirs(64, 'b');

DeploymentEvidence evidence(std::vector<SniEvidence> handshakes) {
  return {"https://web.test:443/", std::move(handshakes)};
}

}  // namespace

TEST_CASE("judgeDeployment: every domain served this certificate is yes", "[probes][deploy]") {
  auto v = judgeDeployment(
      evidence({{"www.test", kOurs, ""}, {"api.test", kOurs, ""}, {"", kOurs, ""}}), kOurs);
  CHECK(v.overall == DeployState::Yes);
  REQUIRE(v.domains.size() == 2);
  CHECK(v.domains[1].sni == "api.test");
  REQUIRE(v.default_certificate);
  CHECK(v.default_certificate->state == DeployState::Yes);
}

TEST_CASE("judgeDeployment: another certificate for one domain is no, with its SHA-256",
          "[probes][deploy]") {
  auto v = judgeDeployment(
      evidence({{"www.test", kOurs, ""}, {"api.test", kTheirs, ""}, {"", kOurs, ""}}), kOurs);
  CHECK(v.overall == DeployState::Other);
  CHECK(v.overall_detail == kTheirs);
  CHECK(v.domains[0].state == DeployState::Yes);
  CHECK(v.domains[1].state == DeployState::Other);
}

TEST_CASE("judgeDeployment: a different default certificate without SNI does not make it no",
          "[probes][deploy]") {
  auto v = judgeDeployment(evidence({{"www.test", kOurs, ""}, {"", kTheirs, ""}}), kOurs);
  CHECK(v.overall == DeployState::Yes);
  REQUIRE(v.default_certificate);
  CHECK(v.default_certificate->state == DeployState::Other);
  CHECK(v.default_certificate->detail == kTheirs);
}

TEST_CASE("judgeDeployment: no certificate is unreachable; another one outranks it",
          "[probes][deploy]") {
  SECTION("all down") {
    auto v = judgeDeployment(
        evidence({{"www.test", "", "connection refused"}, {"", "", "connection refused"}}), kOurs);
    CHECK(v.overall == DeployState::Unreachable);
    CHECK(v.overall_detail == "connection refused");
  }
  SECTION("one domain down, one served another certificate") {
    auto v = judgeDeployment(
        evidence({{"www.test", "", "timeout"}, {"api.test", kTheirs, ""}, {"", "", "timeout"}}),
        kOurs);
    CHECK(v.overall == DeployState::Other);
  }
  SECTION("one domain down, the other yes") {
    auto v =
        judgeDeployment(evidence({{"www.test", "", "timeout"}, {"api.test", kOurs, ""}}), kOurs);
    CHECK(v.overall == DeployState::Unreachable);
  }
  SECTION("no domain at all") {
    auto v = judgeDeployment(evidence({{"", kOurs, ""}}), kOurs);
    CHECK(v.overall == DeployState::Unreachable);
  }
}

TEST_CASE("judgeDeployment: a verdict round-trips through its JSON", "[probes][deploy]") {
  auto v = judgeDeployment(
      evidence({{"www.test", kTheirs, ""}, {"api.test", "", "refused"}, {"", kOurs, ""}}), kOurs);
  auto back = deploymentVerdictFromJson(deploymentVerdictToJson(v), "test");
  REQUIRE(back);
  CHECK(back->overall == v.overall);
  CHECK(back->overall_detail == kTheirs);
  REQUIRE(back->domains.size() == 2);
  CHECK(back->domains[1].detail == "refused");
  REQUIRE(back->default_certificate);
  CHECK(back->default_certificate->state == DeployState::Yes);
  CHECK_FALSE(deploymentVerdictFromJson(nlohmann::json{{"url", 1}}, "test"));
}

TEST_CASE("sniForDomain: a wildcard becomes one concrete label", "[probes][deploy]") {
  CHECK(sniForDomain("*.example.com") == "deploy-check.example.com");
  CHECK(sniForDomain("www.example.com") == "www.example.com");
}
