//===- SimplifyExpr.cpp - loop IR expression simplification ---------------===//
//
// Bottom-up: operands are simplified first, then the rules of the node apply.
// Integer arithmetic wraps, so reassociation and distribution of + and * are
// exact; rules that depend on values not wrapping (division splitting,
// comparisons) ask the range analysis, which refuses ranges that may wrap.
// Float rules are only the exact ones (x*1, x/1, x-0, constant folding).
//
//===----------------------------------------------------------------------===//

#include "Simplifier.h"

#include "ScalarSemantics.h"

#include "kiln/LoopIR/Buffer.h"

#include <cmath>
#include <cstring>

namespace kiln::loop::detail {

namespace {

// The value of a scalar immediate or a broadcast of one.
std::optional<Scalar> constValue(const Expr &e) {
  if (auto *i = e.as<IntImmNode>()) // immediates may hold unwrapped values
    return intScalar(normalizeInt(e.type().elem, i->value));
  if (auto *f = e.as<FloatImmNode>())
    return floatScalar(f->value);
  if (auto *b = e.as<BroadcastNode>())
    return constValue(b->value);
  return std::nullopt;
}

std::optional<int64_t> constInt(const Expr &e) {
  if (e.type().isFloat())
    return std::nullopt;
  if (auto v = constValue(e))
    return v->i;
  return std::nullopt;
}

bool isConstIntValue(const Expr &e, int64_t v) {
  auto c = constInt(e);
  return c && *c == v;
}

// An immediate of type t (broadcast for vectors).
Expr constOf(DType t, Scalar v) {
  Expr s = t.isFloat() ? floatImm(t.scalar(), v.f)
                       : intImm(t.scalar(), normalizeInt(t.elem, v.i));
  return t.lanes > 1 ? broadcast(s, t.lanes) : s;
}
Expr intConst(DType t, int64_t v) { return constOf(t, intScalar(v)); }

bool isCommutative(BinaryOp op) {
  switch (op) {
  case BinaryOp::Add: case BinaryOp::Mul: case BinaryOp::Min:
  case BinaryOp::Max: case BinaryOp::EQ: case BinaryOp::NE:
  case BinaryOp::And: case BinaryOp::Or: case BinaryOp::BitAnd:
  case BinaryOp::BitOr: case BinaryOp::BitXor:
    return true;
  default:
    return false;
  }
}

// a op b == b flip(op) a for comparisons.
BinaryOp flipComparison(BinaryOp op) {
  switch (op) {
  case BinaryOp::LT: return BinaryOp::GT;
  case BinaryOp::LE: return BinaryOp::GE;
  case BinaryOp::GT: return BinaryOp::LT;
  case BinaryOp::GE: return BinaryOp::LE;
  default: return op;
  }
}

// !(a op b) == a negate(op) b for integer comparisons.
BinaryOp negateComparison(BinaryOp op) {
  switch (op) {
  case BinaryOp::EQ: return BinaryOp::NE;
  case BinaryOp::NE: return BinaryOp::EQ;
  case BinaryOp::LT: return BinaryOp::GE;
  case BinaryOp::LE: return BinaryOp::GT;
  case BinaryOp::GT: return BinaryOp::LE;
  case BinaryOp::GE: return BinaryOp::LT;
  default: return op;
  }
}

const BinaryNode *asBinary(const Expr &e, BinaryOp op) {
  auto *b = e.as<BinaryNode>();
  return b && b->op == op ? b : nullptr;
}

// Flattens a tree of Adds into its terms.
void addTerms(const Expr &e, std::vector<Expr> &terms) {
  if (auto *b = asBinary(e, BinaryOp::Add)) {
    addTerms(b->a, terms);
    addTerms(b->b, terms);
  } else {
    terms.push_back(e);
  }
}

} // namespace

Expr Simplifier::expr(const Expr &e) {
  if (!e)
    return e;
  switch (e.kind()) {
  case ExprKind::IntImm:
  case ExprKind::FloatImm:
  case ExprKind::Var:
    return e;
  case ExprKind::Binary: {
    auto *n = e.as<BinaryNode>();
    return binaryRule(n->op, expr(n->a), expr(n->b));
  }
  case ExprKind::Unary: {
    auto *n = e.as<UnaryNode>();
    return unaryRule(n->op, expr(n->a));
  }
  case ExprKind::Select: {
    auto *n = e.as<SelectNode>();
    return selectRule(expr(n->cond), expr(n->trueValue), expr(n->falseValue));
  }
  case ExprKind::Cast: {
    auto *n = e.as<CastNode>();
    return castRule(e.type(), expr(n->value));
  }
  case ExprKind::Load: {
    auto *n = e.as<LoadNode>();
    std::vector<Expr> idx;
    bool changed = false;
    for (const Expr &i : n->indices) {
      idx.push_back(expr(i));
      changed |= !idx.back().same(i);
    }
    return changed ? load(n->buffer, idx) : e;
  }
  case ExprKind::Call: {
    auto *n = e.as<CallNode>();
    std::vector<Expr> args;
    bool changed = false;
    for (const Expr &a : n->args) {
      args.push_back(expr(a));
      changed |= !args.back().same(a);
    }
    return changed ? call(e.type(), n->name, args) : e;
  }
  case ExprKind::Ramp: {
    auto *n = e.as<RampNode>();
    Expr base = expr(n->base), stride = expr(n->stride);
    if (isConstIntValue(stride, 0))
      return broadcast(base, n->lanes);
    if (base.same(n->base) && stride.same(n->stride))
      return e;
    return ramp(base, stride, n->lanes);
  }
  case ExprKind::Broadcast: {
    auto *n = e.as<BroadcastNode>();
    Expr v = expr(n->value);
    return v.same(n->value) ? e : broadcast(v, n->lanes);
  }
  }
  return e;
}

Expr Simplifier::binaryRule(BinaryOp op, Expr a, Expr b) {
  DType t = a.type();
  auto ca = constValue(a), cb = constValue(b);
  if (ca && cb && a.type() == b.type()) {
    DType rt = isComparison(op) ? DType::boolean(t.lanes) : t;
    return constOf(rt, binaryOp(op, t.elem, *ca, *cb));
  }
  auto *ba = a.as<BroadcastNode>(), *bb = b.as<BroadcastNode>();
  if (ba && bb && ba->lanes == bb->lanes)
    return broadcast(binaryRule(op, ba->value, bb->value), ba->lanes);

  if (t.isInt())
    return intRule(op, a, b);

  if (t.isBool()) {
    if (ca && !cb && isCommutative(op))
      std::swap(a, b), std::swap(ca, cb);
    if (cb && (op == BinaryOp::And || op == BinaryOp::Or)) {
      bool v = cb->i != 0;
      if (op == BinaryOp::And)
        return v ? a : constOf(t, intScalar(0));
      return v ? constOf(t, intScalar(1)) : a;
    }
    if ((op == BinaryOp::And || op == BinaryOp::Or) && structurallyEqual(a, b))
      return a;
    return binary(op, a, b);
  }

  // Floats: only exact identities.
  if (cb) {
    double v = cb->f;
    if ((op == BinaryOp::Mul || op == BinaryOp::Div) && v == 1.0)
      return a;
    if (op == BinaryOp::Sub && v == 0.0 && !std::signbit(v))
      return a;
    if (op == BinaryOp::Add && v == 0.0 && std::signbit(v))
      return a;
  }
  if ((op == BinaryOp::Min || op == BinaryOp::Max) && structurallyEqual(a, b))
    return a;
  return binary(op, a, b);
}

Expr Simplifier::intRule(BinaryOp op, const Expr &a0, const Expr &b0) {
  Expr a = a0, b = b0;
  DType t = a.type();
  if (constValue(a) && !constValue(b) &&
      (isCommutative(op) || isComparison(op))) {
    std::swap(a, b);
    op = flipComparison(op);
  }
  auto cb = constInt(b);
  if (isComparison(op))
    return compareRule(op, a, b);

  switch (op) {
  case BinaryOp::Add: {
    if (cb && *cb == 0)
      return a;
    if (cb) {
      // (x + c1) + c2 -> x + (c1 + c2)
      if (auto *x = asBinary(a, BinaryOp::Add))
        if (auto c1 = constInt(x->b))
          return binaryRule(BinaryOp::Add, x->a,
                            binaryRule(BinaryOp::Add, x->b, b));
    } else if (auto *y = asBinary(b, BinaryOp::Add)) {
      // x + (y + c) -> (x + y) + c
      if (constInt(y->b))
        return binaryRule(BinaryOp::Add, binaryRule(BinaryOp::Add, a, y->a),
                          y->b);
    }
    if (!cb)
      if (auto *x = asBinary(a, BinaryOp::Add))
        if (constInt(x->b)) // (x + c) + y -> (x + y) + c
          return binaryRule(BinaryOp::Add, binaryRule(BinaryOp::Add, x->a, b),
                            x->b);
    break;
  }
  case BinaryOp::Sub: {
    if (cb) // x - c -> x + (-c), so constants gather in one place
      return binaryRule(BinaryOp::Add, a,
                        constOf(t, unaryOp(UnaryOp::Neg, t.elem, intScalar(*cb))));
    if (structurallyEqual(a, b))
      return intConst(t, 0);
    auto *xa = asBinary(a, BinaryOp::Add), *xb = asBinary(b, BinaryOp::Add);
    if (xa && structurallyEqual(xa->a, b)) // (x + y) - x -> y
      return xa->b;
    if (xa && structurallyEqual(xa->b, b)) // (x + y) - y -> x
      return xa->a;
    if (xb && structurallyEqual(xb->a, a) && constInt(xb->b)) // x - (x + c)
      return unaryRule(UnaryOp::Neg, xb->b);
    if (xa && xb && constInt(xa->b) && constInt(xb->b))
      // (x + c1) - (y + c2) -> (x - y) + (c1 - c2)
      return binaryRule(BinaryOp::Add, binaryRule(BinaryOp::Sub, xa->a, xb->a),
                        binaryRule(BinaryOp::Sub, xa->b, xb->b));
    if (xa && constInt(xa->b)) // (x + c) - y -> (x - y) + c
      return binaryRule(BinaryOp::Add, binaryRule(BinaryOp::Sub, xa->a, b),
                        xa->b);
    break;
  }
  case BinaryOp::Mul:
    if (cb && *cb == 0)
      return intConst(t, 0);
    if (cb && *cb == 1)
      return a;
    if (cb) {
      if (auto *x = asBinary(a, BinaryOp::Mul))
        if (constInt(x->b)) // (x * c1) * c2 -> x * (c1 * c2)
          return binaryRule(BinaryOp::Mul, x->a,
                            binaryRule(BinaryOp::Mul, x->b, b));
      if (auto *x = asBinary(a, BinaryOp::Add))
        if (constInt(x->b)) // (x + c1) * c2 -> x * c2 + c1 * c2
          return binaryRule(BinaryOp::Add, binaryRule(BinaryOp::Mul, x->a, b),
                            binaryRule(BinaryOp::Mul, x->b, b));
    }
    break;
  case BinaryOp::Div:
  case BinaryOp::FloorDiv:
  case BinaryOp::Mod:
  case BinaryOp::FloorMod: {
    bool isDiv = op == BinaryOp::Div || op == BinaryOp::FloorDiv;
    if (cb && *cb == 0)
      return intConst(t, 0); // division by zero is defined as 0
    if (cb && *cb == 1)
      return isDiv ? a : intConst(t, 0);
    if (cb && *cb > 0)
      if (Expr r = divModRule(op, a, *cb))
        return r;
    break;
  }
  case BinaryOp::Min:
  case BinaryOp::Max: {
    if (structurallyEqual(a, b))
      return a;
    bool isMin = op == BinaryOp::Min;
    auto ra = bounds(a), rb = bounds(b);
    if (ra && rb) {
      if (ra->max <= rb->min)
        return isMin ? a : b;
      if (rb->max <= ra->min)
        return isMin ? b : a;
    }
    if (cb)
      if (auto *x = asBinary(a, op))
        if (constInt(x->b)) // min(min(x, c1), c2) -> min(x, min(c1, c2))
          return binaryRule(op, x->a, binaryRule(op, x->b, b));
    break;
  }
  case BinaryOp::BitAnd:
    if (cb && *cb == 0)
      return intConst(t, 0);
    if (structurallyEqual(a, b))
      return a;
    break;
  case BinaryOp::BitOr:
    if (cb && *cb == 0)
      return a;
    if (structurallyEqual(a, b))
      return a;
    break;
  case BinaryOp::BitXor:
    if (cb && *cb == 0)
      return a;
    if (structurallyEqual(a, b))
      return intConst(t, 0);
    break;
  case BinaryOp::Shl:
  case BinaryOp::Shr:
    if (cb && *cb == 0)
      return a;
    break;
  default:
    break;
  }
  return binary(op, a, b);
}

// x / c and x % c (c > 0) when x splits into q * c + r with r's range known.
Expr Simplifier::divModRule(BinaryOp op, const Expr &a, int64_t c) {
  DType t = a.type();
  bool isDiv = op == BinaryOp::Div || op == BinaryOp::FloorDiv;
  bool floor = op == BinaryOp::FloorDiv || op == BinaryOp::FloorMod;
  auto ra = bounds(a);
  if (ra && ra->min >= 0 && ra->max < c)
    return isDiv ? intConst(t, 0) : a;
  Expr cExpr = intConst(t, c);

  // (x / c1) / c2 -> x / (c1 * c2) and x % c1 % c2 -> x % c2 (c2 divides c1)
  // hold for every x when the divisors are positive, truncating or not.
  if (auto *inner = asBinary(a, op))
    if (auto c1 = constInt(inner->b)) {
      if (isDiv && *c1 > 0 && *c1 <= INT64_MAX / c &&
          normalizeInt(t.elem, *c1 * c) == *c1 * c)
        return binaryRule(op, inner->a, intConst(t, *c1 * c));
      if (!isDiv && *c1 > 0 && *c1 % c == 0)
        return binaryRule(op, inner->a, cExpr);
    }

  std::vector<Expr> terms, q, r;
  addTerms(a, terms);
  for (const Expr &term : terms) {
    auto k = constInt(term);
    auto *m = asBinary(term, BinaryOp::Mul);
    auto mk = m ? constInt(m->b) : std::nullopt;
    if (k && *k % c == 0)
      q.push_back(intConst(t, *k / c));
    else if (mk && *mk % c == 0)
      q.push_back(binaryRule(BinaryOp::Mul, m->a, intConst(t, *mk / c)));
    else
      r.push_back(term);
  }
  if (q.empty())
    return Expr();
  auto sum = [&](const std::vector<Expr> &xs) {
    Expr s = xs.empty() ? intConst(t, 0) : xs[0];
    for (size_t i = 1; i < xs.size(); ++i)
      s = binaryRule(BinaryOp::Add, s, xs[i]);
    return s;
  };
  Expr qe = sum(q), re = sum(r);
  // The computed a is congruent to Q * c + R (wrapping arithmetic); when that
  // sum cannot leave the type's range it equals a exactly, and then
  // floor(a / c) = Q + floor(R / c), a mod c = R mod c. Truncating division
  // agrees when a >= 0 and R >= 0.
  auto rq = bounds(qe), rr = bounds(re);
  if (!rq || !rr)
    return Expr();
  __int128 lo = __int128(rq->min) * c + rr->min;
  __int128 hi = __int128(rq->max) * c + rr->max;
  auto fits = [&](__int128 v) {
    return v >= INT64_MIN && v <= INT64_MAX &&
           normalizeInt(t.elem, int64_t(v)) == int64_t(v) &&
           (isSigned(t.elem) || v >= 0);
  };
  if (!fits(lo) || !fits(hi))
    return Expr();
  if (!floor && (lo < 0 || rr->min < 0))
    return Expr();
  if (isDiv)
    return binaryRule(BinaryOp::Add, qe, binaryRule(op, re, cExpr));
  return binaryRule(op, re, cExpr);
}

Expr Simplifier::compareRule(BinaryOp op, const Expr &a, const Expr &b) {
  DType bt = DType::boolean(a.type().lanes);
  auto result = [&](bool v) { return constOf(bt, intScalar(v)); };
  if (structurallyEqual(a, b))
    return result(op == BinaryOp::EQ || op == BinaryOp::LE ||
                  op == BinaryOp::GE);
  auto decide = [&](IntBounds x, IntBounds y) -> std::optional<bool> {
    switch (op) {
    case BinaryOp::EQ:
    case BinaryOp::NE:
      if (x.max < y.min || y.max < x.min)
        return op == BinaryOp::NE;
      if (x.isConst() && y.isConst() && x.min == y.min)
        return op == BinaryOp::EQ;
      return std::nullopt;
    case BinaryOp::LT:
      if (x.max < y.min) return true;
      if (x.min >= y.max) return false;
      return std::nullopt;
    case BinaryOp::LE:
      if (x.max <= y.min) return true;
      if (x.min > y.max) return false;
      return std::nullopt;
    case BinaryOp::GT:
      if (x.min > y.max) return true;
      if (x.max <= y.min) return false;
      return std::nullopt;
    case BinaryOp::GE:
      if (x.min >= y.max) return true;
      if (x.max < y.min) return false;
      return std::nullopt;
    default:
      return std::nullopt;
    }
  };
  auto ra = bounds(a), rb = bounds(b);
  if (ra && rb)
    if (auto v = decide(*ra, *rb))
      return result(*v);
  // The difference often has a tighter range (i < i + 1). The computed
  // difference equals a - b only if that cannot wrap, which the ranges of a
  // and b must prove.
  auto fitsType = [&](__int128 v) {
    return v >= INT64_MIN && v <= INT64_MAX &&
           normalizeInt(a.type().elem, int64_t(v)) == int64_t(v);
  };
  if (isSigned(a.type().elem) && ra && rb &&
      fitsType(__int128(ra->min) - rb->max) &&
      fitsType(__int128(ra->max) - rb->min)) {
    Expr d = binaryRule(BinaryOp::Sub, a, b);
    if (auto rd = bounds(d))
      if (auto v = decide(*rd, IntBounds{0, 0}))
        return result(*v);
  }
  return binary(op, a, b);
}

Expr Simplifier::unaryRule(UnaryOp op, const Expr &a) {
  if (auto c = constValue(a))
    return constOf(a.type(), unaryOp(op, a.type().elem, *c));
  if (auto *u = a.as<UnaryNode>())
    if (u->op == op) // double negation
      return u->a;
  if (op == UnaryOp::Not)
    if (auto *b = a.as<BinaryNode>())
      if (isComparison(b->op) && !b->a.type().isFloat())
        return binaryRule(negateComparison(b->op), b->a, b->b);
  return unary(op, a);
}

Expr Simplifier::selectRule(const Expr &c, const Expr &t, const Expr &f) {
  if (auto v = constValue(c))
    return v->i ? t : f;
  if (structurallyEqual(t, f))
    return t;
  return select(c, t, f);
}

Expr Simplifier::castRule(DType t, const Expr &v) {
  if (auto c = constValue(v))
    return constOf(t, castScalar(v.type().elem, t.elem, *c));
  return cast(t, v);
}

} // namespace kiln::loop::detail
