//===- TextSyntax.cpp -----------------------------------------------------===//
#include "TextSyntax.h"

#include <fmt/format.h>

namespace kiln::text {

bool isIdentifier(std::string_view s) {
  if (s.empty() || !isIdentStart(s[0]))
    return false;
  for (char c : s)
    if (!isIdentChar(c))
      return false;
  return true;
}

bool isBareName(std::string_view s) {
  if (s.empty())
    return false;
  for (char c : s)
    if (!isNameChar(c))
      return false;
  return true;
}

std::string quote(std::string_view s) {
  std::string out;
  out.reserve(s.size() + 2);
  out += '"';
  for (char ch : s) {
    auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\t') {
      out += "\\t";
    } else if (c < 0x20 || c >= 0x7f) {
      out += fmt::format("\\x{:02x}", c);
    } else {
      out += ch;
    }
  }
  out += '"';
  return out;
}

std::string identOrQuote(std::string_view s) {
  return isIdentifier(s) ? std::string(s) : quote(s);
}

std::string nameOrQuote(std::string_view s) {
  return isBareName(s) ? std::string(s) : quote(s);
}

std::string formatFloat(float v) { return fmt::format("{}", v); }
std::string formatDouble(double v) { return fmt::format("{}", v); }

} // namespace kiln::text
