#pragma once
// Instants as Unix seconds, and their one text form (RFC 3339, UTC). trustctl never reads
// the clock below the CLI: functions that judge validity take `now` as an argument.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace trustctl {

using UnixTime = std::int64_t;

// "2026-11-22T10:00:00Z".
std::string formatRfc3339(UnixTime t);
// "2026-11-22".
std::string formatDate(UnixTime t);
// Accepts "2026-11-22", "2026-11-22T10:00:00Z" and "@<unix seconds>"; nullopt otherwise.
std::optional<UnixTime> parseInstant(std::string_view text);
// The wall clock; only the CLI and daemons call it.
UnixTime wallClockNow();

}  // namespace trustctl
