//===- LoopText.h - lexical rules of the loop IR text -----------*- C++ -*-===//
// Private to the loop IR printer and parser: the tokens, the name and number
// spellings, so that what the printer writes is exactly what the parser reads.
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_LOOPIR_LOOPTEXT_H
#define KILN_LIB_LOOPIR_LOOPTEXT_H

#include "kiln/LoopIR/Expr.h"

#include <string>
#include <string_view>

namespace kiln::loop::text {

inline bool isIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
inline bool isDigit(char c) { return c >= '0' && c <= '9'; }
/// Identifiers may contain dots: gpu.block.x, cuda.shared, f32x4.
inline bool isIdentChar(char c) {
  return isIdentStart(c) || isDigit(c) || c == '.';
}
/// Characters of an unquoted %name or @name.
inline bool isNameChar(char c) { return isIdentChar(c) || c == '$'; }

/// `s` as written after '%' or '@': bare if possible, else a quoted string.
std::string nameText(std::string_view s);
/// A double-quoted literal; '"', '\' and bytes outside printable ASCII are
/// escaped as \" \\ \xNN.
std::string quote(std::string_view s);
/// The shortest decimal that reads back to exactly `v`; "inf", "-inf",
/// "nan", "-nan" for the non-finite values.
std::string formatDouble(double v);

struct Loc {
  unsigned line = 1, col = 1;
};

enum class Tok {
  Eof,
  Ident,  // func, f32x4, gpu.block.x
  Local,  // %name (variables and buffers); text is the name
  Global, // @name (functions); text is the name
  Int,    // 42 (never signed: '-' is its own token)
  Float,  // 1.5, 1e-05
  String, // "..."; text is the decoded bytes
  Punct,  // ( ) [ ] { } < > , : = + - * / % ! ~ <= >= == != && ||
};

struct Token {
  Tok kind = Tok::Eof;
  std::string text;
  Loc loc;
  bool is(Tok k) const { return kind == k; }
  bool isPunct(std::string_view p) const {
    return kind == Tok::Punct && text == p;
  }
  bool isIdent(std::string_view s) const {
    return kind == Tok::Ident && text == s;
  }
};

/// A short rendering of a token for "expected X, got Y" messages.
std::string describe(const Token &tok);

class Lexer {
public:
  Lexer(std::string_view input, std::string fileName)
      : input_(input), fileName_(std::move(fileName)) {}

  const Token &peek() {
    if (!hasPeeked_) {
      peeked_ = lex();
      hasPeeked_ = true;
    }
    return peeked_;
  }
  Token next() {
    peek();
    hasPeeked_ = false;
    return std::move(peeked_);
  }

  /// Throws "file:line:col: message".
  [[noreturn]] void errorAt(Loc loc, const std::string &message) const;

private:
  Token lex();
  char cur() const { return pos_ < input_.size() ? input_[pos_] : '\0'; }
  char at(size_t ahead) const {
    return pos_ + ahead < input_.size() ? input_[pos_ + ahead] : '\0';
  }
  bool atEnd() const { return pos_ >= input_.size(); }
  void advance();
  std::string lexString(Loc start);
  Token lexNumber(Loc start);

  std::string_view input_;
  std::string fileName_;
  size_t pos_ = 0;
  Loc loc_;
  Token peeked_;
  bool hasPeeked_ = false;
};

} // namespace kiln::loop::text

#endif
