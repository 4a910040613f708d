//===- LoopText.cpp - lexical rules of the loop IR text -------------------===//
#include "LoopText.h"

#include <charconv>
#include <cmath>
#include <fmt/format.h>

namespace kiln::loop::text {

std::string quote(std::string_view s) {
  std::string out = "\"";
  for (char c : s) {
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (u < 0x20 || u >= 0x7f) {
      out += fmt::format("\\x{:02x}", u);
    } else {
      out += c;
    }
  }
  return out + "\"";
}

std::string nameText(std::string_view s) {
  bool bare = !s.empty();
  for (char c : s)
    bare = bare && isNameChar(c);
  return bare ? std::string(s) : quote(s);
}

std::string formatDouble(double v) {
  if (std::isnan(v))
    return std::signbit(v) ? "-nan" : "nan";
  if (std::isinf(v))
    return v < 0 ? "-inf" : "inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, res.ptr);
}

std::string describe(const Token &tok) {
  auto clip = [](const std::string &s) {
    return s.size() > 40 ? s.substr(0, 37) + "..." : s;
  };
  switch (tok.kind) {
  case Tok::Eof:
    return "end of input";
  case Tok::Local:
    return "'%" + clip(nameText(tok.text)) + "'";
  case Tok::Global:
    return "'@" + clip(nameText(tok.text)) + "'";
  case Tok::String:
    return "string " + clip(quote(tok.text));
  default:
    return "'" + clip(tok.text) + "'";
  }
}

void Lexer::errorAt(Loc loc, const std::string &message) const {
  throw Error(fmt::format("{}:{}:{}: {}", fileName_, loc.line, loc.col,
                          message));
}

void Lexer::advance() {
  if (atEnd())
    return;
  if (input_[pos_] == '\n') {
    ++loc_.line;
    loc_.col = 1;
  } else {
    ++loc_.col;
  }
  ++pos_;
}

static int hexValue(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

// Called with the cursor on the opening quote.
std::string Lexer::lexString(Loc start) {
  std::string out;
  advance();
  while (true) {
    if (atEnd() || cur() == '\n')
      errorAt(start, "unterminated string");
    char c = cur();
    if (c == '"') {
      advance();
      return out;
    }
    if (c != '\\') {
      out += c;
      advance();
      continue;
    }
    Loc escLoc = loc_;
    advance();
    char e = cur();
    if (e == '"' || e == '\\') {
      out += e;
      advance();
    } else if (e == 'n') {
      out += '\n';
      advance();
    } else if (e == 't') {
      out += '\t';
      advance();
    } else if (e == 'x' && hexValue(at(1)) >= 0 && hexValue(at(2)) >= 0) {
      out += char(hexValue(at(1)) * 16 + hexValue(at(2)));
      advance();
      advance();
      advance();
    } else {
      errorAt(escLoc, "invalid escape sequence in string");
    }
  }
}

// Called on a digit. Signs are separate tokens.
Token Lexer::lexNumber(Loc start) {
  size_t begin = pos_;
  bool isFloat = false;
  while (isDigit(cur()))
    advance();
  if (cur() == '.') {
    isFloat = true;
    advance();
    if (!isDigit(cur()))
      errorAt(start, "malformed number: no digits after '.'");
    while (isDigit(cur()))
      advance();
  }
  if (cur() == 'e' || cur() == 'E') {
    isFloat = true;
    advance();
    if (cur() == '+' || cur() == '-')
      advance();
    if (!isDigit(cur()))
      errorAt(start, "malformed number: exponent has no digits");
    while (isDigit(cur()))
      advance();
  }
  if (isIdentChar(cur()))
    errorAt(start, "malformed number (a type goes after ':', e.g. 1:i32)");
  return Token{isFloat ? Tok::Float : Tok::Int,
               std::string(input_.substr(begin, pos_ - begin)), start};
}

Token Lexer::lex() {
  // Whitespace and // comments.
  while (!atEnd()) {
    char c = cur();
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      advance();
    } else if (c == '/' && at(1) == '/') {
      while (!atEnd() && cur() != '\n')
        advance();
    } else {
      break;
    }
  }
  Loc start = loc_;
  if (atEnd())
    return Token{Tok::Eof, "", start};
  char c = cur();
  if (c == '"')
    return Token{Tok::String, lexString(start), start};
  if ((c == '%' || c == '@') && (isNameChar(at(1)) || at(1) == '"')) {
    Tok kind = c == '%' ? Tok::Local : Tok::Global;
    advance();
    if (cur() == '"')
      return Token{kind, lexString(loc_), start};
    size_t begin = pos_;
    while (isNameChar(cur()))
      advance();
    return Token{kind, std::string(input_.substr(begin, pos_ - begin)), start};
  }
  if (isDigit(c))
    return lexNumber(start);
  if (isIdentStart(c)) {
    size_t begin = pos_;
    while (isIdentChar(cur()))
      advance();
    return Token{Tok::Ident, std::string(input_.substr(begin, pos_ - begin)),
                 start};
  }
  static constexpr std::string_view twoChar[] = {"<=", ">=", "==", "!=", "&&",
                                                 "||"};
  for (std::string_view p : twoChar) {
    if (c == p[0] && at(1) == p[1]) {
      advance();
      advance();
      return Token{Tok::Punct, std::string(p), start};
    }
  }
  static constexpr std::string_view oneChar = "()[]{}<>,:=+-*/%!~";
  if (oneChar.find(c) != std::string_view::npos) {
    advance();
    return Token{Tok::Punct, std::string(1, c), start};
  }
  unsigned char u = static_cast<unsigned char>(c);
  if (u < 0x20 || u >= 0x7f)
    errorAt(start, fmt::format("unexpected byte 0x{:02x}", u));
  errorAt(start, fmt::format("unexpected character '{}'", c));
}

} // namespace kiln::loop::text
