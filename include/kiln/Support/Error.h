//===- Error.h - Kiln's error type ------------------------------*- C++ -*-===//
// Errors inside the compiler are thrown as kiln::Error and turned into
// `error: ...` diagnostics with a non-zero exit at the tool boundary.
//===----------------------------------------------------------------------===//
#ifndef KILN_SUPPORT_ERROR_H
#define KILN_SUPPORT_ERROR_H

#include <fmt/format.h>
#include <stdexcept>
#include <string>

namespace kiln {

/// A user-facing error: bad input, unsupported feature or violated invariant.
class Error : public std::runtime_error {
public:
  explicit Error(const std::string &msg) : std::runtime_error(msg) {}
};

/// Throws a kiln::Error with a fmt-formatted message.
template <typename... Args>
[[noreturn]] void fail(fmt::format_string<Args...> format, Args &&...args) {
  throw Error(fmt::format(format, std::forward<Args>(args)...));
}

/// Checks a condition that depends on user input.
template <typename... Args>
void check(bool cond, fmt::format_string<Args...> format, Args &&...args) {
  if (!cond)
    throw Error(fmt::format(format, std::forward<Args>(args)...));
}

} // namespace kiln

#endif
