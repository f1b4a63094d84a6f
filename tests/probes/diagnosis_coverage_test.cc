// A diagnosis code without a scenario fails the suite: every code of probes/diagnosis_codes.def
// (but ok) needs a scenario in the fault table that the replay driver runs and one that the
// live driver runs, so every cause is proved from a capture and against a real server.
#include <catch2/catch.hpp>

#include <set>

#include "tests/support/fault_scenarios.h"

using namespace trustctl;
using namespace trustctl::probes;
using namespace trustctl::testing;

TEST_CASE("every diagnosis code has a replayed and a live fault scenario", "[probes][scenarios]") {
  std::set<DiagnosisCode> replayed, live;
  for (const auto& sc : faultScenarios()) {
    CAPTURE(sc.name);
    CHECK(static_cast<bool>(sc.make));
    CHECK((sc.replay || sc.live));
    CHECK(sc.code != DiagnosisCode::Ok);
    if (sc.replay) {
      replayed.insert(sc.code);
    }
    if (sc.live) {
      live.insert(sc.code);
    }
  }
  for (DiagnosisCode code : allDiagnosisCodes()) {
    if (code == DiagnosisCode::Ok) {
      continue;
    }
    std::string name(diagnosisCodeName(code));
    INFO("add a scenario for '" << name << "' to tests/support/fault_scenarios*.cc");
    CAPTURE(name);
    CHECK(replayed.count(code) == 1);
    CHECK(live.count(code) == 1);
  }
}
