#include "agent/config_apply.h"

#include <sstream>

namespace trustctl::agent {

Result<ApplyOutcome> applyConfigFile(const truststore::Store& store,
                                     const truststore::UpdateOptions& options,
                                     const std::string& path, bool prune, bool dry_run) {
  auto snapshot = store.load();
  if (!snapshot) {
    return tl::unexpected(snapshot.error());
  }
  std::vector<std::string> known;
  for (const auto& [name, entry] : snapshot->state.entries)
    known.push_back(name);
  auto config = config::loadConfig(path, known);
  if (!config) {
    return tl::unexpected(config.error());
  }
  ApplyOutcome out;
  if (dry_run) {
    out.plan = config::makePlan(*config, snapshot->state, prune);
  } else {
    truststore::Store writer(store.dir());
    auto updated = writer.update(options, [&](truststore::Transaction& tx) -> Result<void> {
      out.plan = config::makePlan(*config, tx.state(), prune);
      return config::applyPlan(tx, *config, out.plan);
    });
    if (!updated) {
      return tl::unexpected(updated.error());
    }
  }
  out.config = std::move(*config);
  return out;
}

std::vector<std::string> splitLines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty())
      out.push_back(line);
  }
  return out;
}

}  // namespace trustctl::agent
