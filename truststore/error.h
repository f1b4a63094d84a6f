#pragma once
// The single error type of trustctl: a stable code plus one sentence saying which file or
// field, what is wrong and what to do. Every folder returns Result<T>; no exception crosses
// a folder boundary. Diagnoses of TLS targets are values, not errors (see probes/).

#include <string>
#include <string_view>

#include <tl/expected.hpp>

namespace trustctl {

enum class ErrorCode {
#define TRUSTCTL_ERROR(name, id, exit_code, doc) name = id,
#include "truststore/error_codes.def"
#undef TRUSTCTL_ERROR
};

struct Error {
  ErrorCode code;
  std::string message;
};

template <typename T>
using Result = tl::expected<T, Error>;

// Returns an unexpected Error; lets `return fail(ErrorCode::Io, "...")` work for any Result<T>.
inline tl::unexpected<Error> fail(ErrorCode code, std::string message) {
  return tl::unexpected<Error>(Error{code, std::move(message)});
}

// The stable short name of a code, e.g. "wrong_password", used in --json output.
std::string errorCodeName(ErrorCode code);
// The process exit code the CLI uses for this error (2 input, 3 could not complete).
int errorExitCode(ErrorCode code);
// One line describing the code, for the README table.
std::string_view errorCodeDoc(ErrorCode code);

}  // namespace trustctl
