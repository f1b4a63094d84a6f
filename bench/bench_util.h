#pragma once
// Timing helpers for the benchmarks: run a command (argv, no shell, or a shell pipeline) with
// its output discarded, take the median wall time of several runs, and print aligned rows.

#include <functional>
#include <string>
#include <vector>

namespace trustctl::bench {

// Runs argv with stdout/stderr to /dev/null; returns the exit code (-1 when it did not start).
int runQuiet(const std::vector<std::string>& argv);
// Median wall seconds of `repeat` calls of `fn`.
double medianSeconds(int repeat, const std::function<void()>& fn);
// Peak resident set size of this process's children so far, in MiB.
double childrenPeakRssMiB();
void printRow(const std::string& what, double ours, const std::string& other_label, double other);

}  // namespace trustctl::bench
