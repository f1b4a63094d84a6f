// trustctl ca remove: the CA record, its two library entries and, once that change is
// committed, its encrypted keys. Refused while connectors trust its certificates or server
// certificates it issued are in the store, unless --force; what it issued keeps verifying
// against the root a connector already has, but can no longer be renewed.
#include <algorithm>
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "agent/cli_context.h"
#include "truststore/ca_key_file.h"
#include "truststore/file_util.h"
#include "truststore/library.h"
#include "truststore/scope.h"

namespace trustctl::agent {

namespace {

namespace ts = truststore;

// Server certificates whose chain holds the CA's issuing certificate.
std::vector<std::string> issuedBy(const ts::StoreState& state, const ts::CaRecord& ca) {
  std::vector<std::string> out;
  const ts::Entry* issuing = state.findEntry(ca.issuing_entry);
  if (issuing == nullptr || issuing->certificates.empty()) {
    return out;
  }
  for (const auto& [name, server] : state.server_certs) {
    const ts::Entry* e = state.findEntry(server.entry);
    if (e != nullptr && std::find(e->certificates.begin(), e->certificates.end(),
                                  issuing->certificates.front()) != e->certificates.end()) {
      out.push_back(name);
    }
  }
  return out;
}

Result<void> removeCa(ts::Transaction& tx, const std::string& name, bool force,
                      std::vector<std::string>& detached) {
  auto it = tx.state().cas.find(name);
  if (it == tx.state().cas.end()) {
    return fail(ErrorCode::InvalidArgument,
                "no built-in CA is named '" + name + "'; see 'trustctl ca list'");
  }
  ts::CaRecord ca = it->second;
  auto servers = issuedBy(tx.state(), ca);
  if (!servers.empty() && !force) {
    std::string list;
    for (const auto& s : servers) {
      list += (list.empty() ? "" : ", ") + s;
    }
    return fail(ErrorCode::EntryInUse,
                "CA '" + name + "' issued server certificate(s) " + list +
                    ", which could not be renewed without it; remove them first or pass --force");
  }
  for (const auto& entry : {ca.root_entry, ca.issuing_entry}) {
    auto users = tx.state().whereUsed(entry);
    if (!users.empty() && !force) {
      return fail(ErrorCode::EntryInUse, "connector(s) trust '" + entry + "' of CA '" + name +
                                             "'; detach it first or pass --force");
    }
    detached.insert(detached.end(), users.begin(), users.end());
  }
  tx.state().cas.erase(it);  // first: removeEntry refuses the certificates of a live CA
  for (const auto& entry : {ca.root_entry, ca.issuing_entry}) {
    if (tx.state().findEntry(entry) != nullptr) {
      if (auto r = ts::removeEntry(tx, entry, true); !r) {
        return r;
      }
    }
  }
  tx.audit("ca.remove", name, "", "root " + ca.root_entry + ", issuing " + ca.issuing_entry);
  return {};
}

void runCaRemove(CliContext& ctx, const std::string& name, bool force) {
  ts::Store store = ctx.store();
  std::vector<std::string> detached;
  auto generation = store.update(ctx.updateOptions(), [&](ts::Transaction& tx) {
    return removeCa(tx, name, force, detached);
  });
  if (!generation) {
    ctx.fail(generation.error());
    return;
  }
  // After the commit: a crash before this leaves a key folder no CA names, never a CA
  // without its keys. Older generations still list the CA; its keys are gone with this.
  std::string keys = ts::caDir(store.dir(), ts::caKeyFolderName(store.scope(), name));
  ts::removeTree(keys);
  if (ctx.options.json) {
    ctx.printJson({{"removed", name}, {"detached", detached}, {"generation", *generation}});
    return;
  }
  std::cout << "Removed CA " << name << " and destroyed its keys (" << keys << ")\n";
  for (const auto& c : detached) {
    std::cout << "  detached from connector " << c << "\n";
  }
}

}  // namespace

void addCaRemoveCommand(CLI::App* group, CliContext& ctx) {
  auto name = std::make_shared<std::string>();
  auto force = std::make_shared<bool>(false);
  CLI::App* remove =
      group->add_subcommand("remove", "Remove a CA, its library entries and its keys");
  remove->footer(
      "Refused while connectors trust its root or issuing certificate, or while server\n"
      "certificates it issued are in the store, unless --force (they stay, unrenewable).\n\n"
      "Examples:\n  trustctl ca remove test-ca\n  trustctl ca remove old-ca --force");
  remove->add_option("name", *name, "CA name")->required();
  remove->add_flag("--force", *force, "Detach connectors and leave issued certificates");
  remove->callback([&ctx, name, force] { runCaRemove(ctx, *name, *force); });
}

}  // namespace trustctl::agent
