// The fault table replayed: for every scenario, the capture its live server would produce is
// synthesized and fed to diagnose() and recommend(), in process, at a fixed instant. The
// primary code, the recommendation and the fix are checked the way the live driver checks
// them (tests/integration/scenario_live_test.cc), so a fault judged wrongly shows in both.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <optional>
#include <set>

#include "probes/diagnosis.h"
#include "probes/recommendation.h"
#include "tests/support/fault_scenarios.h"
#include "truststore/anchor_set.h"

using namespace trustctl;
using namespace trustctl::probes;
using namespace trustctl::testing;

namespace {

constexpr UnixTime kNow = 1'800'000'000;
constexpr int kPort = 8443;

Capture captureFor(const ScenarioSetup& s) {
  const ReplayShape& r = s.replay;
  Capture c;
  auto target = parseTarget(scenarioUrl(s, kPort));
  REQUIRE(target);
  c.target = *target;
  c.servername = s.host;
  c.failure = r.failure;
  c.detail = r.detail;
  c.handshake_completed = r.handshake_completed;
  c.tls_version = r.tls_version;
  c.alert_received = r.alert_received;
  c.client_certificate_requested = r.client_certificate_requested;
  c.http_status = s.scheme == "https" ? r.http_status : 0;
  c.http_body = r.http_body;
  if (s.scheme != "https" && r.failure == CaptureFailure::None) {
    c.ldap_result = 0;
  }
  c.proxy = r.proxy;
  c.proxy_source = r.proxy.empty() ? "" : "configured";
  c.proxy_connect_status = r.proxy_connect_status;
  c.proxy_status_line = r.proxy_status_line;
  c.direct_attempted = !r.direct_chain.empty();
  for (const auto& cert : r.direct_chain) {
    c.direct_chain_der.push_back(cert->der());
  }
  if (r.chain_received) {
    for (const auto& cert : r.presented.empty() ? s.chain : r.presented) {
      c.chain_der.push_back(cert->der());
      c.certificate_message_bytes += cert->der().size();
    }
  }
  if (r.certificate_message_bytes != 0) {
    c.certificate_message_bytes = r.certificate_message_bytes;
  }
  c.port_speaks_tls = r.port_speaks_tls;
  c.tls_error_library = r.tls_error_library;
  c.tls_error_reason = r.tls_error_reason;
  c.tls_error_reason_text = r.tls_error_reason_text;
  c.fetched = r.fetched;
  return c;
}

// The test-only environment a scenario asks for, restored at scope exit.
class ScopedEnv {
 public:
  explicit ScopedEnv(const std::map<std::string, std::string>& env) {
    for (const auto& [name, value] : env) {
      const char* old = std::getenv(name.c_str());
      saved_.emplace_back(name, old ? std::optional<std::string>(old) : std::nullopt);
      setenv(name.c_str(), value.c_str(), 1);
    }
  }
  ~ScopedEnv() {
    for (const auto& [name, old] : saved_) {
      if (old) {
        setenv(name.c_str(), old->c_str(), 1);
      } else {
        unsetenv(name.c_str());
      }
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::vector<std::pair<std::string, std::optional<std::string>>> saved_;
};

struct Judged {
  Diagnosis diagnosis;
  Recommendation recommendation;
};

Judged judge(const ScenarioSetup& s, const Capture& capture,
             const std::vector<CertificatePtr>& trusted) {
  Catalog catalog;
  for (const auto& cert : s.catalog) {
    catalog.add(cert, "catalog");
  }
  TrustAnchors trust(truststore::AnchorSet::fromCertificates(trusted));
  Judged j;
  j.diagnosis = diagnose(capture, trust, catalog, {kNow, s.host, false});
  j.recommendation = recommend(j.diagnosis, capture, {capture.target.url(), "c", ""});
  return j;
}

std::string problemCodes(const Diagnosis& d) {
  std::string out;
  for (const auto& p : d.problems) {
    out += std::string(out.empty() ? "" : ", ") + std::string(diagnosisCodeName(p.code));
  }
  return out.empty() ? "none" : out;
}

// The CA certificates the probe saw (sent, or known to the catalog), less those already
// trusted and those the scenario exempts; the server's own certificate is a pin, not an install.
std::vector<CertificatePtr> seenCaCertificates(const ScenarioSetup& s) {
  std::set<std::string> skip;
  for (const auto& list : {s.trusted, s.fix_exempt}) {
    for (const auto& c : list) {
      skip.insert(c->sha256());
    }
  }
  std::vector<CertificatePtr> out;
  std::vector<CertificatePtr> all(s.chain.size() > 1 ? s.chain.begin() + 1 : s.chain.end(),
                                  s.chain.end());
  all.insert(all.end(), s.catalog.begin(), s.catalog.end());
  for (const auto& c : all) {
    if (skip.insert(c->sha256()).second) {
      out.push_back(c);
    }
  }
  return out;
}

void checkScenario(const FaultScenario& sc) {
  TestPki pki(kNow);
  ScenarioSetup s = sc.make(pki);
  ScopedEnv env(s.env);
  Capture capture = captureFor(s);
  Judged j = judge(s, capture, s.trusted);
  const Diagnosis& d = j.diagnosis;
  const Recommendation& r = j.recommendation;
  INFO("expected " << diagnosisCodeName(sc.code) << ", fix: " << fixName(s.fix));
  INFO("got " << diagnosisCodeName(d.code) << " (problems: " << problemCodes(d)
              << "), recommendation " << recommendedActionName(r.action) << " " << r.kind << " "
              << r.source << "; " << d.summary);
  if (isWarning(sc.code)) {
    bool listed = std::any_of(d.problems.begin(), d.problems.end(),
                              [&](const Problem& p) { return p.code == sc.code; });
    CHECK(listed);
    for (const auto& p : d.problems) {
      CHECK(isWarning(p.code));
    }
  } else {
    std::vector<DiagnosisCode> accepted{sc.code};
    accepted.insert(accepted.end(), sc.also_accepted.begin(), sc.also_accepted.end());
    CHECK(std::find(accepted.begin(), accepted.end(), d.code) != accepted.end());
  }
  if (s.recommended) {
    REQUIRE(r.cert);
    CHECK(r.cert->sha256() == s.recommended->sha256());
  }
  if (!s.recommended_kind.empty()) {
    CHECK(r.kind == s.recommended_kind);
  }
  for (const auto& never : s.never_recommend) {
    CHECK((!r.cert || r.cert->sha256() != never->sha256()));
    CHECK((!d.candidate || d.candidate->cert->sha256() != never->sha256()));
  }
  switch (s.fix) {
    case Fix::InstallRecommended: {
      REQUIRE(r.action == RecommendedAction::Install);
      REQUIRE(r.cert);
      auto trusted = s.trusted;
      trusted.push_back(r.cert);
      Judged after = judge(s, capture, trusted);
      INFO("after installing it: " << problemCodes(after.diagnosis));
      CHECK(after.diagnosis.ok());
      break;
    }
    case Fix::NothingToInstall:
      CHECK(r.action != RecommendedAction::Install);
      for (const auto& cert : seenCaCertificates(s)) {
        auto trusted = s.trusted;
        trusted.push_back(cert);
        Judged after = judge(s, capture, trusted);
        INFO("installing '" << cert->info().subject << "' gives " << problemCodes(after.diagnosis));
        CHECK_FALSE(after.diagnosis.ok());
      }
      break;
    case Fix::NothingFound:
      CHECK_FALSE(r.cert);
      CHECK((r.action != RecommendedAction::Install || r.source == "unavailable"));
      break;
    case Fix::NotApplicable:
      // A hostile chain judged by an accepted alternative (untrusted_root) may recommend one.
      if (d.code == sc.code) {
        CHECK(r.action != RecommendedAction::Install);
      }
      break;
  }
}

}  // namespace

TEST_CASE("every fault scenario, replayed from a synthesized capture", "[probes][scenarios]") {
  for (const auto& sc : faultScenarios()) {
    if (!sc.replay) {
      continue;
    }
    DYNAMIC_SECTION(sc.name) {
      checkScenario(sc);
    }
  }
}
