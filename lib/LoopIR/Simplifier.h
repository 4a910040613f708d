//===- Simplifier.h - the loop IR simplifier's state ------------*- C++ -*-===//
// Expression rules (SimplifyExpr.cpp) and statement rules (Simplify.cpp)
// share the ranges of the variables in scope. Internal header.
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_LOOPIR_SIMPLIFIER_H
#define KILN_LIB_LOOPIR_SIMPLIFIER_H

#include "kiln/LoopIR/Simplify.h"

namespace kiln::loop::detail {

class Simplifier {
public:
  explicit Simplifier(VarBounds vars) : vars_(std::move(vars)) {}

  Expr expr(const Expr &e);
  /// Null when the statement does nothing.
  Stmt stmt(const Stmt &s);

private:
  // Rewrites of a node whose operands are already simplified.
  Expr binaryRule(BinaryOp op, Expr a, Expr b);
  Expr intRule(BinaryOp op, const Expr &a, const Expr &b);
  Expr divModRule(BinaryOp op, const Expr &a, int64_t c);
  Expr compareRule(BinaryOp op, const Expr &a, const Expr &b);
  Expr unaryRule(UnaryOp op, const Expr &a);
  Expr selectRule(const Expr &c, const Expr &t, const Expr &f);
  Expr castRule(DType t, const Expr &v);

  std::optional<IntBounds> bounds(const Expr &e) { return boundsOf(e, vars_); }

  Stmt forStmt(const ForNode *n);
  Stmt letStmt(const LetNode *n);
  Stmt ifStmt(const IfThenElseNode *n);
  /// Tightens the ranges of variables compared in `cond`, assuming it holds
  /// (or, with truth false, that it does not).
  void assume(const Expr &cond, bool truth);

  /// Runs fn with var's range set to b (or unknown), then restores it.
  template <typename Fn>
  auto withBounds(const VarNode *var, std::optional<IntBounds> b, Fn fn) {
    auto it = vars_.find(var);
    std::optional<IntBounds> saved;
    if (it != vars_.end())
      saved = it->second;
    if (b)
      vars_[var] = *b;
    else
      vars_.erase(var);
    auto result = fn();
    if (saved)
      vars_[var] = *saved;
    else
      vars_.erase(var);
    return result;
  }

  VarBounds vars_;
};

} // namespace kiln::loop::detail

#endif
