//===- Functor.h - loop IR visitors and mutators ----------------*- C++ -*-===//
// Recursive walkers over expressions and statements. Mutators rebuild only
// the nodes whose children changed, so untouched subtrees stay shared.
//===----------------------------------------------------------------------===//
#ifndef KILN_LOOPIR_FUNCTOR_H
#define KILN_LOOPIR_FUNCTOR_H

#include "kiln/LoopIR/PrimFunc.h"

#include <functional>
#include <unordered_map>

namespace kiln::loop {

/// Visits every expression and statement; override the hooks you need and
/// call the base version to keep recursing.
class IRVisitor {
public:
  virtual ~IRVisitor() = default;
  virtual void visit(const Expr &e);
  virtual void visit(const Stmt &s);

protected:
  virtual void visitIntImm(const IntImmNode *) {}
  virtual void visitFloatImm(const FloatImmNode *) {}
  virtual void visitVar(const VarNode *) {}
  virtual void visitBinary(const BinaryNode *n);
  virtual void visitUnary(const UnaryNode *n);
  virtual void visitSelect(const SelectNode *n);
  virtual void visitCast(const CastNode *n);
  virtual void visitLoad(const LoadNode *n);
  virtual void visitCall(const CallNode *n);
  virtual void visitRamp(const RampNode *n);
  virtual void visitBroadcast(const BroadcastNode *n);

  virtual void visitFor(const ForNode *n);
  virtual void visitSeq(const SeqNode *n);
  virtual void visitIfThenElse(const IfThenElseNode *n);
  virtual void visitStore(const StoreNode *n);
  virtual void visitAllocate(const AllocateNode *n);
  virtual void visitLet(const LetNode *n);
  virtual void visitEvaluate(const EvaluateNode *n);
  virtual void visitBarrier(const BarrierNode *) {}
};

/// Rewrites expressions and statements bottom-up. Each hook receives the
/// original node and its handle and returns the replacement.
class IRMutator {
public:
  virtual ~IRMutator() = default;
  virtual Expr mutate(const Expr &e);
  virtual Stmt mutate(const Stmt &s);

protected:
  virtual Expr mutateIntImm(const Expr &e) { return e; }
  virtual Expr mutateFloatImm(const Expr &e) { return e; }
  virtual Expr mutateVar(const Expr &e) { return e; }
  virtual Expr mutateBinary(const Expr &e, const BinaryNode *n);
  virtual Expr mutateUnary(const Expr &e, const UnaryNode *n);
  virtual Expr mutateSelect(const Expr &e, const SelectNode *n);
  virtual Expr mutateCast(const Expr &e, const CastNode *n);
  virtual Expr mutateLoad(const Expr &e, const LoadNode *n);
  virtual Expr mutateCall(const Expr &e, const CallNode *n);
  virtual Expr mutateRamp(const Expr &e, const RampNode *n);
  virtual Expr mutateBroadcast(const Expr &e, const BroadcastNode *n);

  virtual Stmt mutateFor(const Stmt &s, const ForNode *n);
  virtual Stmt mutateSeq(const Stmt &s, const SeqNode *n);
  virtual Stmt mutateIfThenElse(const Stmt &s, const IfThenElseNode *n);
  virtual Stmt mutateStore(const Stmt &s, const StoreNode *n);
  virtual Stmt mutateAllocate(const Stmt &s, const AllocateNode *n);
  virtual Stmt mutateLet(const Stmt &s, const LetNode *n);
  virtual Stmt mutateEvaluate(const Stmt &s, const EvaluateNode *n);
  virtual Stmt mutateBarrier(const Stmt &s) { return s; }

  /// Mutates each element; returns true if any changed.
  bool mutateAll(const std::vector<Expr> &in, std::vector<Expr> &out);
};

/// Replaces variables by expressions (keyed by VarNode identity).
Expr substitute(const Expr &e,
                const std::unordered_map<const VarNode *, Expr> &map);
Stmt substitute(const Stmt &s,
                const std::unordered_map<const VarNode *, Expr> &map);

/// Calls fn on every expression node (pre-order) in e / s.
void forEachExpr(const Expr &e, const std::function<void(const Expr &)> &fn);
void forEachExpr(const Stmt &s, const std::function<void(const Expr &)> &fn);
/// Whether e mentions var.
bool usesVar(const Expr &e, const VarNode *var);
bool usesVar(const Stmt &s, const VarNode *var);

} // namespace kiln::loop

#endif
