// [scopes."P"] tables of a config file (truststore/scope.h): each scope's entries and
// connectors, read with the same readers as the file's own tables.
#include <toml++/toml.h>

#include "config/config_readers.h"
#include "config/table_reader.h"
#include "truststore/scope.h"

namespace trustctl::config {

namespace detail {

// [scopes."vendor/customer-a"] with entries and connectors tables of their own.
void readScopes(const toml::table& scopes, const std::string& base, ConfigFile& cfg, Problems& p) {
  for (const auto& [key, node] : scopes) {
    std::string path(key.str());
    std::string where = "[scopes.\"" + path + "\"]";
    if (path.empty() || !truststore::isValidScopePath(path)) {
      p.add(node, where + ": " + truststore::invalidScopeError(path).message);
      continue;
    }
    const toml::table* t = node.as_table();
    if (t == nullptr) {
      p.add(node, where + ": expected a table, found " + typeName(node));
      continue;
    }
    ScopeConfig scope;
    scope.path = path;
    scope.where = p.at(node.source());
    TableReader r(*t, where, {"entries", "connectors"}, p);
    for (const char* sub : {"entries", "connectors"}) {
      const toml::node* n = t->get(sub);
      if (n && !n->is_table()) {
        p.add(*n, where + "." + sub + ": expected a table, found " + typeName(*n));
      } else if (n && std::string(sub) == "entries") {
        readEntryTables(*n->as_table(), base, scope.content, p);
      } else if (n) {
        readConnectorTables(*n->as_table(), base, scope.content, p);
      }
    }
    cfg.scopes.push_back(std::move(scope));
  }
}

}  // namespace detail

std::vector<ConnectorSpec> allConnectors(const ConfigFile& config) {
  std::vector<ConnectorSpec> out = config.connectors;
  for (const auto& scope : config.scopes) {
    for (ConnectorSpec c : scope.content.connectors) {
      c.name = scope.path + "/" + c.name;
      out.push_back(std::move(c));
    }
  }
  return out;
}

}  // namespace trustctl::config
