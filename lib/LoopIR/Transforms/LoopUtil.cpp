//===- LoopUtil.cpp - helpers shared by the schedule transformations ------===//

#include "kiln/LoopIR/Functor.h"
#include "kiln/LoopIR/Schedule.h"
#include "kiln/LoopIR/Bounds.h"
#include "kiln/LoopIR/Simplify.h"

namespace kiln::loop {

namespace {
class LoopFinder : public IRVisitor {
public:
  explicit LoopFinder(const VarNode *var) : var_(var) {}
  const ForNode *found = nullptr;

protected:
  void visitFor(const ForNode *n) override {
    if (found)
      return;
    if (n->var.node() == var_) {
      found = n;
      return;
    }
    visit(n->body);
  }
  // Expressions hold no loops.
  void visitStore(const StoreNode *) override {}
  void visitEvaluate(const EvaluateNode *) override {}

private:
  const VarNode *var_;
};

class LoopReplacer : public IRMutator {
public:
  LoopReplacer(const VarNode *var,
               const std::function<Stmt(const ForNode *)> &fn)
      : var_(var), fn_(fn) {}
  bool replaced = false;

  Expr mutate(const Expr &e) override { return e; }
  using IRMutator::mutate;

protected:
  Stmt mutateFor(const Stmt &s, const ForNode *n) override {
    if (n->var.node() == var_) {
      replaced = true;
      return fn_(n);
    }
    return IRMutator::mutateFor(s, n);
  }

private:
  const VarNode *var_;
  const std::function<Stmt(const ForNode *)> &fn_;
};
} // namespace

const ForNode *findLoop(const Stmt &s, const VarNode *loopVar) {
  LoopFinder f(loopVar);
  f.visit(s);
  return f.found;
}

Stmt replaceLoop(const Stmt &s, const VarNode *loopVar,
                 const std::function<Stmt(const ForNode *)> &fn) {
  check(loopVar != nullptr, "schedule: null loop variable");
  LoopReplacer r(loopVar, fn);
  Stmt out = r.mutate(s);
  check(r.replaced, "schedule: no loop over '{}'", loopVar->name);
  return out;
}

bool exprEqual(const Expr &a, const Expr &b) {
  return structurallyEqual(a, b, /*buffersByName=*/true);
}

static bool isIntValue(const Expr &e, int64_t v) {
  auto *imm = e.as<IntImmNode>();
  return imm && imm->value == v;
}

Expr foldAdd(const Expr &a, const Expr &b) {
  auto *x = a.as<IntImmNode>(), *y = b.as<IntImmNode>();
  if (x && y && a.type() == b.type())
    return intImm(a.type(), x->value + y->value);
  if (isIntValue(a, 0) && b.type().lanes >= a.type().lanes)
    return b;
  if (isIntValue(b, 0) && a.type().lanes >= b.type().lanes)
    return a;
  return a + b;
}

Expr foldMul(const Expr &a, const Expr &b) {
  auto *x = a.as<IntImmNode>(), *y = b.as<IntImmNode>();
  if (x && y && a.type() == b.type())
    return intImm(a.type(), x->value * y->value);
  if (isIntValue(a, 1) && b.type().lanes >= a.type().lanes)
    return b;
  if (isIntValue(b, 1) && a.type().lanes >= b.type().lanes)
    return a;
  if ((isIntValue(a, 0) && b.type().lanes == 1) ||
      (isIntValue(b, 0) && a.type().lanes == 1))
    return intImm(a.type(), 0);
  return a * b;
}

namespace {

// countWork with the ranges of the enclosing loops' variables, so a loop
// whose extent depends on them (a convolution's clipped kernel rows) counts
// at its largest extent.
int64_t countWorkIn(const Stmt &s, VarBounds &vars) {
  if (!s)
    return 0;
  switch (s.kind()) {
  case StmtKind::For: {
    auto *n = s.as<ForNode>();
    int64_t extent;
    if (!isConstInt(n->extent, &extent)) {
      std::optional<IntBounds> b = boundsOf(n->extent, vars);
      if (!b)
        return -1;
      extent = b->max;
    }
    std::optional<IntBounds> range = loopVarBounds(n->min, n->extent, vars);
    if (range)
      vars[n->var.node()] = *range;
    int64_t body = countWorkIn(n->body, vars);
    vars.erase(n->var.node());
    return body < 0 ? -1 : std::max<int64_t>(extent, 0) * body;
  }
  case StmtKind::Seq: {
    int64_t total = 0;
    for (const Stmt &st : s.as<SeqNode>()->stmts) {
      int64_t w = countWorkIn(st, vars);
      if (w < 0)
        return -1;
      total += w;
    }
    return total;
  }
  case StmtKind::IfThenElse: {
    auto *n = s.as<IfThenElseNode>();
    int64_t t = countWorkIn(n->thenBody, vars),
            e = countWorkIn(n->elseBody, vars);
    return t < 0 || e < 0 ? -1 : std::max(t, e);
  }
  case StmtKind::Store:
    return s.as<StoreNode>()->value.type().lanes;
  case StmtKind::Allocate:
    return countWorkIn(s.as<AllocateNode>()->body, vars);
  case StmtKind::Let:
    return countWorkIn(s.as<LetNode>()->body, vars);
  case StmtKind::Evaluate:
    return 1;
  case StmtKind::Barrier:
    return 0;
  }
  return 0;
}

} // namespace

int64_t countWork(const Stmt &s) {
  VarBounds vars;
  return countWorkIn(s, vars);
}

} // namespace kiln::loop
