// trustctl ca rotate: a new issuing intermediate under the same root. The root's key is
// opened with the passphrase to sign it; the old issuing certificate stays a library entry, so
// the chains it signed (and the files of the server certificates it issued) keep verifying to
// the root, while new issues and renewals use the new one.
#include <iostream>
#include <memory>

#include <CLI/CLI.hpp>

#include "agent/cli_context.h"
#include "truststore/builtin_ca.h"
#include "truststore/ca_key_file.h"
#include "truststore/file_util.h"
#include "truststore/library.h"
#include "truststore/scope.h"
#include "truststore/secret_wipe.h"

namespace trustctl::agent {

namespace {

struct RotateArgs {
  std::string name;
  std::string passphrase_file;
};

// The generation of the issuing entry after `current`: "<ca>-issuing" is the first,
// "<ca>-issuing-gN" the N-th.
int nextGeneration(const std::string& ca, const std::string& current) {
  std::string prefix = ca + "-issuing-g";
  if (current.rfind(prefix, 0) != 0) {
    return 2;
  }
  return std::atoi(current.c_str() + prefix.size()) + 1;
}

struct RootMaterial {
  truststore::CertificatePtr root;
  truststore::PrivateKeyPtr root_key;
};

Result<RootMaterial> openRoot(const truststore::Store& store, const truststore::StoreState& state,
                              const truststore::CaRecord& ca, const std::string& passphrase) {
  const truststore::Entry* entry = state.findEntry(ca.root_entry);
  if (entry == nullptr || entry->certificates.empty()) {
    return tl::unexpected(truststore::entryNotFoundError(ca.root_entry));
  }
  auto root = store.loadCertificate(entry->certificates.front());
  if (!root) {
    return tl::unexpected(root.error());
  }
  std::string path =
      truststore::caRootKeyPath(store.dir(), truststore::caKeyFolderName(store.scope(), ca.name));
  auto pem = truststore::readWholeFile(path);
  if (!pem) {
    return tl::unexpected(pem.error());
  }
  auto key = truststore::decryptCaKey(*pem, passphrase, path);
  truststore::wipeSecret(*pem);
  if (!key) {
    return tl::unexpected(key.error());
  }
  if (!(*key)->matches(**root)) {
    return fail(ErrorCode::StoreCorrupt, path + ": does not belong to entry '" + ca.root_entry +
                                             "'; restore the CA's files");
  }
  return RootMaterial{*root, *key};
}

void runRotate(CliContext& ctx, const RotateArgs& a) {
  truststore::Store store = ctx.store();
  auto snapshot = store.load();
  if (!snapshot) {
    ctx.fail(snapshot.error());
    return;
  }
  auto it = snapshot->state.cas.find(a.name);
  if (it == snapshot->state.cas.end()) {
    ctx.fail({ErrorCode::EntryNotFound,
              "no built-in CA is named '" + a.name + "'; see 'trustctl ca list'"});
    return;
  }
  truststore::CaRecord ca = it->second;
  int generation = nextGeneration(ca.name, ca.issuing_entry);
  std::string entry = ca.name + "-issuing-g" + std::to_string(generation);
  if (!truststore::isValidName(entry)) {
    ctx.fail(truststore::invalidNameError("entry (the CA's name is too long to rotate)", entry));
    return;
  }
  auto passphrase = truststore::readCaPassphrase(a.passphrase_file);
  if (!passphrase) {
    ctx.fail(passphrase.error());
    return;
  }
  auto root = openRoot(store, snapshot->state, ca, *passphrase);
  if (!root) {
    truststore::wipeSecret(*passphrase);
    ctx.fail(root.error());
    return;
  }
  auto key_type =
      truststore::caKeyTypeFromName(ca.key_algorithm).value_or(truststore::CaKeyType::Ec);
  auto issuing = truststore::issueIntermediate(*root->root, *root->root_key, ca.name, key_type,
                                               generation, wallClockNow());
  if (!issuing) {
    truststore::wipeSecret(*passphrase);
    ctx.fail(issuing.error());
    return;
  }
  std::string old_entry = ca.issuing_entry;
  auto written = store.update(ctx.updateOptions(), [&](truststore::Transaction& tx) {
    auto current = tx.state().cas.find(ca.name);
    if (current == tx.state().cas.end() || current->second.issuing_entry != old_entry) {
      return Result<void>(tl::unexpected(Error{
          ErrorCode::PlanChanged, "CA '" + ca.name + "' changed while rotating; run it again"}));
    }
    truststore::ImportedMaterial material;
    material.certificates = {issuing->cert};
    truststore::ImportRequest request{
        entry,
        std::move(material),
        "trustctl ca rotate",
        "built-in CA " + ca.name + " (issuing, generation " + std::to_string(generation) + ")",
        "",
        false};
    if (auto r = truststore::importEntry(tx, request); !r) {
      return r;
    }
    // Last, under the lock: a failed key write drops the transaction, so the record never
    // names an issuing entry whose key is not on disk.
    if (auto r =
            truststore::saveCaKeys(store.dir(), truststore::caKeyFolderName(store.scope(), ca.name),
                                   *root->root_key, *issuing->key, *passphrase);
        !r) {
      return r;
    }
    current->second.issuing_entry = entry;
    tx.audit("ca.rotate", ca.name, issuing->cert->sha256(),
             "issuing " + entry + " replaces " + old_entry + " (kept: what it signed verifies)");
    return Result<void>{};
  });
  truststore::wipeSecret(*passphrase);
  if (!written) {
    ctx.fail(written.error());
    return;
  }
  const auto& info = issuing->cert->info();
  if (ctx.options.json) {
    ctx.printJson({{"ca", ca.name},
                   {"issuing_entry", entry},
                   {"previous_issuing_entry", old_entry},
                   {"sha256", info.sha256},
                   {"subject", info.subject},
                   {"not_after", formatRfc3339(info.not_after)}});
    return;
  }
  std::cout << "Rotated CA " << ctx.bold(ca.name) << ": issuing " << entry << " (" << info.subject
            << ", expires " << formatDate(info.not_after) << ")\n  " << old_entry
            << " stays in the library: what it signed still verifies to " << ca.root_entry
            << "\n  Renew its server certificates: trustctl server-cert renew "
            << "NAME --passphrase-file FILE\n";
}

}  // namespace

void addCaRotateCommand(CLI::App& group, CliContext& ctx) {
  auto a = std::make_shared<RotateArgs>();
  CLI::App* rotate =
      group.add_subcommand("rotate", "A new issuing CA under the same root; the old one stays");
  rotate->footer(
      "Opens the root's key with the passphrase, signs a new issuing CA (NAME-issuing-gN) and\n"
      "makes it the one new certificates come from. The previous issuing CA stays a library\n"
      "entry: chains it signed verify to the same root until they are renewed.\n\nExamples:\n"
      "  trustctl ca rotate corp --passphrase-file /etc/trustctl/ca.pass");
  rotate->add_option("name", a->name, "CA name")->required();
  rotate->add_option("--passphrase-file", a->passphrase_file,
                     "File whose first line is the CA passphrase (default: the systemd "
                     "credential trustctl-ca-passphrase)");
  rotate->callback([&ctx, a] { runRotate(ctx, *a); });
}

}  // namespace trustctl::agent
