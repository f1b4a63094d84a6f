#pragma once
// A child process driven line by line: the test writes a line to its standard input and reads
// the line it answers, with a bounded wait; standard error goes to a file the test can read.
// Used to keep a connector process running while the store changes under it.

#include <string>
#include <vector>

namespace trustctl::testing {

class InteractiveProcess {
 public:
  InteractiveProcess(const std::vector<std::string>& argv, const std::string& stderr_path);
  ~InteractiveProcess();
  InteractiveProcess(const InteractiveProcess&) = delete;
  InteractiveProcess& operator=(const InteractiveProcess&) = delete;

  // Sends `line` and returns the next line of output ("" when none came within the timeout
  // or the process ended).
  std::string ask(const std::string& line, int timeout_ms = 20000);
  // Everything the process wrote to standard error so far.
  std::string errors() const;

 private:
  std::string readLine(int timeout_ms);
  int pid_ = -1;
  int to_child_ = -1;
  int from_child_ = -1;
  std::string pending_;
  std::string stderr_path_;
};

}  // namespace trustctl::testing
