#include "truststore/signing_state_json.h"

#include <stdexcept>

namespace trustctl::truststore {

namespace {

SigningKeyState stateFromName(const std::string& s) {
  if (s == "next") {
    return SigningKeyState::Next;
  }
  if (s == "active") {
    return SigningKeyState::Active;
  }
  if (s == "retired") {
    return SigningKeyState::Retired;
  }
  throw std::runtime_error("signing key state '" + s + "' is not next, active or retired");
}

}  // namespace

nlohmann::json signingToJson(const SigningState& state) {
  nlohmann::json keys = nlohmann::json::array();
  for (const auto& k : state.keys) {
    keys.push_back({{"entry", k.entry},
                    {"kid", k.kid},
                    {"algorithm", k.algorithm},
                    {"state", signingKeyStateName(k.state)},
                    {"created_at", k.created_at},
                    {"activates_at", k.activates_at},
                    {"retire_at", k.retire_at}});
  }
  return {{"ca", state.ca}, {"next_serial", state.next_serial}, {"keys", std::move(keys)}};
}

SigningState signingFromJson(const nlohmann::json& j) {
  SigningState state;
  j.at("ca").get_to(state.ca);
  j.at("next_serial").get_to(state.next_serial);
  for (const auto& k : j.at("keys")) {
    SigningKey key;
    k.at("entry").get_to(key.entry);
    k.at("kid").get_to(key.kid);
    k.at("algorithm").get_to(key.algorithm);
    key.state = stateFromName(k.at("state").get<std::string>());
    k.at("created_at").get_to(key.created_at);
    k.at("activates_at").get_to(key.activates_at);
    k.at("retire_at").get_to(key.retire_at);
    state.keys.push_back(std::move(key));
  }
  return state;
}

}  // namespace trustctl::truststore
