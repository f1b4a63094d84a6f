#pragma once
// Scopes (issue 15; SAFEQ's vendor and customer accounts): a scope is a node of a tree named
// by its path, "vendor" or "vendor/customer-a", with a library, connectors, server
// certificates and CAs of its own. The root scope is the store as it always was (path "").
// Every scope's state lives in the root's StoreState::scopes, so one generation holds them
// all and one transaction can change several.
//
// Nothing is inherited: a connector sees only its own scope's entries, unless it names an
// entry of an ancestor explicitly as "<ancestor>:<entry>" ("vendor:corp-root", or
// "/:corp-root" for the root). While a scope is loaded, the ancestor entries its connectors
// reference are copied into its state under those names, so every reader (verify, probe,
// runtime files) works unchanged; they are taken out again before the state is written, and
// a change to such a copy is refused: it belongs to its own scope.

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "truststore/error.h"
#include "truststore/store_state.h"

namespace trustctl::truststore {

inline constexpr int kMaxScopeDepth = 4;

// Segments are valid names (isValidName) joined by '/', at most kMaxScopeDepth of them;
// "" (the root) is valid.
bool isValidScopePath(std::string_view path);
Error invalidScopeError(std::string_view path);
Error scopeNotFoundError(const std::string& path);
// The path shown to people: "/" for the root.
std::string scopeLabel(const std::string& path);
// "vendor/customer-a" -> "vendor"; "vendor" -> ""; "" -> "".
std::string parentScope(const std::string& path);
// True when `ancestor` is a proper ancestor of `path` (the root is an ancestor of every
// scope but itself).
bool isAncestorScope(const std::string& ancestor, const std::string& path);
// Where a scope's runtime and server files live inside a generation: "" for the root, else
// "scopes/vendor/scopes/customer-a/" (nested, so no scope name can collide with a folder).
std::string scopeFolderPrefix(const std::string& path);

// The folder under <store>/ca/ holding a CA's encrypted keys (ca_key_file.h): the CA's name
// for the root, "vendor+customer-a+NAME" in a scope ('+' is in no name, so none collide, and
// the folder stays one level deep for backup and restore).
std::string caKeyFolderName(const std::string& scope, const std::string& ca);

struct EntryRef {
  std::string scope;  // "" = the root
  std::string entry;
};
// "vendor:corp-root" or "/:corp-root"; nullopt for a plain entry name.
std::optional<EntryRef> parseEntryRef(std::string_view name);
std::string entryRefName(const EntryRef& ref);

// The scope's state inside `root` (root itself for ""); nullptr when it does not exist.
StoreState* findScope(StoreState& root, const std::string& path);
const StoreState* findScope(const StoreState& root, const std::string& path);
// Calls `fn` for the root and then every scope, parents before children.
void forEachScope(const StoreState& root,
                  const std::function<void(const std::string&, const StoreState&)>& fn);

// Copies the ancestor entry `ref_name` names (and its certificates' metadata) into `scope`'s
// state, which lives at `path` in `root`. Fails with InvalidArgument when `ref_name` names no
// ancestor of `path`, EntryNotFound when that scope has no such entry.
Result<void> importEntryRef(StoreState& scope, const std::string& path, const StoreState& root,
                            const std::string& ref_name);
// Imports every reference the connectors of `scope` make. The references were checked when
// written, so a failure here means the tree is inconsistent.
Result<void> importReferencedEntries(StoreState& scope, const std::string& path,
                                     const StoreState& root);
// A copy of `path`'s state with its references imported: what readers of that scope see.
Result<StoreState> scopeView(const StoreState& root, const std::string& path);

// Before a tree is written: every imported copy is taken out of every scope (failing with
// ScopeReadOnly when a change altered or removed one that is still referenced), then every
// reference of every connector must name an existing entry of an ancestor (InvalidArgument
// naming the scope, connector and reference otherwise: an ancestor removed or renamed an
// entry a descendant still uses).
Result<void> settleEntryRefs(StoreState& root,
                             const std::map<std::string, std::map<std::string, Entry>>& imported);

// The whole tree as one flat state for the agent, which runs every scope: a scope's entries,
// connectors, server certificates and CAs are named "<scope>/<name>" ("vendor/customer-a/crm";
// no plain name has a '/'), its references "<ancestor>/<entry>", the root's stay as they are.
// Store::connectorPath and serverCertPath take those names. scopeOfFlatName splits one.
StoreState flattenScopes(const StoreState& tree);
// "vendor/customer-a/crm" -> {"vendor/customer-a", "crm"}; "crm" -> {"", "crm"}.
std::pair<std::string, std::string> scopeOfFlatName(const std::string& flat);

// The connectors of other scopes that reference `entry` of scope `path`: "vendor/customer-a:
// crm" each, for where-used on the referenced side.
std::vector<std::string> referencesFromOtherScopes(const StoreState& root, const std::string& path,
                                                   const std::string& entry);

}  // namespace trustctl::truststore
