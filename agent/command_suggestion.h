#pragma once
// "Did you mean": when the command line names a subcommand that does not exist, find where
// (top level or under a group such as `connector`) and the closest existing name, so a typo
// gets one line with the fix instead of CLI11's "arguments were not expected". It only reads
// the declared command tree; it never decides whether the rest of the line is valid.

#include <optional>
#include <string>

#include <CLI/CLI.hpp>

namespace trustctl::agent {

// Walks argv (argv[0] is the program) through `app`'s subcommands, skipping options and their
// values. If it reaches a token that is not a subcommand at a level that takes subcommands and
// no positional arguments, returns the one-line message for it, e.g.
//   unknown command 'connector creat'; did you mean 'connector create'?
// (without "did you mean" when nothing is close). Otherwise std::nullopt: the parse error
// is about something else and the caller reports it as it is.
std::optional<std::string> unknownCommandMessage(const CLI::App& app, int argc,
                                                 const char* const* argv);

// Optimal-string-alignment edit distance (insertions, deletions, substitutions and adjacent
// transpositions each cost 1), so "lsit" is one edit from "list".
std::size_t editDistance(const std::string& a, const std::string& b);

}  // namespace trustctl::agent
