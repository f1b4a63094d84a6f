#include "config/table_reader.h"

#include <cmath>
#include <sstream>

namespace trustctl::config {

namespace {

std::string shortNumber(double v) {
  std::ostringstream out;
  out << v;
  return out.str();
}

}  // namespace

Location Problems::at(const toml::source_region& r) const {
  return {file_, static_cast<int>(r.begin.line), static_cast<int>(r.begin.column)};
}

void Problems::add(const Location& where, const std::string& what) {
  lines_.push_back(where.str() + ": " + what);
}

std::string Problems::joined() const {
  // A file of thousands of bad keys must not become thousands of log lines on every reload.
  constexpr size_t kShown = 20;
  std::string out;
  for (size_t i = 0; i < lines_.size() && i < kShown; ++i) {
    out += (out.empty() ? "" : "\n") + lines_[i];
  }
  if (lines_.size() > kShown) {
    out += "\n" + file_ + ": " + std::to_string(lines_.size() - kShown) +
           " more problems not shown; fix the ones above first";
  }
  return out;
}

const char* typeName(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::table:
      return "a table";
    case toml::node_type::array:
      return "an array";
    case toml::node_type::string:
      return "a string";
    case toml::node_type::integer:
      return "an integer";
    case toml::node_type::floating_point:
      return "a number";
    case toml::node_type::boolean:
      return "a boolean";
    default:
      return "a date or time";
  }
}

TableReader::TableReader(const toml::table& table, std::string where,
                         const std::set<std::string>& allowed, Problems& problems)
    : table_(table), where_(std::move(where)), p_(problems) {
  std::string expected;
  for (const auto& k : allowed) {
    expected += (expected.empty() ? "" : ", ") + k;
  }
  for (auto&& [key, value] : table) {
    if (!allowed.count(std::string(key.str()))) {
      p_.add(p_.at(key.source()), "unknown key '" + std::string(key.str()) + "' in " + where_ +
                                      "; expected one of: " + expected);
    }
  }
}

std::optional<std::string> TableReader::string(const std::string& key, Location* loc) {
  const toml::node* n = table_.get(key);
  if (!n) {
    return std::nullopt;
  }
  if (loc) {
    *loc = p_.at(n->source());
  }
  if (!n->is_string()) {
    p_.add(*n, where_ + "." + key + ": expected a string, found " + typeName(*n));
    return std::nullopt;
  }
  return n->value<std::string>();
}

std::optional<long long> TableReader::integer(const std::string& key, long long min,
                                              long long max) {
  const toml::node* n = table_.get(key);
  if (!n) {
    return std::nullopt;
  }
  if (!n->is_integer()) {
    p_.add(*n, where_ + "." + key + ": expected an integer, found " + typeName(*n));
    return std::nullopt;
  }
  long long v = *n->value<long long>();
  if (v < min || v > max) {
    p_.add(*n, where_ + "." + key + ": " + std::to_string(v) + " is out of range " +
                   std::to_string(min) + "-" + std::to_string(max));
    return std::nullopt;
  }
  return v;
}

std::optional<double> TableReader::number(const std::string& key, double min, double max) {
  const toml::node* n = table_.get(key);
  if (!n) {
    return std::nullopt;
  }
  if (!n->is_number()) {
    p_.add(*n, where_ + "." + key + ": expected a number, found " + typeName(*n));
    return std::nullopt;
  }
  double v = *n->value<double>();
  // nan compares false with everything, so a plain range test would let it through.
  if (!std::isfinite(v)) {
    p_.add(*n, where_ + "." + key + ": " + shortNumber(v) + " is not a finite number; give " +
                   shortNumber(min) + "-" + shortNumber(max));
    return std::nullopt;
  }
  if (v < min || v > max) {
    p_.add(*n, where_ + "." + key + ": " + shortNumber(v) + " is out of range " + shortNumber(min) +
                   "-" + shortNumber(max));
    return std::nullopt;
  }
  return v;
}

std::optional<bool> TableReader::boolean(const std::string& key) {
  const toml::node* n = table_.get(key);
  if (!n) {
    return std::nullopt;
  }
  if (!n->is_boolean()) {
    p_.add(*n, where_ + "." + key + ": expected true or false, found " + typeName(*n));
    return std::nullopt;
  }
  return n->value<bool>();
}

std::vector<std::pair<std::string, Location>> TableReader::strings(const std::string& key) {
  std::vector<std::pair<std::string, Location>> out;
  const toml::node* n = table_.get(key);
  if (!n) {
    return out;
  }
  if (!n->is_array()) {
    p_.add(*n, where_ + "." + key + ": expected an array of strings, found " + typeName(*n));
    return out;
  }
  for (const auto& item : *n->as_array()) {
    if (!item.is_string()) {
      p_.add(item, where_ + "." + key + ": expected a string, found " + typeName(item));
      continue;
    }
    out.emplace_back(*item.value<std::string>(), p_.at(item.source()));
  }
  return out;
}

}  // namespace trustctl::config
