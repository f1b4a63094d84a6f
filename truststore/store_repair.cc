// Store::repair: what `trustctl store check --repair` does when `current` is lost (deleted,
// skipped by a copy, replaced by a folder, or pointing outside generations/): point it again at
// the newest complete generation, under the writer lock. A store whose `current` is sound is
// left untouched; deeper problems are for `store check` to report.
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "truststore/file_util.h"
#include "truststore/store.h"
#include "truststore/store_files.h"
#include "truststore/store_format.h"
#include "truststore/store_generations.h"
#include "truststore/store_lock.h"

namespace trustctl::truststore {

Result<RepairReport> Store::repair(const UpdateOptions& options) {
  if (auto r = checkStoreSafety(dir_); !r) {
    return tl::unexpected(r.error());
  }
  if (!pathExists(dir_)) {
    return RepairReport{};
  }
  auto lock = StoreLock::acquire(dir_, options.lock_timeout);
  if (!lock) {
    return tl::unexpected(lock.error());
  }
  if (auto format = readStoreFormat(dir_); !format) {
    return tl::unexpected(format.error());
  }
  CurrentLink link = readCurrentLink(dir_);
  RepairReport report;
  if (link.kind == CurrentLink::Kind::Generation) {
    if (isCompleteGeneration(generationDir(link.generation))) {
      return report;
    }
    report.problem = "pointed at generation " + std::to_string(link.generation) +
                     ", which is missing or incomplete";
  } else if (link.kind == CurrentLink::Kind::Invalid) {
    report.problem = link.problem;
  } else {
    report.problem = "was missing";
  }
  auto gens = listGenerations(dir_);
  if (gens.empty() && link.kind == CurrentLink::Kind::Missing) {
    return RepairReport{};  // a store never written: nothing to point at, nothing lost
  }
  for (auto it = gens.rbegin(); it != gens.rend(); ++it) {
    if (!isCompleteGeneration(generationDir(*it))) {
      continue;
    }
    if (link.kind == CurrentLink::Kind::Invalid) {
      // rename() cannot replace a folder with the new link: move what is there aside, kept.
      std::string aside = dir_ + "/current.damaged";
      removeTree(aside);
      if (::rename((dir_ + "/current").c_str(), aside.c_str()) != 0 && errno != ENOENT) {
        return fail(ErrorCode::Io, dir_ + "/current: cannot move it aside: " +
                                       std::strerror(errno) + "; move it away by hand");
      }
      report.moved_aside = aside;
    }
    if (auto r = switchCurrent(dir_, *it); !r) {
      return tl::unexpected(r.error());
    }
    report.repaired = true;
    report.generation = *it;
    return report;
  }
  return fail(ErrorCode::StoreCorrupt,
              dir_ +
                  "/generations: holds no complete generation (state.json and every "
                  "connector's runtime files) for current to point at; restore a backup "
                  "with 'trustctl store restore FILE'");
}

}  // namespace trustctl::truststore
