#include "agent/table.h"

#include <algorithm>

namespace trustctl::agent {

namespace {

size_t visibleWidth(const std::string& s) {
  size_t width = 0;
  bool in_escape = false;
  for (unsigned char c : s) {
    if (in_escape) {
      in_escape = c != 'm';
    } else if (c == 0x1b) {
      in_escape = true;
    } else if ((c & 0xc0) != 0x80) {  // count UTF-8 lead bytes only
      ++width;
    }
  }
  return width;
}

}  // namespace

void Table::print(std::ostream& out) const {
  std::vector<size_t> widths(headers_.size(), 0);
  for (size_t i = 0; i < headers_.size(); ++i) {
    widths[i] = visibleWidth(headers_[i]);
  }
  for (const auto& row : rows_) {
    for (size_t i = 0; i < row.size() && i < widths.size(); ++i) {
      widths[i] = std::max(widths[i], visibleWidth(row[i]));
    }
  }
  auto printRow = [&](const std::vector<std::string>& row) {
    std::string line;
    for (size_t i = 0; i < widths.size(); ++i) {
      const std::string cell = i < row.size() ? row[i] : "";
      line += cell;
      if (i + 1 < widths.size()) {
        line += std::string(widths[i] - visibleWidth(cell) + 2, ' ');
      }
    }
    while (!line.empty() && line.back() == ' ') {
      line.pop_back();
    }
    out << line << "\n";
  };
  printRow(headers_);
  for (const auto& row : rows_) {
    printRow(row);
  }
}

}  // namespace trustctl::agent
