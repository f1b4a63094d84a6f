#include "agent/agent_log.h"

#include <sys/stat.h>

#include <cstdlib>
#include <memory>
#include <string>

#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include "truststore/text_escape.h"

namespace trustctl::agent {

namespace {

// The syslog priority of a level, as journald reads it from "<N>".
class SyslogPriorityFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    char digit = '6';
    switch (msg.level) {
      case spdlog::level::trace:
      case spdlog::level::debug:
        digit = '7';
        break;
      case spdlog::level::info:
        digit = '6';
        break;
      case spdlog::level::warn:
        digit = '4';
        break;
      case spdlog::level::err:
        digit = '3';
        break;
      default:
        digit = '2';
        break;
    }
    const char text[] = {'<', digit, '>'};
    dest.append(text, text + 3);
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<SyslogPriorityFlag>();
  }
};

// The message with control characters escaped: log lines carry names and texts that came from
// certificates and servers, and a raw ESC or newline there would recolour a terminal tailing
// the log or forge a log line.
class EscapedMessageFlag : public spdlog::custom_flag_formatter {
 public:
  void format(const spdlog::details::log_msg& msg, const std::tm&,
              spdlog::memory_buf_t& dest) override {
    std::string text =
        truststore::escapeControl(std::string_view(msg.payload.data(), msg.payload.size()));
    dest.append(text.data(), text.data() + text.size());
  }
  std::unique_ptr<custom_flag_formatter> clone() const override {
    return std::make_unique<EscapedMessageFlag>();
  }
};

}  // namespace

bool stderrIsJournal() {
  const char* env = std::getenv("JOURNAL_STREAM");
  if (!env) {
    return false;
  }
  std::string value = env;
  size_t colon = value.find(':');
  struct stat st {};
  if (colon == std::string::npos || fstat(2, &st) != 0) {
    return false;
  }
  return value.substr(0, colon) == std::to_string(st.st_dev) &&
         value.substr(colon + 1) == std::to_string(st.st_ino);
}

void setUpAgentLog() {
  auto logger = spdlog::stderr_color_mt("trustctl-agent");
  auto formatter = std::make_unique<spdlog::pattern_formatter>();
  formatter->add_flag<EscapedMessageFlag>('&');
  if (stderrIsJournal()) {
    formatter->add_flag<SyslogPriorityFlag>('*').set_pattern("%*%&");
  } else {
    formatter->set_pattern("%Y-%m-%dT%H:%M:%S.%e%z %l %&");
  }
  logger->set_formatter(std::move(formatter));
  spdlog::set_default_logger(logger);
}

}  // namespace trustctl::agent
