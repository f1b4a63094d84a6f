#pragma once
// Reading one TOML table of a config file against its schema: every problem is collected with
// its file:line:column (not only the first), unknown keys are refused with the list of
// expected ones (typo protection), and every number is checked finite and in range. It knows
// nothing about what the keys mean; config_file.cc does.

#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <toml++/toml.h>

#include "config/config_file.h"

namespace trustctl::config {

// Every problem of one file, each as "file:line:column: what is wrong".
class Problems {
 public:
  explicit Problems(std::string file) : file_(std::move(file)) {}
  Location at(const toml::source_region& r) const;
  void add(const Location& where, const std::string& what);
  void add(const toml::node& n, const std::string& what) { add(at(n.source()), what); }
  bool empty() const { return lines_.empty(); }
  // One line per problem.
  std::string joined() const;

 private:
  std::string file_;
  std::vector<std::string> lines_;
};

// "a table", "an integer", ...: what was found where something else was expected.
const char* typeName(const toml::node& n);

// Typed access to the keys of `table`; each getter returns nullopt both when the key is
// absent and when it is invalid (then the problem is recorded). `where` names the table in
// messages ("[connectors.erp]"). The table and `problems` must outlive the reader.
class TableReader {
 public:
  TableReader(const toml::table& table, std::string where, const std::set<std::string>& allowed,
              Problems& problems);
  std::optional<std::string> string(const std::string& key, Location* loc = nullptr);
  std::optional<long long> integer(const std::string& key, long long min, long long max);
  // A finite number (integer or float) in [min, max]; nan and inf are refused.
  std::optional<double> number(const std::string& key, double min, double max);
  std::optional<bool> boolean(const std::string& key);
  // An array of strings with each element's location.
  std::vector<std::pair<std::string, Location>> strings(const std::string& key);

 private:
  const toml::table& table_;
  std::string where_;
  Problems& p_;
};

}  // namespace trustctl::config
