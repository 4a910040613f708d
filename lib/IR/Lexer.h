//===- Lexer.h - tokens of the textual graph IR -----------------*- C++ -*-===//
// Splits Kiln IR text into tokens with line/column positions; malformed
// tokens are reported as "file:line:col: message" kiln::Errors.
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_IR_LEXER_H
#define KILN_LIB_IR_LEXER_H

#include "kiln/Support/Error.h"

#include <string>
#include <string_view>

namespace kiln::text {

struct Loc {
  unsigned line = 1, col = 1;
};

enum class TokKind {
  Eof,
  Ident,     // f32, Conv, func, N
  ValueName, // %x or %"any name"; text is the name
  FuncName,  // @main or @"any name"; text is the name
  Int,       // -12
  Float,     // 1.5, -2e-05
  String,    // "..."; text is the decoded bytes
  Punct,     // one of ( ) { } [ ] < > , = : ^ ? * -
};

struct Token {
  TokKind kind = TokKind::Eof;
  std::string text;
  Loc loc;

  bool is(TokKind k) const { return kind == k; }
  bool isPunct(char c) const {
    return kind == TokKind::Punct && text.size() == 1 && text[0] == c;
  }
  bool isIdent(std::string_view s) const {
    return kind == TokKind::Ident && text == s;
  }
};

class Lexer {
public:
  Lexer(std::string_view input, std::string filename)
      : input_(input), filename_(std::move(filename)) {}

  /// The next token, without consuming it.
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
  template <typename... Args>
  [[noreturn]] void error(Loc loc, fmt::format_string<Args...> format,
                          Args &&...args) const {
    throwAt(loc, fmt::format(format, std::forward<Args>(args)...));
  }
  [[noreturn]] void throwAt(Loc loc, const std::string &message) const;
  const std::string &filename() const { return filename_; }

private:
  Token lex();
  void skipSpaceAndComments();
  char cur() const { return pos_ < input_.size() ? input_[pos_] : '\0'; }
  char at(size_t ahead) const {
    return pos_ + ahead < input_.size() ? input_[pos_ + ahead] : '\0';
  }
  bool atEnd() const { return pos_ >= input_.size(); }
  void advance();
  std::string lexString(Loc start);
  std::string lexName(char sigil, Loc start);
  Token lexNumber(Loc start);

  std::string_view input_;
  std::string filename_;
  size_t pos_ = 0;
  Loc loc_;
  Token peeked_;
  bool hasPeeked_ = false;
};

/// A short printable rendering of a token for "expected X, got Y" messages.
std::string describe(const Token &tok);

} // namespace kiln::text

#endif
