#pragma once
// The readers config_file.cc and scope_config.cc share (inside config/ only): each reads one
// kind of table into `cfg`, adding one problem per bad value to `p`.

#include <string>

#include <toml++/toml.h>

#include "config/config_file.h"
#include "config/table_reader.h"

namespace trustctl::config::detail {

// The first line of a password file (without a trailing CR); never inline in the config.
truststore::PasswordProvider passwordFromFile(const std::string& file);

void readEntryTables(const toml::table& t, const std::string& base, ConfigFile& cfg, Problems& p);
void readConnectorTables(const toml::table& t, const std::string& base, ConfigFile& cfg,
                         Problems& p);
// [scopes."vendor/customer-a"] with entries and connectors tables of their own.
void readScopes(const toml::table& scopes, const std::string& base, ConfigFile& cfg, Problems& p);

}  // namespace trustctl::config::detail
