// ServerCert::served_at in state.json: written only when set, so a state without it reads and
// writes exactly as before; read back as written.
#include <catch2/catch.hpp>

#include "truststore/store_state.h"

using namespace trustctl::truststore;

TEST_CASE("StoreState: served_at round-trips and is absent when empty",
          "[server-cert][deploy][truststore]") {
  StoreState state;
  state.server_certs["web"] = ServerCert{"web", {"a.test"}, "srv.web", "user", 5, 6, {}};
  CHECK(serializeState(state).find("served_at") == std::string::npos);
  state.server_certs["web"].served_at = {"https://a.test:443/", "ldaps://a.test:636"};
  auto back = parseState(serializeState(state), "state.json");
  REQUIRE(back);
  CHECK(back->server_certs.at("web").served_at == state.server_certs["web"].served_at);
}
