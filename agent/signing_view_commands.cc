// trustctl signing jwks, pem, status, sign: read-only. Each shows the signing set as the
// rotation stands at this instant (advanceSigning on a copy), so a verifier that fetches the
// JWKS, or a test that signs, follows a switch that no writer has recorded yet; `signing
// advance`, any signing change or the agent writes it (and the files under current/signing/).
#include <sys/stat.h>

#include <iostream>

#include "agent/cli_context.h"
#include "agent/signing_support.h"
#include "agent/table.h"
#include "truststore/file_util.h"
#include "truststore/output_file.h"

namespace trustctl::agent {

namespace {

constexpr size_t kMaxPayloadBytes = 1024 * 1024;

struct SigningView {
  truststore::Store store;
  truststore::StoreState state;  // advanced to `now`
  truststore::SigningAdvance due;
  UnixTime now = 0;
};

Result<SigningView> loadView(CliContext& ctx) {
  auto now = signingNow();
  if (!now) {
    return tl::unexpected(now.error());
  }
  SigningView view{ctx.store(), {}, {}, *now};
  auto snapshot = view.store.load();
  if (!snapshot) {
    return tl::unexpected(snapshot.error());
  }
  view.state = std::move(snapshot->state);
  if (view.state.signing.empty()) {
    return fail(ErrorCode::InvalidArgument,
                "the store has no signing chain; run 'trustctl signing init --ca CA'");
  }
  view.due = truststore::advanceSigning(view.state.signing, view.now);
  return view;
}

Result<truststore::SigningMaterial> activeMaterial(const SigningView& view) {
  const truststore::SigningKey* active = view.state.signing.active();
  if (active == nullptr) {
    return fail(ErrorCode::InvalidArgument,
                "no signing key is active; run 'trustctl signing rotate --grace 0'");
  }
  return truststore::signingMaterial(
      view.state, *active, [&](const std::string& sha) { return view.store.loadCertificate(sha); },
      [&](const std::string& id) { return view.store.loadKey(id); });
}

std::string when(UnixTime t) {
  return t == 0 ? "-" : formatRfc3339(t);
}

}  // namespace

void runSigningJwks(CliContext& ctx, const std::string& out_file) {
  auto view = loadView(ctx);
  if (!view) {
    ctx.fail(view.error());
    return;
  }
  auto jwks = truststore::signingJwks(
      view->state, [&](const std::string& sha) { return view->store.loadCertificate(sha); });
  if (!jwks) {
    ctx.fail(jwks.error());
    return;
  }
  if (out_file.empty()) {
    std::cout << *jwks;
    return;
  }
  if (auto r = truststore::writeOutputFile(out_file, *jwks, 0644); !r) {
    ctx.fail(r.error());
  }
}

void runSigningPem(CliContext& ctx) {
  auto view = loadView(ctx);
  auto material = view ? activeMaterial(*view)
                       : Result<truststore::SigningMaterial>(tl::unexpected(view.error()));
  if (!material) {
    ctx.fail(material.error());
    return;
  }
  for (const auto& c : material->chain) {
    std::cout << c->pem();
  }
}

void runSigningStatus(CliContext& ctx) {
  auto view = loadView(ctx);
  if (!view) {
    ctx.fail(view.error());
    return;
  }
  nlohmann::json keys = nlohmann::json::array();
  Table table({"Entry", "Kid", "State", "Algorithm", "Created", "Activates", "Retires", "Expires"});
  for (const auto& k : view->state.signing.keys) {
    UnixTime expires = 0;
    if (const auto* entry = view->state.findEntry(k.entry); entry && !entry->certificates.empty()) {
      auto it = view->state.certificates.find(entry->certificates.front());
      expires = it == view->state.certificates.end() ? 0 : it->second.not_after;
    }
    std::string state(truststore::signingKeyStateName(k.state));
    keys.push_back({{"entry", k.entry},
                    {"kid", k.kid},
                    {"state", state},
                    {"algorithm", k.algorithm},
                    {"created_at", when(k.created_at)},
                    {"activates_at", when(k.activates_at)},
                    {"retire_at", when(k.retire_at)},
                    {"expires_at", when(expires)}});
    table.addRow({k.entry, k.kid, state, k.algorithm, when(k.created_at), when(k.activates_at),
                  when(k.retire_at), when(expires)});
  }
  // What came due but is not written yet: the files under current/signing/ still show the
  // state before it until a writer runs.
  std::vector<std::string> unwritten;
  for (const auto& e : view->due.activated) {
    unwritten.push_back(e + " became active");
  }
  for (const auto& e : view->due.dropped) {
    unwritten.push_back(e + " left the JWKS");
  }
  nlohmann::json upcoming = nlohmann::json::array();
  for (const auto& ev : truststore::upcomingSigningEvents(view->state.signing)) {
    upcoming.push_back({{"at", formatRfc3339(ev.at)}, {"what", ev.what}});
  }
  if (ctx.options.json) {
    ctx.printJson({{"ca", view->state.signing.ca},
                   {"now", formatRfc3339(view->now)},
                   {"keys", keys},
                   {"due_unwritten", unwritten},
                   {"upcoming", upcoming}});
    return;
  }
  std::cout << "Signing chain of CA " << view->state.signing.ca << "\n";
  table.print(std::cout);
  for (const auto& u : unwritten) {
    std::cout << ctx.yellow("due: ") << u << " (run 'trustctl signing advance' or the agent)\n";
  }
  for (const auto& ev : upcoming) {
    std::cout << "next: " << ev["at"].get<std::string>() << " " << ev["what"].get<std::string>()
              << "\n";
  }
}

void runSigningSign(CliContext& ctx, const std::string& payload_file) {
  auto payload = truststore::readUserFile(payload_file, kMaxPayloadBytes, "a payload file");
  if (!payload) {
    ctx.fail(payload.error());
    return;
  }
  auto view = loadView(ctx);
  auto material = view ? activeMaterial(*view)
                       : Result<truststore::SigningMaterial>(tl::unexpected(view.error()));
  if (!material) {
    ctx.fail(material.error());
    return;
  }
  const truststore::SigningKey* active = view->state.signing.active();
  auto token = truststore::signCompactJws(*material->key, active->algorithm, active->kid, *payload);
  if (!token) {
    ctx.fail(token.error());
    return;
  }
  std::cout << *token << "\n";
}

}  // namespace trustctl::agent
