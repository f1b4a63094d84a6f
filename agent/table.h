#pragma once
// A plain text table for terminal output: columns sized to their widest cell, ANSI colour
// codes not counted in the width.

#include <ostream>
#include <string>
#include <vector>

namespace trustctl::agent {

class Table {
 public:
  explicit Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}
  void addRow(std::vector<std::string> cells) { rows_.push_back(std::move(cells)); }
  bool empty() const { return rows_.empty(); }
  void print(std::ostream& out) const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

}  // namespace trustctl::agent
