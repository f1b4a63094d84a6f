// trustctl signing: the store's token-signing keys (issue 15). `init` creates the default
// signing chain from a built-in CA, `rotate` publishes the next key and schedules the switch
// after a grace, `advance` writes the transitions that came due; the read-only views (jwks,
// pem, status, sign) are in signing_view_commands.cc. Rotation rules: truststore/signing_keys.h.
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "agent/cli_context.h"
#include "agent/commands.h"
#include "agent/signing_support.h"

namespace trustctl::agent {

namespace {

using truststore::CaKeyType;
using truststore::SigningKey;

struct SigningArgs {
  std::string ca;
  std::string key;  // "" = ec for init, the active key's type for rotate
  std::string passphrase_file;
  std::string grace = "24h";
  std::string out;
  std::string payload_file;
};

truststore::UpdateOptions updateAt(const CliContext& ctx, UnixTime now) {
  truststore::UpdateOptions options = ctx.updateOptions();
  options.now = now;
  return options;
}

nlohmann::json keyJson(const SigningKey& k) {
  return {{"entry", k.entry},
          {"kid", k.kid},
          {"state", truststore::signingKeyStateName(k.state)},
          {"algorithm", k.algorithm},
          {"activates_at", formatRfc3339(k.activates_at)}};
}

// With one CA in the store, --ca may be left out.
Result<std::string> chooseCa(CliContext& ctx, const std::string& given) {
  if (!given.empty()) {
    return given;
  }
  auto snapshot = ctx.store().load();
  if (!snapshot) {
    return tl::unexpected(snapshot.error());
  }
  if (snapshot->state.cas.size() != 1) {
    return fail(ErrorCode::InvalidArgument,
                "--ca: name the built-in CA that issues the signing keys (the store has " +
                    std::to_string(snapshot->state.cas.size()) + "); see 'trustctl ca list'");
  }
  return snapshot->state.cas.begin()->first;
}

void runInit(CliContext& ctx, const SigningArgs& args) {
  auto now = signingNow();
  auto ca = now ? chooseCa(ctx, args.ca) : Result<std::string>(tl::unexpected(now.error()));
  if (!ca) {
    ctx.fail(ca.error());
    return;
  }
  CaKeyType type = *truststore::caKeyTypeFromName(args.key.empty() ? "ec" : args.key);
  auto issuer = openSigningIssuer(ctx, *ca, args.passphrase_file, type);
  if (!issuer) {
    ctx.fail(issuer.error());
    return;
  }
  SigningKey created;
  auto generation =
      ctx.store().update(updateAt(ctx, *now), [&](truststore::Transaction& tx) -> Result<void> {
        auto made = truststore::ensureDefaultSigningChain(tx, *issuer, *now);
        if (!made) {
          return tl::unexpected(made.error());
        }
        if (!*made) {
          return fail(ErrorCode::DuplicateName,
                      "the store has a signing chain already; use 'trustctl signing rotate' to "
                      "replace its key");
        }
        created = *tx.state().signing.active();
        return {};
      });
  if (!generation) {
    ctx.fail(generation.error());
    return;
  }
  if (ctx.options.json) {
    ctx.printJson({{"ca", *ca}, {"key", keyJson(created)}});
    return;
  }
  std::cout << "Created the default signing chain: " << ctx.bold(created.entry) << " ("
            << created.algorithm << ", CA " << *ca << ") active\n  kid " << created.kid
            << "\nPublish: trustctl signing jwks   (or " << ctx.storeDir()
            << "/current/signing/jwks.json)\n";
}

void runRotate(CliContext& ctx, const SigningArgs& args) {
  auto grace = parseGrace(args.grace);
  if (!grace) {
    ctx.fail({ErrorCode::InvalidArgument,
              "--grace '" + args.grace + "': use seconds or a number with s, m, h or d (24h)"});
    return;
  }
  auto now = signingNow();
  auto snapshot =
      now ? ctx.store().load() : Result<truststore::StoreSnapshot>(tl::unexpected(now.error()));
  if (!snapshot) {
    ctx.fail(snapshot.error());
    return;
  }
  const auto& signing = snapshot->state.signing;
  if (signing.empty()) {
    ctx.fail({ErrorCode::InvalidArgument,
              "there is no signing chain to rotate; run 'trustctl signing init --ca CA'"});
    return;
  }
  // Before the passphrase: a refused rotation must not cost a key derivation. rotateSigning
  // judges again under the lock.
  truststore::SigningState ahead = signing;
  truststore::advanceSigning(ahead, *now);
  if (const SigningKey* pending = ahead.next()) {
    ctx.fail({ErrorCode::InvalidArgument,
              "a rotation is scheduled already: " + pending->entry + " becomes active at " +
                  formatRfc3339(pending->activates_at) + "; see 'trustctl signing status'"});
    return;
  }
  std::string key = args.key;
  if (key.empty()) {  // keep the algorithm verifiers were configured for
    const SigningKey* active = signing.active();
    key = active != nullptr && active->algorithm == "RS256" ? "rsa" : "ec";
  }
  auto issuer = openSigningIssuer(ctx, args.ca.empty() ? signing.ca : args.ca, args.passphrase_file,
                                  *truststore::caKeyTypeFromName(key));
  if (!issuer) {
    ctx.fail(issuer.error());
    return;
  }
  SigningKey next;
  auto generation =
      ctx.store().update(updateAt(ctx, *now), [&](truststore::Transaction& tx) -> Result<void> {
        auto made = truststore::rotateSigning(tx, *issuer, *now, *grace);
        if (!made) {
          return tl::unexpected(made.error());
        }
        next = *made;
        return {};
      });
  if (!generation) {
    ctx.fail(generation.error());
    return;
  }
  if (ctx.options.json) {
    ctx.printJson({{"key", keyJson(next)}, {"grace_seconds", *grace}});
    return;
  }
  std::cout << "Published " << ctx.bold(next.entry) << " (" << next.algorithm << ", kid "
            << next.kid << ") in the JWKS\n  it signs from " << formatRfc3339(next.activates_at)
            << "; the current key stays in the JWKS until "
            << formatRfc3339(next.activates_at + *grace) << "\n";
}

void runAdvance(CliContext& ctx) {
  auto now = signingNow();
  if (!now) {
    ctx.fail(now.error());
    return;
  }
  truststore::SigningAdvance done;
  auto generation =
      ctx.store().update(updateAt(ctx, *now), [&](truststore::Transaction& tx) -> Result<void> {
        auto r = truststore::applySigningAdvance(tx, *now);
        if (!r) {
          return tl::unexpected(r.error());
        }
        done = *r;
        return {};
      });
  if (!generation) {
    ctx.fail(generation.error());
    return;
  }
  if (ctx.options.json) {
    ctx.printJson({{"activated", done.activated},
                   {"retired", done.retired},
                   {"dropped", done.dropped},
                   {"generation", *generation}});
    return;
  }
  if (!done.changed()) {
    std::cout << "Nothing was due.\n";
  }
  for (const auto& e : done.activated) {
    std::cout << e << " now signs\n";
  }
  for (const auto& e : done.retired) {
    std::cout << e << " retired (still in the JWKS)\n";
  }
  for (const auto& e : done.dropped) {
    std::cout << e << " left the JWKS and the library\n";
  }
}

}  // namespace

void addSigningCommands(CLI::App& app, CliContext& ctx) {
  auto args = std::make_shared<SigningArgs>();
  CLI::App* group = app.add_subcommand("signing", "Token-signing keys: rotation and JWKS");
  group->require_subcommand(1);
  group->footer(
      "Keys are token-signing leaves of a built-in CA. A rotation publishes the next key at\n"
      "once and switches to it after --grace; the old key stays in the JWKS for another grace.\n"
      "Files for servers: <store>/current/signing/{jwks.json,active-chain.pem,active-key.pem}.\n"
      "\nExamples:\n"
      "  trustctl signing init --ca corp --passphrase-file /etc/trustctl/ca.pass\n"
      "  trustctl signing rotate --grace 24h --passphrase-file /etc/trustctl/ca.pass\n"
      "  trustctl signing jwks --out /srv/www/.well-known/jwks.json\n"
      "  trustctl signing status");
  auto add_pass = [args](CLI::App* cmd) {
    cmd->add_option("--passphrase-file", args->passphrase_file,
                    "File whose first line is the CA passphrase (default: the systemd "
                    "credential trustctl-ca-passphrase)");
    cmd->add_option("--key", args->key, "Key type: ec (P-256, ES256) or rsa (2048, RS256)")
        ->check(CLI::IsMember({"ec", "rsa"}));
  };
  CLI::App* init = group->add_subcommand("init", "Create the default signing chain");
  init->add_option("--ca", args->ca, "Built-in CA that issues the keys (default: the only one)");
  add_pass(init);
  init->callback([&ctx, args] { runInit(ctx, *args); });

  CLI::App* rotate = group->add_subcommand("rotate", "Publish the next key, switch after a grace");
  rotate->add_option("--grace", args->grace, "Time before the switch and after it (default 24h)");
  rotate->add_option("--ca", args->ca, "Built-in CA (default: the one of the signing chain)");
  add_pass(rotate);
  rotate->callback([&ctx, args] { runRotate(ctx, *args); });

  CLI::App* advance = group->add_subcommand("advance", "Write the transitions that came due");
  advance->callback([&ctx] { runAdvance(ctx); });

  CLI::App* jwks = group->add_subcommand("jwks", "Print the JWKS of the published keys");
  jwks->add_option("--out", args->out, "Write it to this file instead (atomically)");
  jwks->callback([&ctx, args] { runSigningJwks(ctx, args->out); });

  CLI::App* pem = group->add_subcommand("pem", "Print the active key's chain (PEM)");
  pem->callback([&ctx] { runSigningPem(ctx); });

  CLI::App* status = group->add_subcommand("status", "The keys, their states and what is due");
  status->callback([&ctx] { runSigningStatus(ctx); });

  CLI::App* sign = group->add_subcommand(
      "sign", "Print a compact JWS of a payload signed by the active key (testing)");
  sign->add_option("--payload-file", args->payload_file, "File holding the payload")->required();
  sign->callback([&ctx, args] { runSigningSign(ctx, args->payload_file); });
}

}  // namespace trustctl::agent
