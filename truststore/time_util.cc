#include "truststore/time_util.h"

#include <chrono>
#include <cstdio>
#include <ctime>

namespace trustctl {

namespace {

std::tm utcParts(UnixTime t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm parts{};
  gmtime_r(&tt, &parts);
  return parts;
}

}  // namespace

std::string formatRfc3339(UnixTime t) {
  std::tm p = utcParts(t);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02dZ", p.tm_year + 1900, p.tm_mon + 1,
                p.tm_mday, p.tm_hour, p.tm_min, p.tm_sec);
  return buf;
}

std::string formatDate(UnixTime t) {
  return formatRfc3339(t).substr(0, 10);
}

std::optional<UnixTime> parseInstant(std::string_view text) {
  std::string s(text);
  if (!s.empty() && s[0] == '@') {
    char* end = nullptr;
    long long v = std::strtoll(s.c_str() + 1, &end, 10);
    if (end == s.c_str() + 1 || *end != '\0') {
      return std::nullopt;
    }
    return static_cast<UnixTime>(v);
  }
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, sec = 0;
  char tail = 0;
  int n = std::sscanf(s.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%c", &y, &mo, &d, &h, &mi, &sec, &tail);
  if (!(n == 3 && s.size() == 10) && !(n == 7 && tail == 'Z' && s.size() == 20)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60) {
    return std::nullopt;
  }
  std::tm parts{};
  parts.tm_year = y - 1900;
  parts.tm_mon = mo - 1;
  parts.tm_mday = d;
  parts.tm_hour = h;
  parts.tm_min = mi;
  parts.tm_sec = sec;
  return static_cast<UnixTime>(timegm(&parts));
}

UnixTime wallClockNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace trustctl
