//===- Lexer.cpp ----------------------------------------------------------===//
#include "Lexer.h"
#include "TextSyntax.h"

namespace kiln::text {

void Lexer::throwAt(Loc loc, const std::string &message) const {
  throw Error(
      fmt::format("{}:{}:{}: {}", filename_, loc.line, loc.col, message));
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

void Lexer::skipSpaceAndComments() {
  while (!atEnd()) {
    char c = cur();
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      advance();
    } else if (c == '/' && at(1) == '/') {
      while (!atEnd() && cur() != '\n')
        advance();
    } else {
      return;
    }
  }
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
      error(start, "unterminated string");
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
    switch (cur()) {
    case '"':
    case '\\':
      out += cur();
      advance();
      break;
    case 'n':
      out += '\n';
      advance();
      break;
    case 't':
      out += '\t';
      advance();
      break;
    case 'x': {
      int hi = hexValue(at(1)), lo = hexValue(at(2));
      if (hi < 0 || lo < 0 || pos_ + 2 >= input_.size())
        error(escLoc, "invalid escape: '\\x' needs two hex digits");
      out += char(hi * 16 + lo);
      advance();
      advance();
      advance();
      break;
    }
    default:
      if (atEnd())
        error(start, "unterminated string");
      error(escLoc, "invalid escape sequence in string");
    }
  }
}

// Called with the cursor on the sigil ('%' or '@').
std::string Lexer::lexName(char sigil, Loc start) {
  advance();
  if (cur() == '"' && !atEnd()) {
    Loc q = loc_;
    return lexString(q);
  }
  size_t begin = pos_;
  while (!atEnd() && isNameChar(cur()))
    advance();
  if (pos_ == begin)
    error(start, "expected a name after '{}'", sigil);
  return std::string(input_.substr(begin, pos_ - begin));
}

// Called on a digit or on '-' followed by a digit.
Token Lexer::lexNumber(Loc start) {
  size_t begin = pos_;
  bool isFloat = false;
  if (cur() == '-')
    advance();
  while (isDigit(cur()) && !atEnd())
    advance();
  if (cur() == '.' && !atEnd()) {
    isFloat = true;
    advance();
    while (isDigit(cur()) && !atEnd())
      advance();
  }
  if ((cur() == 'e' || cur() == 'E') && !atEnd()) {
    isFloat = true;
    advance();
    if (cur() == '+' || cur() == '-')
      advance();
    if (!isDigit(cur()) || atEnd())
      error(start, "malformed number: exponent has no digits");
    while (isDigit(cur()) && !atEnd())
      advance();
  }
  if (!atEnd() && (isIdentChar(cur()) || cur() == '.'))
    error(start, "malformed number");
  return Token{isFloat ? TokKind::Float : TokKind::Int,
               std::string(input_.substr(begin, pos_ - begin)), start};
}

Token Lexer::lex() {
  skipSpaceAndComments();
  Loc start = loc_;
  if (atEnd())
    return Token{TokKind::Eof, "", start};
  char c = cur();
  if (c == '"') {
    std::string s = lexString(start);
    return Token{TokKind::String, std::move(s), start};
  }
  if (c == '%' || c == '@') {
    std::string name = lexName(c, start);
    return Token{c == '%' ? TokKind::ValueName : TokKind::FuncName,
                 std::move(name), start};
  }
  if (isDigit(c) || (c == '-' && isDigit(at(1))))
    return lexNumber(start);
  if (isIdentStart(c)) {
    size_t begin = pos_;
    while (!atEnd() && isIdentChar(cur()))
      advance();
    return Token{TokKind::Ident,
                 std::string(input_.substr(begin, pos_ - begin)), start};
  }
  static constexpr std::string_view puncts = "(){}[]<>,=:^?*-";
  if (puncts.find(c) != std::string_view::npos) {
    advance();
    return Token{TokKind::Punct, std::string(1, c), start};
  }
  error(start, "unexpected character {}",
        quote(std::string_view(&input_[pos_], 1)));
}

std::string describe(const Token &tok) {
  switch (tok.kind) {
  case TokKind::Eof:
    return "end of input";
  case TokKind::ValueName:
    return "'%" + nameOrQuote(tok.text) + "'";
  case TokKind::FuncName:
    return "'@" + nameOrQuote(tok.text) + "'";
  case TokKind::String: {
    std::string q = quote(tok.text);
    if (q.size() > 40)
      q = q.substr(0, 36) + "...\"";
    return "string " + q;
  }
  default: {
    std::string t =
        tok.text.size() > 40 ? tok.text.substr(0, 37) + "..." : tok.text;
    return "'" + t + "'";
  }
  }
}

} // namespace kiln::text
