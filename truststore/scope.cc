#include "truststore/scope.h"

#include <algorithm>

namespace trustctl::truststore {

namespace {

std::vector<std::string> connectorRefs(const Connector& c) {
  std::vector<std::string> out;
  for (const auto& t : c.trust) {
    if (parseEntryRef(t)) {
      out.push_back(t);
    }
  }
  if (parseEntryRef(c.identity)) {
    out.push_back(c.identity);
  }
  return out;
}

}  // namespace

bool isValidScopePath(std::string_view path) {
  if (path.empty()) {
    return true;
  }
  int depth = 0;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = path.find('/', start);
    std::string_view segment = path.substr(
        start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    if (!isValidName(segment) || ++depth > kMaxScopeDepth) {
      return false;
    }
    if (slash == std::string_view::npos) {
      return true;
    }
    start = slash + 1;
  }
}

Error invalidScopeError(std::string_view path) {
  return Error{ErrorCode::InvalidScope,
               "scope '" + std::string(path) +
                   "' is not valid; use names of a-z, 0-9, '.', '_' or '-' joined by '/' "
                   "(\"vendor/customer-a\"), at most " +
                   std::to_string(kMaxScopeDepth) + " deep"};
}

Error scopeNotFoundError(const std::string& path) {
  return Error{ErrorCode::ScopeNotFound, "no scope is named '" + path +
                                             "'; see 'trustctl scope list', or create it with "
                                             "'trustctl scope create " +
                                             path + "'"};
}

std::string scopeLabel(const std::string& path) {
  return path.empty() ? "/" : path;
}

std::string parentScope(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos ? "" : path.substr(0, slash);
}

bool isAncestorScope(const std::string& ancestor, const std::string& path) {
  if (path.empty() || ancestor == path) {
    return false;
  }
  return ancestor.empty() ||
         (path.size() > ancestor.size() && path.compare(0, ancestor.size(), ancestor) == 0 &&
          path[ancestor.size()] == '/');
}

std::string scopeFolderPrefix(const std::string& path) {
  if (path.empty()) {
    return "";
  }
  std::string out = "scopes/";
  for (char c : path) {
    out += c == '/' ? std::string("/scopes/") : std::string(1, c);
  }
  return out + "/";
}

std::string caKeyFolderName(const std::string& scope, const std::string& ca) {
  std::string out;
  for (char c : scope) {
    out += c == '/' ? '+' : c;
  }
  return scope.empty() ? ca : out + "+" + ca;
}

std::optional<EntryRef> parseEntryRef(std::string_view name) {
  auto colon = name.rfind(':');
  if (colon == std::string_view::npos) {
    return std::nullopt;
  }
  std::string scope(name.substr(0, colon));
  if (scope == "/") {
    scope.clear();
  } else if (scope.empty()) {
    return std::nullopt;  // ":x" is no reference; "/:x" names the root
  }
  return EntryRef{scope, std::string(name.substr(colon + 1))};
}

std::string entryRefName(const EntryRef& ref) {
  return scopeLabel(ref.scope) + ":" + ref.entry;
}

StoreState* findScope(StoreState& root, const std::string& path) {
  if (path.empty()) {
    return &root;
  }
  auto it = root.scopes.find(path);
  return it == root.scopes.end() ? nullptr : &it->second;
}

const StoreState* findScope(const StoreState& root, const std::string& path) {
  return findScope(const_cast<StoreState&>(root), path);
}

void forEachScope(const StoreState& root,
                  const std::function<void(const std::string&, const StoreState&)>& fn) {
  fn("", root);
  for (const auto& [path, s] : root.scopes) {  // map order: "a" before "a/b"
    fn(path, s);
  }
}

Result<void> importEntryRef(StoreState& scope, const std::string& path, const StoreState& root,
                            const std::string& ref_name) {
  auto ref = parseEntryRef(ref_name);
  if (!ref || !isAncestorScope(ref->scope, path)) {
    return fail(ErrorCode::InvalidArgument,
                "'" + ref_name + "' names no ancestor of scope " + scopeLabel(path) +
                    "; a scope references only its ancestors' entries, as "
                    "'<ancestor>:<entry>' ('/:<entry>' for the root)");
  }
  const StoreState* owner = findScope(root, ref->scope);
  const Entry* entry = owner == nullptr ? nullptr : owner->findEntry(ref->entry);
  if (entry == nullptr || parseEntryRef(entry->name)) {
    return fail(ErrorCode::EntryNotFound,
                "scope " + scopeLabel(ref->scope) + " has no library entry named '" + ref->entry +
                    "'; see 'trustctl --scope " + scopeLabel(ref->scope) + " list'");
  }
  Entry copy = *entry;
  copy.name = ref_name;
  scope.entries[ref_name] = std::move(copy);
  for (const auto& sha : entry->certificates) {
    if (auto it = owner->certificates.find(sha); it != owner->certificates.end()) {
      scope.certificates.emplace(sha, it->second);
    }
  }
  return {};
}

Result<void> importReferencedEntries(StoreState& scope, const std::string& path,
                                     const StoreState& root) {
  for (const auto& [name, c] : scope.connectors) {
    for (const auto& ref : connectorRefs(c)) {
      if (scope.entries.count(ref) != 0) {
        continue;
      }
      if (auto r = importEntryRef(scope, path, root, ref); !r) {
        return fail(r.error().code,
                    "scope " + scopeLabel(path) + ", connector " + name + ": " + r.error().message);
      }
    }
  }
  return {};
}

Result<StoreState> scopeView(const StoreState& root, const std::string& path) {
  const StoreState* scope = findScope(root, path);
  if (scope == nullptr) {
    return tl::unexpected(scopeNotFoundError(path));
  }
  StoreState view = path.empty() ? StoreState{} : *scope;
  if (path.empty()) {  // the root's view is the root without its descendants
    view = root;
    view.scopes.clear();
  }
  view.generation = root.generation;
  if (auto r = importReferencedEntries(view, path, root); !r) {
    return tl::unexpected(r.error());
  }
  return view;
}

Result<void> settleEntryRefs(StoreState& root,
                             const std::map<std::string, std::map<std::string, Entry>>& imported) {
  for (const auto& [path, copies] : imported) {
    StoreState* scope = findScope(root, path);
    if (scope == nullptr) {
      continue;  // the scope itself was removed
    }
    for (const auto& [name, original] : copies) {
      const Entry* now = scope->findEntry(name);
      bool same = now != nullptr && now->certificates == original.certificates &&
                  now->key_id == original.key_id && now->note == original.note &&
                  now->environment == original.environment;
      if (!same) {
        auto ref = parseEntryRef(name);
        return fail(ErrorCode::ScopeReadOnly, "'" + name + "' is an entry of scope " +
                                                  scopeLabel(ref->scope) + ", referenced from " +
                                                  scopeLabel(path) +
                                                  "; change it there ('trustctl "
                                                  "--scope " +
                                                  scopeLabel(ref->scope) + " ...')");
      }
    }
  }
  for (auto& [path, scope] : root.scopes) {
    for (auto it = scope.entries.begin(); it != scope.entries.end();) {
      it = parseEntryRef(it->first) ? scope.entries.erase(it) : std::next(it);
    }
    scope.dropUnreferencedCertificates();
  }
  std::string problem;
  forEachScope(root, [&](const std::string& path, const StoreState& scope) {
    for (const auto& [name, c] : scope.connectors) {
      for (const auto& ref_name : connectorRefs(c)) {
        auto ref = parseEntryRef(ref_name);
        const StoreState* owner = findScope(root, ref->scope);
        if (problem.empty() && (!isAncestorScope(ref->scope, path) || owner == nullptr ||
                                owner->findEntry(ref->entry) == nullptr)) {
          problem = "scope " + scopeLabel(path) + ": connector " + name + " uses '" + ref_name +
                    "', which is no entry of an ancestor scope; an entry a descendant uses is "
                    "removed or renamed only after that connector stops using it (see "
                    "'trustctl --scope " +
                    scopeLabel(ref->scope) + " where-used " + ref->entry + "')";
        }
      }
    }
  });
  if (!problem.empty()) {
    return fail(ErrorCode::InvalidArgument, problem);
  }
  return {};
}

namespace {

std::string flatName(const std::string& scope, const std::string& name) {
  if (auto ref = parseEntryRef(name)) {
    return ref->scope.empty() ? ref->entry : ref->scope + "/" + ref->entry;
  }
  return scope.empty() || name.empty() ? name : scope + "/" + name;
}

}  // namespace

StoreState flattenScopes(const StoreState& tree) {
  if (tree.scopes.empty()) {
    return tree;
  }
  StoreState flat = tree;
  flat.scopes.clear();
  for (const auto& [path, s] : tree.scopes) {
    flat.certificates.insert(s.certificates.begin(), s.certificates.end());
    for (const auto& [name, e] : s.entries) {
      Entry copy = e;
      copy.name = flatName(path, name);
      flat.entries.emplace(copy.name, std::move(copy));
    }
    for (const auto& [name, c] : s.connectors) {
      Connector copy = c;
      copy.name = flatName(path, name);
      copy.identity = flatName(path, c.identity);
      for (auto& t : copy.trust) {
        t = flatName(path, t);
      }
      flat.connectors.emplace(copy.name, std::move(copy));
    }
    for (const auto& [name, server] : s.server_certs) {
      ServerCert copy = server;
      copy.name = flatName(path, name);
      copy.entry = flatName(path, server.entry);
      flat.server_certs.emplace(copy.name, std::move(copy));
    }
    for (const auto& [name, ca] : s.cas) {
      CaRecord copy = ca;
      copy.name = flatName(path, name);
      copy.root_entry = flatName(path, ca.root_entry);
      copy.issuing_entry = flatName(path, ca.issuing_entry);
      flat.cas.emplace(copy.name, std::move(copy));
    }
  }
  return flat;
}

std::pair<std::string, std::string> scopeOfFlatName(const std::string& flat) {
  auto slash = flat.rfind('/');
  if (slash == std::string::npos) {
    return {"", flat};
  }
  return {flat.substr(0, slash), flat.substr(slash + 1)};
}

std::vector<std::string> referencesFromOtherScopes(const StoreState& root, const std::string& path,
                                                   const std::string& entry) {
  std::string wanted = entryRefName(EntryRef{path, entry});
  std::vector<std::string> out;
  for (const auto& [scope_path, scope] : root.scopes) {
    if (!isAncestorScope(path, scope_path)) {
      continue;
    }
    for (const auto& name : scope.whereUsed(wanted)) {
      out.push_back(scope_path + ":" + name);
    }
  }
  return out;
}

}  // namespace trustctl::truststore
