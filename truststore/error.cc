#include "truststore/error.h"

namespace trustctl {

namespace {

std::string snakeCase(std::string_view pascal) {
  std::string out;
  for (char c : pascal) {
    if (c >= 'A' && c <= 'Z') {
      if (!out.empty()) {
        out += '_';
      }
      out += static_cast<char>(c - 'A' + 'a');
    } else {
      out += c;
    }
  }
  return out;
}

}  // namespace

std::string errorCodeName(ErrorCode code) {
  switch (code) {
#define TRUSTCTL_ERROR(name, id, exit_code, doc) \
  case ErrorCode::name:                          \
    return snakeCase(#name);
#include "truststore/error_codes.def"
#undef TRUSTCTL_ERROR
  }
  return "internal";
}

int errorExitCode(ErrorCode code) {
  switch (code) {
#define TRUSTCTL_ERROR(name, id, exit_code, doc) \
  case ErrorCode::name:                          \
    return exit_code;
#include "truststore/error_codes.def"
#undef TRUSTCTL_ERROR
  }
  return 3;
}

std::string_view errorCodeDoc(ErrorCode code) {
  switch (code) {
#define TRUSTCTL_ERROR(name, id, exit_code, doc) \
  case ErrorCode::name:                          \
    return doc;
#include "truststore/error_codes.def"
#undef TRUSTCTL_ERROR
  }
  return "";
}

}  // namespace trustctl
