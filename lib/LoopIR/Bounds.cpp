//===- Bounds.cpp - integer range analysis of loop IR ---------------------===//

#include "kiln/LoopIR/Bounds.h"

#include "kiln/LoopIR/Buffer.h"

#include "ScalarSemantics.h"

#include <algorithm>

namespace kiln::loop {

namespace {

using Wide = __int128;

struct Range {
  Wide min, max;
};

// The range of values a type can hold, if it fits in int64.
std::optional<Range> typeRange(ElementType t) {
  switch (t) {
  case ElementType::Bool: return Range{0, 1};
  case ElementType::I8: return Range{INT8_MIN, INT8_MAX};
  case ElementType::U8: return Range{0, UINT8_MAX};
  case ElementType::I16: return Range{INT16_MIN, INT16_MAX};
  case ElementType::U16: return Range{0, UINT16_MAX};
  case ElementType::I32: return Range{INT32_MIN, INT32_MAX};
  case ElementType::U32: return Range{0, UINT32_MAX};
  default: return std::nullopt;
  }
}

// Limits within which a value of type t is represented without wrapping.
Range typeLimits(ElementType t) {
  if (auto r = typeRange(t))
    return *r;
  if (t == ElementType::U64)
    return Range{0, INT64_MAX}; // larger values are not claimed
  return Range{INT64_MIN, INT64_MAX};
}

// Trunc and floor division of wide integers (b != 0).
Wide truncDiv(Wide a, Wide b) { return a / b; }
Wide floorDivW(Wide a, Wide b) {
  Wide q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0)))
    --q;
  return q;
}

class Analyzer {
public:
  explicit Analyzer(const VarBounds &vars) : vars_(vars) {}

  std::optional<Range> range(const Expr &e) {
    if (!e)
      return std::nullopt;
    DType t = e.type();
    if (t.isFloat())
      return std::nullopt;
    auto r = rangeImpl(e);
    if (!r)
      return std::nullopt;
    Range lim = typeLimits(t.elem);
    // A result outside its type's range would have wrapped: unknown.
    if (r->min < lim.min || r->max > lim.max || r->min > r->max)
      return std::nullopt;
    return r;
  }

private:
  std::optional<Range> rangeImpl(const Expr &e) {
    DType t = e.type();
    switch (e.kind()) {
    case ExprKind::IntImm: {
      Wide v = detail::normalizeInt(t.elem, e.as<IntImmNode>()->value);
      return Range{v, v};
    }
    case ExprKind::Var: {
      auto it = vars_.find(e.as<VarNode>());
      if (it != vars_.end())
        return Range{it->second.min, it->second.max};
      return typeRange(t.elem);
    }
    case ExprKind::Load:
    case ExprKind::Call:
      if (t.isBool())
        return Range{0, 1};
      return typeRange(t.elem);
    case ExprKind::Broadcast:
      return range(e.as<BroadcastNode>()->value);
    case ExprKind::Ramp: {
      auto *n = e.as<RampNode>();
      auto b = range(n->base), s = range(n->stride);
      if (!b || !s)
        return std::nullopt;
      Wide k = n->lanes - 1;
      return Range{b->min + std::min<Wide>(0, s->min * k),
                   b->max + std::max<Wide>(0, s->max * k)};
    }
    case ExprKind::Cast: {
      auto *n = e.as<CastNode>();
      if (t.isBool())
        return Range{0, 1};
      auto target = typeRange(t.elem);
      if (!n->value.type().isFloat()) {
        auto v = range(n->value);
        Range lim = typeLimits(t.elem);
        if (v && v->min >= lim.min && v->max <= lim.max)
          return v;
      }
      return target;
    }
    case ExprKind::Select: {
      auto *n = e.as<SelectNode>();
      auto a = range(n->trueValue), b = range(n->falseValue);
      if (!a || !b)
        return std::nullopt;
      return Range{std::min(a->min, b->min), std::max(a->max, b->max)};
    }
    case ExprKind::Unary: {
      auto *n = e.as<UnaryNode>();
      if (n->op == UnaryOp::Not)
        return Range{0, 1};
      auto a = range(n->a);
      if (!a)
        return typeRange(t.elem);
      if (n->op == UnaryOp::Neg)
        return Range{-a->max, -a->min};
      return Range{~a->max, ~a->min}; // BitNot = -x - 1 on signed values
    }
    case ExprKind::Binary:
      return binaryRange(e.as<BinaryNode>(), t);
    case ExprKind::FloatImm:
      return std::nullopt;
    }
    return std::nullopt;
  }

  std::optional<Range> binaryRange(const BinaryNode *n, DType t) {
    if (isComparison(n->op) || n->op == BinaryOp::And || n->op == BinaryOp::Or)
      return Range{0, 1};
    bool uns = t.isInt() && !isSigned(t.elem);
    auto a = range(n->a), b = range(n->b);
    auto fallback = typeRange(t.elem);
    switch (n->op) {
    case BinaryOp::Add:
      if (a && b)
        return Range{a->min + b->min, a->max + b->max};
      break;
    case BinaryOp::Sub:
      if (a && b)
        return Range{a->min - b->max, a->max - b->min};
      break;
    case BinaryOp::Mul:
      if (a && b) {
        Wide c[4] = {a->min * b->min, a->min * b->max, a->max * b->min,
                     a->max * b->max};
        return Range{*std::min_element(c, c + 4), *std::max_element(c, c + 4)};
      }
      break;
    case BinaryOp::Div:
    case BinaryOp::FloorDiv: {
      if (!a || !b)
        break;
      bool floor = n->op == BinaryOp::FloorDiv;
      auto div = floor ? floorDivW : truncDiv;
      if (b->min > 0 || b->max < 0) {
        // Monotone in a for a fixed sign of b; extremes at the corners.
        Wide c[4] = {div(a->min, b->min), div(a->min, b->max),
                     div(a->max, b->min), div(a->max, b->max)};
        Range r{*std::min_element(c, c + 4), *std::max_element(c, c + 4)};
        if (!uns && b->max == -1 && b->min == -1) // MIN / -1 wraps
          break;
        return r;
      }
      // The divisor may be 0 (result 0): |result| <= |a|.
      Wide m = std::max(a->max < 0 ? -a->max : a->max,
                        a->min < 0 ? -a->min : a->min);
      if (a->min >= 0 && b->min >= 0)
        return Range{0, m};
      break;
    }
    case BinaryOp::Mod:
      if (b && b->min > 0) {
        Wide c = b->max;
        if (a && a->min >= 0)
          return Range{0, std::min(a->max, c - 1)};
        if (a && a->max <= 0)
          return Range{std::max(a->min, -(c - 1)), 0};
        return Range{-(c - 1), c - 1};
      }
      if (a && a->min >= 0 && b && b->min >= 0) // mod by 0 gives 0
        return Range{0, a->max};
      break;
    case BinaryOp::FloorMod:
      if (b && b->min > 0) {
        if (a && a->min >= 0 && a->max < b->min)
          return *a;
        return Range{0, b->max - 1};
      }
      if (b && b->max < 0)
        return Range{b->min + 1, 0};
      break;
    case BinaryOp::Min:
      if (a && b)
        return Range{std::min(a->min, b->min), std::min(a->max, b->max)};
      break;
    case BinaryOp::Max:
      if (a && b)
        return Range{std::max(a->min, b->min), std::max(a->max, b->max)};
      break;
    case BinaryOp::BitAnd:
      if (a && b && a->min >= 0 && b->min >= 0)
        return Range{0, std::min(a->max, b->max)};
      if (b && b->min >= 0)
        return Range{0, b->max};
      if (a && a->min >= 0)
        return Range{0, a->max};
      break;
    case BinaryOp::Shr:
      if (a && b && a->min >= 0 && b->min >= 0 &&
          b->max < Wide(byteSize(t.elem) * 8))
        return Range{a->min >> int(b->max), a->max >> int(b->min)};
      break;
    case BinaryOp::Shl:
      if (a && b && a->min >= 0 && b->min >= 0 && b->max < 62)
        return Range{a->min << int(b->min), a->max << int(b->max)};
      break;
    default:
      break;
    }
    return fallback;
  }

  const VarBounds &vars_;
};

} // namespace

std::optional<IntBounds> boundsOf(const Expr &e, const VarBounds &vars) {
  auto r = Analyzer(vars).range(e);
  if (!r)
    return std::nullopt;
  return IntBounds{int64_t(r->min), int64_t(r->max)};
}

std::optional<IntBounds> loopVarBounds(const Expr &min, const Expr &extent,
                                       const VarBounds &vars) {
  auto m = boundsOf(min, vars), n = boundsOf(extent, vars);
  if (!m || !n || n->max < 1)
    return std::nullopt;
  Wide hi = Wide(m->max) + n->max - 1;
  Range lim = typeLimits(min.type().elem);
  if (hi > lim.max)
    return std::nullopt;
  return IntBounds{m->min, int64_t(hi)};
}

} // namespace kiln::loop
