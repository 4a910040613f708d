//===- Functor.cpp - loop IR visitors and mutators ------------------------===//

#include "kiln/LoopIR/Functor.h"

namespace kiln::loop {

void IRVisitor::visit(const Expr &e) {
  if (!e)
    return;
  switch (e.kind()) {
  case ExprKind::IntImm: return visitIntImm(e.as<IntImmNode>());
  case ExprKind::FloatImm: return visitFloatImm(e.as<FloatImmNode>());
  case ExprKind::Var: return visitVar(e.as<VarNode>());
  case ExprKind::Binary: return visitBinary(e.as<BinaryNode>());
  case ExprKind::Unary: return visitUnary(e.as<UnaryNode>());
  case ExprKind::Select: return visitSelect(e.as<SelectNode>());
  case ExprKind::Cast: return visitCast(e.as<CastNode>());
  case ExprKind::Load: return visitLoad(e.as<LoadNode>());
  case ExprKind::Call: return visitCall(e.as<CallNode>());
  case ExprKind::Ramp: return visitRamp(e.as<RampNode>());
  case ExprKind::Broadcast: return visitBroadcast(e.as<BroadcastNode>());
  }
}

void IRVisitor::visit(const Stmt &s) {
  if (!s)
    return;
  switch (s.kind()) {
  case StmtKind::For: return visitFor(s.as<ForNode>());
  case StmtKind::Seq: return visitSeq(s.as<SeqNode>());
  case StmtKind::IfThenElse: return visitIfThenElse(s.as<IfThenElseNode>());
  case StmtKind::Store: return visitStore(s.as<StoreNode>());
  case StmtKind::Allocate: return visitAllocate(s.as<AllocateNode>());
  case StmtKind::Let: return visitLet(s.as<LetNode>());
  case StmtKind::Evaluate: return visitEvaluate(s.as<EvaluateNode>());
  case StmtKind::Barrier: return visitBarrier(s.as<BarrierNode>());
  }
}

void IRVisitor::visitBinary(const BinaryNode *n) { visit(n->a); visit(n->b); }
void IRVisitor::visitUnary(const UnaryNode *n) { visit(n->a); }
void IRVisitor::visitSelect(const SelectNode *n) {
  visit(n->cond);
  visit(n->trueValue);
  visit(n->falseValue);
}
void IRVisitor::visitCast(const CastNode *n) { visit(n->value); }
void IRVisitor::visitLoad(const LoadNode *n) {
  for (const Expr &i : n->indices)
    visit(i);
}
void IRVisitor::visitCall(const CallNode *n) {
  for (const Expr &a : n->args)
    visit(a);
}
void IRVisitor::visitRamp(const RampNode *n) { visit(n->base); visit(n->stride); }
void IRVisitor::visitBroadcast(const BroadcastNode *n) { visit(n->value); }

void IRVisitor::visitFor(const ForNode *n) {
  visit(n->min);
  visit(n->extent);
  visit(n->body);
}
void IRVisitor::visitSeq(const SeqNode *n) {
  for (const Stmt &s : n->stmts)
    visit(s);
}
void IRVisitor::visitIfThenElse(const IfThenElseNode *n) {
  visit(n->cond);
  visit(n->thenBody);
  visit(n->elseBody);
}
void IRVisitor::visitStore(const StoreNode *n) {
  for (const Expr &i : n->indices)
    visit(i);
  visit(n->value);
}
void IRVisitor::visitAllocate(const AllocateNode *n) { visit(n->body); }
void IRVisitor::visitLet(const LetNode *n) {
  visit(n->value);
  visit(n->body);
}
void IRVisitor::visitEvaluate(const EvaluateNode *n) { visit(n->value); }

Expr IRMutator::mutate(const Expr &e) {
  if (!e)
    return e;
  switch (e.kind()) {
  case ExprKind::IntImm: return mutateIntImm(e);
  case ExprKind::FloatImm: return mutateFloatImm(e);
  case ExprKind::Var: return mutateVar(e);
  case ExprKind::Binary: return mutateBinary(e, e.as<BinaryNode>());
  case ExprKind::Unary: return mutateUnary(e, e.as<UnaryNode>());
  case ExprKind::Select: return mutateSelect(e, e.as<SelectNode>());
  case ExprKind::Cast: return mutateCast(e, e.as<CastNode>());
  case ExprKind::Load: return mutateLoad(e, e.as<LoadNode>());
  case ExprKind::Call: return mutateCall(e, e.as<CallNode>());
  case ExprKind::Ramp: return mutateRamp(e, e.as<RampNode>());
  case ExprKind::Broadcast: return mutateBroadcast(e, e.as<BroadcastNode>());
  }
  return e;
}

Stmt IRMutator::mutate(const Stmt &s) {
  if (!s)
    return s;
  switch (s.kind()) {
  case StmtKind::For: return mutateFor(s, s.as<ForNode>());
  case StmtKind::Seq: return mutateSeq(s, s.as<SeqNode>());
  case StmtKind::IfThenElse: return mutateIfThenElse(s, s.as<IfThenElseNode>());
  case StmtKind::Store: return mutateStore(s, s.as<StoreNode>());
  case StmtKind::Allocate: return mutateAllocate(s, s.as<AllocateNode>());
  case StmtKind::Let: return mutateLet(s, s.as<LetNode>());
  case StmtKind::Evaluate: return mutateEvaluate(s, s.as<EvaluateNode>());
  case StmtKind::Barrier: return mutateBarrier(s);
  }
  return s;
}

bool IRMutator::mutateAll(const std::vector<Expr> &in, std::vector<Expr> &out) {
  bool changed = false;
  out.clear();
  out.reserve(in.size());
  for (const Expr &e : in) {
    out.push_back(mutate(e));
    changed |= !out.back().same(e);
  }
  return changed;
}

Expr IRMutator::mutateBinary(const Expr &e, const BinaryNode *n) {
  Expr a = mutate(n->a), b = mutate(n->b);
  if (a.same(n->a) && b.same(n->b))
    return e;
  return binary(n->op, a, b);
}
Expr IRMutator::mutateUnary(const Expr &e, const UnaryNode *n) {
  Expr a = mutate(n->a);
  return a.same(n->a) ? e : unary(n->op, a);
}
Expr IRMutator::mutateSelect(const Expr &e, const SelectNode *n) {
  Expr c = mutate(n->cond), t = mutate(n->trueValue),
       f = mutate(n->falseValue);
  if (c.same(n->cond) && t.same(n->trueValue) && f.same(n->falseValue))
    return e;
  return select(c, t, f);
}
Expr IRMutator::mutateCast(const Expr &e, const CastNode *n) {
  Expr v = mutate(n->value);
  return v.same(n->value) ? e : cast(n->type.elem, v);
}
Expr IRMutator::mutateLoad(const Expr &e, const LoadNode *n) {
  std::vector<Expr> idx;
  if (!mutateAll(n->indices, idx))
    return e;
  return load(n->buffer, std::move(idx));
}
Expr IRMutator::mutateCall(const Expr &e, const CallNode *n) {
  std::vector<Expr> args;
  if (!mutateAll(n->args, args))
    return e;
  DType t = n->type;
  for (const Expr &a : args)
    if (a.type().lanes > t.lanes)
      t.lanes = a.type().lanes;
  return call(t, n->name, std::move(args));
}
Expr IRMutator::mutateRamp(const Expr &e, const RampNode *n) {
  Expr b = mutate(n->base), s = mutate(n->stride);
  if (b.same(n->base) && s.same(n->stride))
    return e;
  return ramp(b, s, n->lanes);
}
Expr IRMutator::mutateBroadcast(const Expr &e, const BroadcastNode *n) {
  Expr v = mutate(n->value);
  if (v.same(n->value))
    return e;
  if (v.type().lanes == n->lanes)
    return v;
  return broadcast(v, n->lanes);
}

Stmt IRMutator::mutateFor(const Stmt &s, const ForNode *n) {
  Expr mn = mutate(n->min), ext = mutate(n->extent);
  Stmt body = mutate(n->body);
  if (mn.same(n->min) && ext.same(n->extent) && body.same(n->body))
    return s;
  if (!body)
    return body;
  return makeFor(n->var, mn, ext, n->forKind, body);
}
Stmt IRMutator::mutateSeq(const Stmt &s, const SeqNode *n) {
  std::vector<Stmt> stmts;
  bool changed = false;
  for (const Stmt &st : n->stmts) {
    stmts.push_back(mutate(st));
    changed |= !stmts.back().same(st);
  }
  return changed ? makeSeq(std::move(stmts)) : s;
}
Stmt IRMutator::mutateIfThenElse(const Stmt &s, const IfThenElseNode *n) {
  Expr c = mutate(n->cond);
  Stmt t = mutate(n->thenBody), f = mutate(n->elseBody);
  if (c.same(n->cond) && t.same(n->thenBody) && f.same(n->elseBody))
    return s;
  if (!t && !f)
    return Stmt();
  if (!t)
    return makeIf(logicalNot(c), f);
  return makeIf(c, t, f);
}
Stmt IRMutator::mutateStore(const Stmt &s, const StoreNode *n) {
  std::vector<Expr> idx;
  bool changed = mutateAll(n->indices, idx);
  Expr v = mutate(n->value);
  if (!changed && v.same(n->value))
    return s;
  return makeStore(n->buffer, std::move(idx), v);
}
Stmt IRMutator::mutateAllocate(const Stmt &s, const AllocateNode *n) {
  Stmt body = mutate(n->body);
  if (body.same(n->body))
    return s;
  return body ? makeAllocate(n->buffer, body) : body;
}
Stmt IRMutator::mutateLet(const Stmt &s, const LetNode *n) {
  Expr v = mutate(n->value);
  Stmt body = mutate(n->body);
  if (v.same(n->value) && body.same(n->body))
    return s;
  return body ? makeLet(n->var, v, body) : body;
}
Stmt IRMutator::mutateEvaluate(const Stmt &s, const EvaluateNode *n) {
  Expr v = mutate(n->value);
  return v.same(n->value) ? s : makeEvaluate(v);
}

namespace {
class Substituter : public IRMutator {
public:
  explicit Substituter(const std::unordered_map<const VarNode *, Expr> &map)
      : map_(map) {}

protected:
  Expr mutateVar(const Expr &e) override {
    auto it = map_.find(e.as<VarNode>());
    return it == map_.end() ? e : it->second;
  }

private:
  const std::unordered_map<const VarNode *, Expr> &map_;
};

class ExprWalker : public IRVisitor {
public:
  explicit ExprWalker(const std::function<void(const Expr &)> &fn) : fn_(fn) {}
  void visit(const Expr &e) override {
    if (!e)
      return;
    fn_(e);
    IRVisitor::visit(e);
  }
  using IRVisitor::visit;

protected:
  void visitLoad(const LoadNode *n) override { IRVisitor::visitLoad(n); }

private:
  const std::function<void(const Expr &)> &fn_;
};
} // namespace

Expr substitute(const Expr &e,
                const std::unordered_map<const VarNode *, Expr> &map) {
  return Substituter(map).mutate(e);
}
Stmt substitute(const Stmt &s,
                const std::unordered_map<const VarNode *, Expr> &map) {
  return Substituter(map).mutate(s);
}

void forEachExpr(const Expr &e, const std::function<void(const Expr &)> &fn) {
  ExprWalker(fn).visit(e);
}
void forEachExpr(const Stmt &s, const std::function<void(const Expr &)> &fn) {
  ExprWalker w(fn);
  w.visit(s);
}

bool usesVar(const Expr &e, const VarNode *var) {
  bool found = false;
  forEachExpr(e, [&](const Expr &x) { found |= x.get() == var; });
  return found;
}
bool usesVar(const Stmt &s, const VarNode *var) {
  bool found = false;
  forEachExpr(s, [&](const Expr &x) { found |= x.get() == var; });
  return found;
}

} // namespace kiln::loop
