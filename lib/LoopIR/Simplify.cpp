//===- Simplify.cpp - loop IR statement simplification --------------------===//
//
// Statement rules: dead loops and branches go, loops of extent one and lets
// of constants or variables are substituted away, and the ranges of loop and
// let variables (and of variables compared in if conditions) are tracked for
// the expression rules (SimplifyExpr.cpp).
//
//===----------------------------------------------------------------------===//

#include "Simplifier.h"

#include "kiln/LoopIR/Functor.h"

#include <cstring>

namespace kiln::loop {

namespace detail {

namespace {

bool hasLoad(const Expr &e) {
  bool found = false;
  forEachExpr(e, [&](const Expr &x) { found |= x.kind() == ExprKind::Load; });
  return found;
}

// Whether s binds var again (a nested For or Let of the same variable), which
// would make a substitution of var capture the inner binding.
bool rebinds(const Stmt &s, const VarNode *var) {
  struct Finder : IRVisitor {
    const VarNode *var;
    bool found = false;
    void visitFor(const ForNode *n) override {
      found |= n->var.get() == var;
      IRVisitor::visitFor(n);
    }
    void visitLet(const LetNode *n) override {
      found |= n->var.get() == var;
      IRVisitor::visitLet(n);
    }
  } f;
  f.var = var;
  f.visit(s);
  return f.found;
}

// Substitutable values: the substitution must not change what is read.
bool substitutable(const Expr &v, const Stmt &body) {
  if (v.as<IntImmNode>() || v.as<FloatImmNode>())
    return true;
  if (auto *b = v.as<BroadcastNode>())
    return b->value.as<IntImmNode>() || b->value.as<FloatImmNode>();
  if (auto *var = v.as<VarNode>())
    return !rebinds(body, var);
  return false;
}

bool isGpuLoop(ForKind k) {
  return k != ForKind::Serial && k != ForKind::Parallel &&
         k != ForKind::Vectorized && k != ForKind::Unrolled;
}

} // namespace

Stmt Simplifier::stmt(const Stmt &s) {
  if (!s)
    return s;
  switch (s.kind()) {
  case StmtKind::For:
    return forStmt(s.as<ForNode>());
  case StmtKind::Let:
    return letStmt(s.as<LetNode>());
  case StmtKind::IfThenElse:
    return ifStmt(s.as<IfThenElseNode>());
  case StmtKind::Seq: {
    std::vector<Stmt> out;
    for (const Stmt &x : s.as<SeqNode>()->stmts)
      if (Stmt y = stmt(x))
        out.push_back(y);
    if (out.empty())
      return Stmt();
    return makeSeq(std::move(out));
  }
  case StmtKind::Store: {
    auto *n = s.as<StoreNode>();
    std::vector<Expr> idx;
    for (const Expr &i : n->indices)
      idx.push_back(expr(i));
    return makeStore(n->buffer, idx, expr(n->value));
  }
  case StmtKind::Allocate: {
    auto *n = s.as<AllocateNode>();
    Stmt body = stmt(n->body);
    return body ? makeAllocate(n->buffer, body) : Stmt();
  }
  case StmtKind::Evaluate:
    return makeEvaluate(expr(s.as<EvaluateNode>()->value));
  case StmtKind::Barrier:
    return s;
  }
  return s;
}

Stmt Simplifier::forStmt(const ForNode *n) {
  Expr min = expr(n->min), extent = expr(n->extent);
  auto ext = boundsOf(extent, vars_);
  if (ext && ext->max <= 0)
    return Stmt();
  const VarNode *var = n->var.node();
  if (ext && ext->isConst() && ext->min == 1 && !isGpuLoop(n->forKind) &&
      !hasLoad(min) &&
      (!min.as<VarNode>() || !rebinds(n->body, min.as<VarNode>()))) {
    // The body runs once with var = min.
    Stmt body = substitute(n->body, {{var, min}});
    return stmt(body);
  }
  Stmt body = withBounds(var, loopVarBounds(min, extent, vars_),
                         [&] { return stmt(n->body); });
  if (!body)
    return Stmt();
  return makeFor(n->var, min, extent, n->forKind, body);
}

Stmt Simplifier::letStmt(const LetNode *n) {
  Expr value = expr(n->value);
  const VarNode *var = n->var.node();
  if (substitutable(value, n->body))
    return stmt(substitute(n->body, {{var, value}}));
  std::optional<IntBounds> b;
  if (!value.type().isFloat() && !value.type().isVector())
    b = boundsOf(value, vars_);
  Stmt body = withBounds(var, b, [&] { return stmt(n->body); });
  if (!body)
    return Stmt();
  if (!usesVar(body, var))
    return body; // the value is pure: dropping it changes nothing
  return makeLet(n->var, value, body);
}

void Simplifier::assume(const Expr &cond, bool truth) {
  if (auto *u = cond.as<UnaryNode>()) {
    if (u->op == UnaryOp::Not)
      assume(u->a, !truth);
    return;
  }
  auto *b = cond.as<BinaryNode>();
  if (!b)
    return;
  if ((b->op == BinaryOp::And && truth) || (b->op == BinaryOp::Or && !truth)) {
    assume(b->a, truth);
    assume(b->b, truth);
    return;
  }
  if (!isComparison(b->op) || !b->a.type().isInt() || b->a.type().isVector())
    return;
  BinaryOp op = b->op;
  if (!truth) {
    switch (op) {
    case BinaryOp::LT:
      op = BinaryOp::GE;
      break;
    case BinaryOp::LE:
      op = BinaryOp::GT;
      break;
    case BinaryOp::GT:
      op = BinaryOp::LE;
      break;
    case BinaryOp::GE:
      op = BinaryOp::LT;
      break;
    case BinaryOp::EQ:
      op = BinaryOp::NE;
      break;
    case BinaryOp::NE:
      op = BinaryOp::EQ;
      break;
    default:
      break;
    }
  }
  // Narrow a variable compared with an expression of known range.
  auto narrow = [&](const Expr &v, BinaryOp o, const Expr &other) {
    auto *var = v.as<VarNode>();
    if (!var)
      return;
    auto vb = boundsOf(v, vars_), ob = boundsOf(other, vars_);
    if (!vb || !ob)
      return;
    IntBounds r = *vb;
    switch (o) {
    case BinaryOp::LT:
      if (ob->max > INT64_MIN)
        r.max = std::min(r.max, ob->max - 1);
      break;
    case BinaryOp::LE:
      r.max = std::min(r.max, ob->max);
      break;
    case BinaryOp::GT:
      if (ob->min < INT64_MAX)
        r.min = std::max(r.min, ob->min + 1);
      break;
    case BinaryOp::GE:
      r.min = std::max(r.min, ob->min);
      break;
    case BinaryOp::EQ:
      r.min = std::max(r.min, ob->min);
      r.max = std::min(r.max, ob->max);
      break;
    default:
      return;
    }
    if (r.min <= r.max) // otherwise the branch is dead; keep what we know
      vars_[var] = r;
  };
  auto flip = [](BinaryOp o) {
    switch (o) {
    case BinaryOp::LT:
      return BinaryOp::GT;
    case BinaryOp::LE:
      return BinaryOp::GE;
    case BinaryOp::GT:
      return BinaryOp::LT;
    case BinaryOp::GE:
      return BinaryOp::LE;
    default:
      return o;
    }
  };
  if (!isSigned(b->a.type().elem) && b->a.type().elem == ElementType::U64)
    return; // u64 ranges above INT64_MAX are not represented
  narrow(b->a, op, b->b);
  narrow(b->b, flip(op), b->a);
}

Stmt Simplifier::ifStmt(const IfThenElseNode *n) {
  Expr cond = expr(n->cond);
  if (auto *imm = cond.as<IntImmNode>())
    return stmt(imm->value ? n->thenBody : n->elseBody);
  VarBounds saved = vars_;
  assume(cond, true);
  Stmt thenBody = stmt(n->thenBody);
  vars_ = saved;
  Stmt elseBody;
  if (n->elseBody) {
    assume(cond, false);
    elseBody = stmt(n->elseBody);
    vars_ = saved;
  }
  if (!thenBody && !elseBody)
    return Stmt();
  if (!thenBody)
    return makeIf(expr(logicalNot(cond)), elseBody);
  return makeIf(cond, thenBody, elseBody);
}

} // namespace detail

bool structurallyEqual(const Expr &a, const Expr &b, bool buffersByName) {
  if (a.same(b))
    return true;
  if (!a || !b || a.kind() != b.kind() || a.type() != b.type())
    return false;
  auto eq = [buffersByName](const Expr &x, const Expr &y) {
    return structurallyEqual(x, y, buffersByName);
  };
  auto all = [&](const std::vector<Expr> &x, const std::vector<Expr> &y) {
    if (x.size() != y.size())
      return false;
    for (size_t i = 0; i < x.size(); ++i)
      if (!eq(x[i], y[i]))
        return false;
    return true;
  };
  switch (a.kind()) {
  case ExprKind::IntImm:
    return a.as<IntImmNode>()->value == b.as<IntImmNode>()->value;
  case ExprKind::FloatImm: {
    double x = a.as<FloatImmNode>()->value, y = b.as<FloatImmNode>()->value;
    return std::memcmp(&x, &y, sizeof x) == 0;
  }
  case ExprKind::Var:
    return false; // identity only, checked above
  case ExprKind::Binary: {
    auto *x = a.as<BinaryNode>(), *y = b.as<BinaryNode>();
    return x->op == y->op && eq(x->a, y->a) && eq(x->b, y->b);
  }
  case ExprKind::Unary: {
    auto *x = a.as<UnaryNode>(), *y = b.as<UnaryNode>();
    return x->op == y->op && eq(x->a, y->a);
  }
  case ExprKind::Select: {
    auto *x = a.as<SelectNode>(), *y = b.as<SelectNode>();
    return eq(x->cond, y->cond) && eq(x->trueValue, y->trueValue) &&
           eq(x->falseValue, y->falseValue);
  }
  case ExprKind::Cast:
    return eq(a.as<CastNode>()->value, b.as<CastNode>()->value);
  case ExprKind::Load: {
    auto *x = a.as<LoadNode>(), *y = b.as<LoadNode>();
    return (x->buffer == y->buffer ||
            (buffersByName && x->buffer->name == y->buffer->name)) &&
           all(x->indices, y->indices);
  }
  case ExprKind::Call: {
    auto *x = a.as<CallNode>(), *y = b.as<CallNode>();
    return x->name == y->name && all(x->args, y->args);
  }
  case ExprKind::Ramp: {
    auto *x = a.as<RampNode>(), *y = b.as<RampNode>();
    return x->lanes == y->lanes && eq(x->base, y->base) &&
           eq(x->stride, y->stride);
  }
  case ExprKind::Broadcast: {
    auto *x = a.as<BroadcastNode>(), *y = b.as<BroadcastNode>();
    return x->lanes == y->lanes && eq(x->value, y->value);
  }
  }
  return false;
}

Expr simplify(const Expr &e, const VarBounds &vars) {
  return detail::Simplifier(vars).expr(e);
}

Stmt simplify(const Stmt &s, const VarBounds &vars) {
  Stmt r = detail::Simplifier(vars).stmt(s);
  return r ? r : makeSeq({});
}

PrimFunc simplify(const PrimFunc &f) {
  return PrimFunc{f.name, f.params, simplify(f.body)};
}

} // namespace kiln::loop
