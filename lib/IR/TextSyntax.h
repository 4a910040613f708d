//===- TextSyntax.h - lexical rules of the textual graph IR -----*- C++ -*-===//
// Private helpers shared by the printer, the parser and TensorType::str(), so
// that what one side writes is exactly what the other side reads.
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_IR_TEXTSYNTAX_H
#define KILN_LIB_IR_TEXTSYNTAX_H

#include <string>
#include <string_view>

namespace kiln::text {

inline bool isIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
inline bool isDigit(char c) { return c >= '0' && c <= '9'; }
inline bool isIdentChar(char c) { return isIdentStart(c) || isDigit(c); }
/// Characters of a bare `%name` or `@name`.
inline bool isNameChar(char c) {
  return isIdentChar(c) || c == '.' || c == '$' || c == '-';
}

/// [A-Za-z_][A-Za-z0-9_]*: attribute names, metadata keys, dim symbols.
bool isIdentifier(std::string_view s);
/// Non-empty and only name characters: may follow `%` or `@` unquoted.
bool isBareName(std::string_view s);

/// A double-quoted string literal; `"`, `\` and every byte outside printable
/// ASCII are escaped, so arbitrary bytes survive the round trip.
std::string quote(std::string_view s);
/// `s` bare if it is an identifier, else quoted.
std::string identOrQuote(std::string_view s);
/// `s` bare if it is a bare name, else quoted (the text after `%` or `@`).
std::string nameOrQuote(std::string_view s);

/// Shortest text that reads back to the same value: "1", "0.1", "1e-05",
/// "inf", "-inf", "nan".
std::string formatFloat(float v);
std::string formatDouble(double v);

} // namespace kiln::text

#endif
