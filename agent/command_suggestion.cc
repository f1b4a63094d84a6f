#include "agent/command_suggestion.h"

#include <algorithm>
#include <vector>

namespace trustctl::agent {

namespace {

std::vector<const CLI::App*> childrenOf(const CLI::App& app) {
  return app.get_subcommands({});
}

const CLI::App* childNamed(const CLI::App& app, const std::string& name) {
  for (const CLI::App* child : childrenOf(app)) {
    if (child->check_name(name)) {
      return child;
    }
  }
  return nullptr;
}

bool takesPositionals(const CLI::App& app) {
  return !app.get_options([](const CLI::Option* o) { return o->get_positional(); }).empty();
}

// The option named by `token` at this level or a parent (the top-level options fall through).
const CLI::Option* optionFor(const CLI::App* app, const std::string& token) {
  const std::string name = token.substr(0, token.find('='));
  for (; app != nullptr; app = app->get_parent()) {
    if (const CLI::Option* o = app->get_option_no_throw(name)) {
      return o;
    }
  }
  return nullptr;
}

// A close name is one or two edits away (never more than a third of the word), or the only
// command the typed word is a prefix of.
std::optional<std::string> closestName(const CLI::App& level, const std::string& typed) {
  std::optional<std::string> best;
  std::size_t best_distance = std::max<std::size_t>(1, std::min<std::size_t>(2, typed.size() / 3));
  std::vector<std::string> prefixed;
  for (const CLI::App* child : childrenOf(level)) {
    const std::string& name = child->get_name();
    const std::size_t d = editDistance(typed, name);
    if (d <= best_distance && (!best || d < best_distance)) {
      best = name;
      best_distance = d;
    }
    if (name.rfind(typed, 0) == 0) {
      prefixed.push_back(name);
    }
  }
  if (!best && prefixed.size() == 1 && typed.size() >= 2) {
    best = prefixed.front();
  }
  return best;
}

}  // namespace

std::optional<std::string> unknownCommandMessage(const CLI::App& app, int argc,
                                                 const char* const* argv) {
  const CLI::App* level = &app;
  std::string path;  // the subcommands walked so far, each followed by a space
  for (int i = 1; i < argc; ++i) {
    const std::string token = argv[i];
    if (token == "--") {
      return std::nullopt;
    }
    if (token.size() > 1 && token[0] == '-') {
      const CLI::Option* option = optionFor(level, token);
      if (option != nullptr && option->get_expected_min() > 0 &&
          token.find('=') == std::string::npos) {
        ++i;  // its value, which may look like anything
      }
      continue;
    }
    if (const CLI::App* child = childNamed(*level, token)) {
      level = child;
      path += token + " ";
      continue;
    }
    if (childrenOf(*level).empty() || takesPositionals(*level)) {
      return std::nullopt;  // an argument, not a command
    }
    std::string message = "unknown command '" + path + token + "'";
    if (auto name = closestName(*level, token)) {
      message += "; did you mean '" + path + *name + "'?";
    }
    return message + " (see 'trustctl " + path + "--help')";
  }
  return std::nullopt;
}

std::size_t editDistance(const std::string& a, const std::string& b) {
  // d[i][j]: distance between the first i characters of a and the first j of b.
  std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
  for (std::size_t i = 0; i <= a.size(); ++i) {
    d[i][0] = i;
  }
  for (std::size_t j = 0; j <= b.size(); ++j) {
    d[0][j] = j;
  }
  for (std::size_t i = 1; i <= a.size(); ++i) {
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t cost = a[i - 1] == b[j - 1] ? 0 : 1;
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) {
        d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
      }
    }
  }
  return d[a.size()][b.size()];
}

}  // namespace trustctl::agent
