//===- Parser.cpp - text to loop IR ---------------------------------------===//
// A recursive-descent parser for the syntax of docs/loop-ir.md. IR is built
// with the checked constructors of Expr.h/Stmt.h; their errors are reported
// at the offending token.
//===----------------------------------------------------------------------===//
#include "kiln/LoopIR/Parser.h"

#include "LoopText.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <unordered_map>
#include <unordered_set>

namespace kiln::loop {

using namespace text;

namespace {

constexpr int kMaxDepth = 2000;
constexpr int64_t kMaxLanes = 1 << 16;

struct InfixOp {
  std::string_view spelling;
  BinaryOp op;
  int prec;
};
constexpr InfixOp kInfixOps[] = {
    {"||", BinaryOp::Or, 1},  {"&&", BinaryOp::And, 2},
    {"==", BinaryOp::EQ, 3},  {"!=", BinaryOp::NE, 3},
    {"<", BinaryOp::LT, 4},   {"<=", BinaryOp::LE, 4},
    {">", BinaryOp::GT, 4},   {">=", BinaryOp::GE, 4},
    {"+", BinaryOp::Add, 5},  {"-", BinaryOp::Sub, 5},
    {"*", BinaryOp::Mul, 6},  {"/", BinaryOp::Div, 6},
    {"%", BinaryOp::Mod, 6},
};

std::optional<BinaryOp> binaryOpByName(std::string_view name) {
  for (int i = 0; i <= int(BinaryOp::Shr); ++i)
    if (name == toString(BinaryOp(i)))
      return BinaryOp(i);
  return std::nullopt;
}

std::optional<UnaryOp> unaryOpByName(std::string_view name) {
  for (int i = 0; i <= int(UnaryOp::BitNot); ++i)
    if (name == toString(UnaryOp(i)))
      return UnaryOp(i);
  return std::nullopt;
}

class Parser {
public:
  Parser(std::string_view text, std::string_view fileName)
      : lex_(text, std::string(fileName)) {}

  std::vector<PrimFunc> module() {
    std::vector<PrimFunc> funcs;
    std::unordered_set<std::string> names;
    while (!peek().is(Tok::Eof)) {
      Loc loc = peek().loc;
      funcs.push_back(func());
      if (!names.insert(funcs.back().name).second)
        error(loc, "function @" + nameText(funcs.back().name) +
                       " is defined twice");
    }
    return funcs;
  }

private:
  struct Symbol {
    Var var;
    Buffer buffer;
  };

  // Bounds recursion so that absurdly nested text is an error, not a crash.
  struct DepthGuard {
    DepthGuard(Parser &p) : p(p) {
      if (++p.depth_ > kMaxDepth)
        p.error(p.peek().loc, "nesting too deep");
    }
    ~DepthGuard() { --p.depth_; }
    Parser &p;
  };

  const Token &peek() { return lex_.peek(); }
  Token next() { return lex_.next(); }
  [[noreturn]] void error(Loc loc, const std::string &msg) {
    lex_.errorAt(loc, msg);
  }
  [[noreturn]] void expected(const std::string &what) {
    error(peek().loc, "expected " + what + ", got " + describe(peek()));
  }
  Token expectPunct(std::string_view p) {
    if (!peek().isPunct(p))
      expected("'" + std::string(p) + "'");
    return next();
  }
  bool acceptPunct(std::string_view p) {
    if (!peek().isPunct(p))
      return false;
    next();
    return true;
  }
  void expectKeyword(std::string_view kw) {
    if (!peek().isIdent(kw))
      expected("'" + std::string(kw) + "'");
    next();
  }
  bool acceptKeyword(std::string_view kw) {
    if (!peek().isIdent(kw))
      return false;
    next();
    return true;
  }
  Token expectKind(Tok kind, const char *what) {
    if (!peek().is(kind))
      expected(what);
    return next();
  }

  /// Runs a constructor, reporting its kiln::Error at `loc`.
  template <typename F> auto build(Loc loc, F &&f) -> decltype(f()) {
    try {
      return f();
    } catch (const Error &e) {
      error(loc, e.what());
    }
  }

  // Names are visible from their definition to the end of their scope.
  void define(const Token &tok, Symbol sym) {
    if (symbols_.count(tok.text))
      error(tok.loc, "'%" + nameText(tok.text) + "' is already defined");
    symbols_[tok.text] = std::move(sym);
    scope_.push_back(tok.text);
  }
  void popTo(size_t mark) {
    while (scope_.size() > mark) {
      symbols_.erase(scope_.back());
      scope_.pop_back();
    }
  }

  uint64_t magnitude(const Token &tok) {
    uint64_t v = 0;
    for (char c : tok.text) {
      if (v > (UINT64_MAX - uint64_t(c - '0')) / 10)
        error(tok.loc, "integer literal " + tok.text + " is out of range");
      v = v * 10 + uint64_t(c - '0');
    }
    return v;
  }
  int64_t signedInt(const char *what) {
    bool neg = acceptPunct("-");
    if (!peek().is(Tok::Int))
      expected(what);
    Token tok = next();
    uint64_t m = magnitude(tok);
    if (m > (neg ? uint64_t(INT64_MAX) + 1 : uint64_t(INT64_MAX)))
      error(tok.loc, "integer " + tok.text + " is out of range");
    return neg ? int64_t(uint64_t(0) - m) : int64_t(m);
  }
  int lanes() {
    Loc loc = peek().loc;
    int64_t n = signedInt("a lane count");
    if (n < 2 || n > kMaxLanes)
      error(loc, "lane count must be in [2, " + std::to_string(kMaxLanes) +
                     "]");
    return int(n);
  }

  ElementType elemType() {
    Token tok = expectKind(Tok::Ident, "an element type");
    auto t = parseElementType(tok.text);
    if (!t)
      error(tok.loc, "unknown element type '" + tok.text + "'");
    return *t;
  }
  DType dtype() {
    Token tok = expectKind(Tok::Ident, "a type");
    std::string_view s = tok.text;
    size_t x = s.find('x');
    auto elem = parseElementType(s.substr(0, x));
    if (!elem)
      error(tok.loc, "unknown type '" + tok.text + "'");
    if (x == std::string_view::npos)
      return DType(*elem);
    std::string_view digits = s.substr(x + 1);
    int64_t n = 0;
    for (char c : digits) {
      if (!isDigit(c) || n > kMaxLanes)
        error(tok.loc, "unknown type '" + tok.text + "'");
      n = n * 10 + (c - '0');
    }
    if (digits.empty() || n < 2 || n > kMaxLanes)
      error(tok.loc, "bad lane count in type '" + tok.text + "'");
    return DType(*elem, int(n));
  }

  struct BufferType {
    Loc loc;
    ElementType elem;
    std::vector<int64_t> shape, strides;
    MemoryScope scope;
  };
  BufferType bufferType(const std::string &name) {
    BufferType t;
    t.loc = peek().loc;
    t.elem = elemType();
    expectPunct("[");
    while (!peek().isPunct("]")) {
      if (!t.shape.empty())
        expectPunct(",");
      Loc dimLoc = peek().loc;
      t.shape.push_back(signedInt("a dimension"));
      if (t.shape.back() < 0)
        error(dimLoc, "negative dimension");
    }
    next();
    if (acceptKeyword("strides")) {
      expectPunct("[");
      while (!peek().isPunct("]")) {
        if (!t.strides.empty())
          expectPunct(",");
        t.strides.push_back(signedInt("a stride"));
      }
      next();
      if (t.strides.size() != t.shape.size())
        error(t.loc, "buffer '%" + nameText(name) + "' has " +
                         std::to_string(t.strides.size()) +
                         " strides for rank " + std::to_string(t.shape.size()));
    }
    checkSpan(t, name);
    Token scopeTok = expectKind(Tok::Ident, "a memory scope");
    auto scope = parseMemoryScope(scopeTok.text);
    if (!scope)
      error(scopeTok.loc, "unknown memory scope '" + scopeTok.text + "'");
    t.scope = *scope;
    return t;
  }
  // Keeps size arithmetic on buffers (element counts, spans, byte sizes)
  // far from int64 overflow.
  void checkSpan(const BufferType &t, const std::string &name) {
    constexpr int64_t kLimit = int64_t(1) << 40;
    int64_t count = 1, span = 0;
    bool tooBig = false;
    for (size_t d = 0; d < t.shape.size(); ++d) {
      int64_t stride = t.strides.empty() ? 1 : t.strides[d];
      int64_t term;
      tooBig |= t.shape[d] > kLimit || stride > kLimit || stride < -kLimit ||
                __builtin_mul_overflow(count, t.shape[d], &count) ||
                count > kLimit ||
                __builtin_mul_overflow(t.shape[d], stride < 0 ? -stride : stride,
                                       &term) ||
                __builtin_add_overflow(span, term, &span) || span > kLimit;
    }
    if (tooBig)
      error(t.loc, "buffer '%" + nameText(name) + "' is too large");
  }

  Buffer newBuffer(const std::string &name, const BufferType &t,
                    Buffer root = nullptr, int64_t offset = 0) {
    return build(t.loc, [&] {
      return std::make_shared<BufferNode>(name, t.elem, t.shape, t.strides,
                                          t.scope, root, offset);
    });
  }

  // view %v: TYPE of %root [offset N]
  void viewDecl() {
    Token name = expectKind(Tok::Local, "a view name");
    expectPunct(":");
    BufferType t = bufferType(name.text);
    expectKeyword("of");
    Token rootTok = expectKind(Tok::Local, "the viewed buffer");
    auto it = symbols_.find(rootTok.text);
    if (it == symbols_.end() || !it->second.buffer)
      error(rootTok.loc, "'%" + nameText(rootTok.text) + "' is not a buffer");
    int64_t offset = 0;
    if (acceptKeyword("offset"))
      offset = signedInt("an element offset");
    define(name, Symbol{Var(), newBuffer(name.text, t, it->second.buffer,
                                          offset)});
  }

  // ---- expressions ----

  Expr expr(int minPrec = 1) {
    DepthGuard guard(*this);
    Expr lhs = unaryExpr();
    while (peek().is(Tok::Punct)) {
      const InfixOp *found = nullptr;
      for (const InfixOp &op : kInfixOps)
        if (peek().text == op.spelling)
          found = &op;
      if (!found || found->prec < minPrec)
        break;
      Loc loc = next().loc;
      Expr rhs = expr(found->prec + 1);
      lhs = build(loc, [&] { return binary(found->op, lhs, rhs); });
    }
    return lhs;
  }

  Expr unaryExpr() {
    DepthGuard guard(*this);
    const Token &tok = peek();
    if (tok.isPunct("-") || tok.isPunct("!") || tok.isPunct("~")) {
      Token op = next();
      if (op.text == "-" && (peek().is(Tok::Int) || peek().is(Tok::Float) ||
                             peek().isIdent("inf") || peek().isIdent("nan")))
        return literal(/*negative=*/true, op.loc);
      Expr a = unaryExpr();
      UnaryOp u = op.text == "-"   ? UnaryOp::Neg
                  : op.text == "!" ? UnaryOp::Not
                                   : UnaryOp::BitNot;
      return build(op.loc, [&] { return unary(u, a); });
    }
    return primary();
  }

  // A number, inf/nan, with an optional ":type" suffix (required on floats).
  Expr literal(bool negative, Loc loc) {
    Token tok = next();
    std::optional<DType> type;
    if (acceptPunct(":"))
      type = dtype();
    bool special = tok.is(Tok::Ident); // inf, nan
    if (tok.is(Tok::Float) || special) {
      if (!type || !type->isFloat())
        error(tok.loc, "float literal " + tok.text +
                           " needs a float type suffix, e.g. 1.5:f32");
    }
    if (type && type->isFloat()) {
      double v;
      if (special)
        v = tok.text == "inf" ? HUGE_VAL : std::nan("");
      else
        v = std::strtod(tok.text.c_str(), nullptr);
      return floatImm(*type, negative ? -v : v);
    }
    DType t = type.value_or(DType::index());
    uint64_t m = magnitude(tok);
    bool isU64 = t.elem == ElementType::U64;
    if (negative ? m > uint64_t(INT64_MAX) + 1
                 : (!isU64 && m > uint64_t(INT64_MAX)))
      error(loc, "integer literal out of range of " + t.str());
    int64_t v = negative ? int64_t(uint64_t(0) - m) : int64_t(m);
    return build(loc, [&] { return intImm(t, v); });
  }

  std::vector<Expr> argList(std::string_view close) {
    std::vector<Expr> args;
    while (!peek().isPunct(close)) {
      if (!args.empty())
        expectPunct(",");
      args.push_back(expr());
    }
    next();
    return args;
  }

  Expr primary() {
    const Token &tok = peek();
    if (tok.isPunct("(")) {
      next();
      Expr e = expr();
      expectPunct(")");
      return e;
    }
    if (tok.is(Tok::Int) || tok.is(Tok::Float) || tok.isIdent("inf") ||
        tok.isIdent("nan"))
      return literal(/*negative=*/false, tok.loc);
    if (tok.is(Tok::Local)) {
      Token name = next();
      auto it = symbols_.find(name.text);
      if (it == symbols_.end())
        error(name.loc, "undefined name '%" + nameText(name.text) + "'");
      if (it->second.var)
        return it->second.var;
      Buffer buffer = it->second.buffer;
      if (!peek().isPunct("["))
        error(name.loc, "buffer '%" + nameText(name.text) +
                            "' used as a value; load with %name[indices]");
      next();
      std::vector<Expr> indices = argList("]");
      return build(name.loc, [&] { return load(buffer, indices); });
    }
    if (!tok.is(Tok::Ident))
      expected("an expression");
    Token fn = next();
    const std::string &f = fn.text;
    if (f == "true" || f == "false") {
      DType t = DType::boolean();
      if (acceptPunct(":"))
        t = dtype();
      return build(fn.loc, [&] { return intImm(t, f == "true"); });
    }
    std::optional<DType> typeArg;
    if (f == "cast" || f == "call") {
      expectPunct("<");
      typeArg = dtype();
      expectPunct(">");
    }
    if (!peek().isPunct("("))
      error(fn.loc, "unknown name '" + f + "' (variables and buffers are "
                    "written %name)");
    next();
    if (f == "ramp" || f == "broadcast") {
      Expr a = expr();
      expectPunct(",");
      Expr b = f == "ramp" ? expr() : Expr();
      if (b)
        expectPunct(",");
      int n = lanes();
      expectPunct(")");
      return build(fn.loc,
                   [&] { return b ? ramp(a, b, n) : broadcast(a, n); });
    }
    if (f == "call") {
      Token name = expectKind(Tok::String, "the called function's name");
      std::vector<Expr> args;
      if (acceptPunct(","))
        args = argList(")");
      else
        expectPunct(")");
      return build(fn.loc, [&] { return call(*typeArg, name.text, args); });
    }
    std::vector<Expr> args = argList(")");
    auto arity = [&](size_t n) {
      if (args.size() != n)
        error(fn.loc, "'" + f + "' takes " + std::to_string(n) +
                          " operands, got " + std::to_string(args.size()));
    };
    if (f == "cast") {
      arity(1);
      return build(fn.loc, [&] { return cast(*typeArg, args[0]); });
    }
    if (f == "select") {
      arity(3);
      return build(fn.loc, [&] { return select(args[0], args[1], args[2]); });
    }
    if (auto op = binaryOpByName(f)) {
      arity(2);
      return build(fn.loc, [&] { return binary(*op, args[0], args[1]); });
    }
    if (auto op = unaryOpByName(f)) {
      arity(1);
      return build(fn.loc, [&] { return unary(*op, args[0]); });
    }
    if (auto id = lookupIntrinsic(f)) {
      arity(size_t(intrinsicArity(*id)));
      DType t = args[0].type();
      if (*id == Intrinsic::IsNan || *id == Intrinsic::IsInf)
        t = DType::boolean(t.lanes);
      return build(fn.loc, [&] { return call(t, f, args); });
    }
    error(fn.loc, "unknown function '" + f + "'");
  }

  // ---- statements ----

  // Views declared in a block are visible to its end.
  Stmt block() {
    expectPunct("{");
    size_t mark = scope_.size();
    std::vector<Stmt> stmts;
    while (!acceptPunct("}")) {
      if (peek().is(Tok::Eof))
        expected("'}'");
      if (acceptKeyword("view"))
        viewDecl();
      else
        stmts.push_back(stmt());
    }
    popTo(mark);
    return makeSeq(std::move(stmts));
  }

  Stmt forStmt(Loc loc) {
    Token name = expectKind(Tok::Local, "a loop variable");
    DType type = DType::index();
    if (acceptPunct(":"))
      type = dtype();
    Expr lo, extent;
    if (acceptKeyword("in")) {
      // [lo, hi) with plain integers of the variable's type.
      expectPunct("[");
      Loc numLoc = peek().loc;
      int64_t a = signedInt("a lower bound");
      expectPunct(",");
      int64_t b = signedInt("an upper bound");
      expectPunct(")");
      int64_t n;
      if (__builtin_sub_overflow(b, a, &n))
        error(numLoc, "loop extent overflows");
      lo = build(numLoc, [&] { return intImm(type, a); });
      extent = build(numLoc, [&] { return intImm(type, n); });
    } else if (acceptKeyword("from")) {
      lo = expr();
      expectKeyword("extent");
      extent = expr();
    } else {
      expected("'in' or 'from'");
    }
    Token kindTok = expectKind(Tok::Ident, "a loop kind");
    auto kind = parseForKind(kindTok.text);
    if (!kind)
      error(kindTok.loc, "unknown loop kind '" + kindTok.text + "'");
    Var var(name.text, type);
    size_t mark = scope_.size();
    define(name, Symbol{var, nullptr});
    Stmt body = block();
    popTo(mark);
    return build(loc, [&] { return makeFor(var, lo, extent, *kind, body); });
  }

  Stmt ifStmt(Loc loc) {
    Expr cond = expr();
    Stmt thenBody = block();
    Stmt elseBody;
    if (acceptKeyword("else")) {
      Token t = peek();
      if (acceptKeyword("if")) {
        DepthGuard guard(*this);
        elseBody = ifStmt(t.loc);
      } else {
        elseBody = block();
      }
    }
    return build(loc, [&] { return makeIf(cond, thenBody, elseBody); });
  }

  Stmt stmt() {
    DepthGuard guard(*this);
    Token tok = next();
    if (tok.is(Tok::Local)) {
      auto it = symbols_.find(tok.text);
      if (it == symbols_.end())
        error(tok.loc, "undefined name '%" + nameText(tok.text) + "'");
      if (!it->second.buffer)
        error(tok.loc, "cannot store to variable '%" + nameText(tok.text) +
                           "'; only buffers are stored to");
      Buffer buffer = it->second.buffer;
      expectPunct("[");
      std::vector<Expr> indices = argList("]");
      expectPunct("=");
      Expr value = expr();
      return build(tok.loc,
                   [&] { return makeStore(buffer, indices, value); });
    }
    if (!tok.is(Tok::Ident))
      error(tok.loc, "expected a statement, got " + describe(tok));
    if (tok.text == "for")
      return forStmt(tok.loc);
    if (tok.text == "if")
      return ifStmt(tok.loc);
    if (tok.text == "alloc") {
      Token name = expectKind(Tok::Local, "a buffer name");
      expectPunct(":");
      Buffer buffer = newBuffer(name.text, bufferType(name.text));
      size_t mark = scope_.size();
      define(name, Symbol{Var(), buffer});
      Stmt body = block();
      popTo(mark);
      return build(tok.loc, [&] { return makeAllocate(buffer, body); });
    }
    if (tok.text == "let") {
      Token name = expectKind(Tok::Local, "a variable name");
      expectPunct(":");
      DType type = dtype();
      expectPunct("=");
      Expr value = expr();
      Var var(name.text, type);
      size_t mark = scope_.size();
      define(name, Symbol{var, nullptr});
      Stmt body = block();
      popTo(mark);
      return build(tok.loc, [&] { return makeLet(var, value, body); });
    }
    if (tok.text == "eval") {
      Expr value = expr();
      return build(tok.loc, [&] { return makeEvaluate(value); });
    }
    if (tok.text == "barrier")
      return makeBarrier();
    error(tok.loc, "expected a statement, got " + describe(tok));
  }

  PrimFunc func() {
    expectKeyword("func");
    PrimFunc f;
    f.name = expectKind(Tok::Global, "a function name (@name)").text;
    expectPunct("(");
    while (!acceptPunct(")")) {
      if (!f.params.empty())
        expectPunct(",");
      Token name = expectKind(Tok::Local, "a parameter (%name: type)");
      expectPunct(":");
      Buffer buffer = newBuffer(name.text, bufferType(name.text));
      define(name, Symbol{Var(), buffer});
      f.params.push_back(buffer);
    }
    f.body = block();
    popTo(0);
    return f;
  }

  Lexer lex_;
  std::unordered_map<std::string, Symbol> symbols_;
  std::vector<std::string> scope_;
  int depth_ = 0;
};

} // namespace

std::vector<PrimFunc> parsePrimFuncs(std::string_view text,
                                     std::string_view fileName) {
  return Parser(text, fileName).module();
}

PrimFunc parsePrimFunc(std::string_view text, std::string_view fileName) {
  std::vector<PrimFunc> funcs = parsePrimFuncs(text, fileName);
  if (funcs.size() != 1)
    throw Error(std::string(fileName) + ": expected one function, found " +
                std::to_string(funcs.size()));
  return std::move(funcs[0]);
}

} // namespace kiln::loop
