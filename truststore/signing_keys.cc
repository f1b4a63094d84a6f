#include "truststore/signing_keys.h"

#include <algorithm>

namespace trustctl::truststore {

namespace {

// One body for the const and the mutable lookup.
template <typename State>
auto findState(State& state, SigningKeyState s) -> decltype(&state.keys.front()) {
  for (auto& k : state.keys) {
    if (k.state == s) {
      return &k;
    }
  }
  return nullptr;
}

}  // namespace

std::string_view signingKeyStateName(SigningKeyState s) {
  switch (s) {
    case SigningKeyState::Next:
      return "next";
    case SigningKeyState::Active:
      return "active";
    case SigningKeyState::Retired:
      return "retired";
  }
  return "?";
}

const SigningKey* SigningState::active() const {
  return findState(*this, SigningKeyState::Active);
}

const SigningKey* SigningState::next() const {
  return findState(*this, SigningKeyState::Next);
}

std::vector<const SigningKey*> SigningState::published() const {
  std::vector<const SigningKey*> out;
  for (const auto& k : keys) {
    out.push_back(&k);
  }
  return out;
}

SigningAdvance advanceSigning(SigningState& state, UnixTime now) {
  SigningAdvance result;
  // Each pass applies the earliest due event, so a store left alone for longer than two
  // graces ends where one that was advanced every minute would. Every pass removes a `next`
  // or a retired key, so there are at most keys.size() passes.
  for (size_t pass = 0; pass <= state.keys.size() + 1; ++pass) {
    SigningKey* due = nullptr;
    auto at = [](const SigningKey& k) {
      return k.state == SigningKeyState::Next ? k.activates_at : k.retire_at;
    };
    for (auto& k : state.keys) {
      bool scheduled = k.state == SigningKeyState::Next ||
                       (k.state == SigningKeyState::Retired && k.retire_at != 0);
      if (scheduled && at(k) <= now && (due == nullptr || at(k) < at(*due))) {
        due = &k;
      }
    }
    if (due == nullptr) {
      break;
    }
    if (due->state == SigningKeyState::Next) {
      for (auto& k : state.keys) {
        if (k.state == SigningKeyState::Active) {
          k.state = SigningKeyState::Retired;
          // A rotation sets it; a key retired without one still gets a grace from the switch.
          if (k.retire_at == 0) {
            k.retire_at = due->activates_at + kDefaultSigningGraceSeconds;
          }
          result.retired.push_back(k.entry);
        }
      }
      due->state = SigningKeyState::Active;
      result.activated.push_back(due->entry);
    } else {
      result.dropped.push_back(due->entry);
      std::string entry = due->entry;
      state.keys.erase(std::remove_if(state.keys.begin(), state.keys.end(),
                                      [&](const SigningKey& k) { return k.entry == entry; }),
                       state.keys.end());
    }
  }
  return result;
}

std::vector<SigningEvent> upcomingSigningEvents(const SigningState& state) {
  std::vector<SigningEvent> out;
  for (const auto& k : state.keys) {
    if (k.state == SigningKeyState::Next) {
      out.push_back({k.activates_at, k.entry + " becomes active"});
    }
    if (k.state != SigningKeyState::Next && k.retire_at != 0) {
      out.push_back({k.retire_at, k.entry + " leaves the JWKS"});
    }
  }
  std::sort(out.begin(), out.end(),
            [](const SigningEvent& a, const SigningEvent& b) { return a.at < b.at; });
  return out;
}

}  // namespace trustctl::truststore
