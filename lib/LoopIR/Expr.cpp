//===- Expr.cpp - loop IR expression constructors -------------------------===//

#include "kiln/LoopIR/Expr.h"

#include "kiln/LoopIR/Buffer.h"

#include <cmath>
#include <fmt/format.h>

namespace kiln::loop {

std::string DType::str() const {
  std::string s = toString(elem);
  if (lanes != 1)
    s += "x" + std::to_string(lanes);
  return s;
}

const char *toString(BinaryOp op) {
  switch (op) {
  case BinaryOp::Add: return "add";
  case BinaryOp::Sub: return "sub";
  case BinaryOp::Mul: return "mul";
  case BinaryOp::Div: return "div";
  case BinaryOp::Mod: return "mod";
  case BinaryOp::FloorDiv: return "floordiv";
  case BinaryOp::FloorMod: return "floormod";
  case BinaryOp::Min: return "min";
  case BinaryOp::Max: return "max";
  case BinaryOp::EQ: return "eq";
  case BinaryOp::NE: return "ne";
  case BinaryOp::LT: return "lt";
  case BinaryOp::LE: return "le";
  case BinaryOp::GT: return "gt";
  case BinaryOp::GE: return "ge";
  case BinaryOp::And: return "and";
  case BinaryOp::Or: return "or";
  case BinaryOp::BitAnd: return "bitand";
  case BinaryOp::BitOr: return "bitor";
  case BinaryOp::BitXor: return "bitxor";
  case BinaryOp::Shl: return "shl";
  case BinaryOp::Shr: return "shr";
  }
  return "?";
}

const char *toString(UnaryOp op) {
  switch (op) {
  case UnaryOp::Neg: return "neg";
  case UnaryOp::Not: return "not";
  case UnaryOp::BitNot: return "bitnot";
  }
  return "?";
}

bool isComparison(BinaryOp op) {
  return op >= BinaryOp::EQ && op <= BinaryOp::GE;
}

Expr::Expr(int64_t value) : Expr(intImm(DType::index(), value)) {}

Var::Var(std::string name, DType type)
    : Expr(std::make_shared<VarNode>(type, std::move(name))) {}

Expr intImm(DType type, int64_t value) {
  check(!type.isFloat(), "integer immediate of float type {}", type.str());
  if (type.isBool())
    value = value != 0;
  return std::make_shared<IntImmNode>(type, value);
}

Expr floatImm(DType type, double value) {
  check(type.isFloat(), "float immediate of non-float type {}", type.str());
  return std::make_shared<FloatImmNode>(type, value);
}

Expr makeConst(DType type, double value) {
  if (type.isFloat())
    return floatImm(type, value);
  check(std::isfinite(value) && value == std::floor(value),
        "non-integral constant {} for type {}", value, type.str());
  if (type.elem == ElementType::U64 && value >= 9223372036854775808.0)
    return intImm(type, int64_t(uint64_t(value)));
  return intImm(type, int64_t(value));
}

Expr boolImm(bool value) { return intImm(DType::boolean(), value); }

// A scalar operand of a vector operation is broadcast to the vector's lanes.
static void matchLanes(Expr &a, Expr &b) {
  if (a.type().lanes == b.type().lanes)
    return;
  if (a.type().lanes == 1)
    a = broadcast(a, b.type().lanes);
  else if (b.type().lanes == 1)
    b = broadcast(b, a.type().lanes);
  else
    fail("lane mismatch: {} vs {}", a.type().str(), b.type().str());
}

Expr binary(BinaryOp op, Expr a, Expr b) {
  check(bool(a) && bool(b), "binary '{}' with a null operand", toString(op));
  matchLanes(a, b);
  DType t = a.type();
  check(t == b.type(), "operand types of '{}' differ: {} vs {}", toString(op),
        t.str(), b.type().str());
  switch (op) {
  case BinaryOp::FloorDiv:
  case BinaryOp::FloorMod:
  case BinaryOp::BitAnd:
  case BinaryOp::BitOr:
  case BinaryOp::BitXor:
  case BinaryOp::Shl:
  case BinaryOp::Shr:
    check(t.isInt() || (t.isBool() && op >= BinaryOp::BitAnd &&
                        op <= BinaryOp::BitXor),
          "'{}' needs integer operands, got {}", toString(op), t.str());
    break;
  case BinaryOp::And:
  case BinaryOp::Or:
    check(t.isBool(), "'{}' needs bool operands, got {}", toString(op),
          t.str());
    break;
  default:
    break;
  }
  DType resultType = isComparison(op) ? DType::boolean(t.lanes) : t;
  return std::make_shared<BinaryNode>(resultType, op, std::move(a),
                                      std::move(b));
}

Expr unary(UnaryOp op, Expr a) {
  check(bool(a), "unary '{}' with a null operand", toString(op));
  DType t = a.type();
  if (op == UnaryOp::Not)
    check(t.isBool(), "'not' needs a bool operand, got {}", t.str());
  if (op == UnaryOp::BitNot)
    check(t.isInt(), "'bitnot' needs an integer operand, got {}", t.str());
  return std::make_shared<UnaryNode>(t, op, std::move(a));
}

Expr select(Expr cond, Expr trueValue, Expr falseValue) {
  check(bool(cond) && bool(trueValue) && bool(falseValue), "select with a null operand");
  matchLanes(trueValue, falseValue);
  check(trueValue.type() == falseValue.type(),
        "select arms differ: {} vs {}", trueValue.type().str(),
        falseValue.type().str());
  check(cond.type().isBool(), "select condition must be bool, got {}",
        cond.type().str());
  int lanes = trueValue.type().lanes;
  if (cond.type().lanes == 1 && lanes > 1)
    cond = broadcast(cond, lanes);
  else if (cond.type().lanes > 1 && lanes == 1) {
    trueValue = broadcast(trueValue, cond.type().lanes);
    falseValue = broadcast(falseValue, cond.type().lanes);
  }
  check(cond.type().lanes == trueValue.type().lanes,
        "select condition lanes differ from its arms");
  DType t = trueValue.type();
  return std::make_shared<SelectNode>(t, std::move(cond), std::move(trueValue),
                                      std::move(falseValue));
}

Expr cast(DType type, Expr value) {
  check(bool(value), "cast of a null expression");
  if (value.type().lanes > 1 && type.lanes == 1)
    type.lanes = value.type().lanes;
  check(type.lanes == value.type().lanes, "cast changes lane count");
  if (value.type() == type)
    return value;
  return std::make_shared<CastNode>(type, std::move(value));
}

Expr cast(ElementType type, Expr value) {
  check(bool(value), "cast of a null expression");
  // The type first: argument evaluation order is unspecified.
  DType target(type, value.type().lanes);
  return cast(target, std::move(value));
}

Expr load(Buffer buffer, std::vector<Expr> indices) {
  check(bool(buffer), "load from a null buffer");
  check(indices.size() == buffer->rank(),
        "load from '{}' with {} indices, buffer has rank {}", buffer->name,
        indices.size(), buffer->rank());
  int lanes = 1;
  for (const Expr &i : indices) {
    check(bool(i) && i.type().isInt(), "load index of '{}' is not an integer",
          buffer->name);
    if (i.type().lanes > 1) {
      check(lanes == 1 || lanes == i.type().lanes,
            "load indices of '{}' have different lane counts", buffer->name);
      lanes = i.type().lanes;
    }
  }
  return std::make_shared<LoadNode>(DType(buffer->elem, lanes),
                                    std::move(buffer), std::move(indices));
}

Expr call(DType type, std::string name, std::vector<Expr> args) {
  for (const Expr &a : args)
    check(bool(a), "call '{}' with a null argument", name);
  return std::make_shared<CallNode>(type, std::move(name), std::move(args));
}

Expr ramp(Expr base, Expr stride, int lanes) {
  check(bool(base) && bool(stride), "ramp with a null operand");
  check(lanes > 1, "ramp needs at least 2 lanes");
  check(base.type().lanes == 1 && stride.type() == base.type() &&
            base.type().isInt(),
        "ramp base and stride must be scalar integers of one type");
  DType t = base.type().withLanes(lanes);
  return std::make_shared<RampNode>(t, std::move(base), std::move(stride),
                                    lanes);
}

Expr broadcast(Expr value, int lanes) {
  check(bool(value), "broadcast of a null expression");
  check(value.type().lanes == 1 && lanes > 1,
        "broadcast needs a scalar and at least 2 lanes");
  DType t = value.type().withLanes(lanes);
  return std::make_shared<BroadcastNode>(t, std::move(value), lanes);
}

Expr min(Expr a, Expr b) { return binary(BinaryOp::Min, a, b); }
Expr max(Expr a, Expr b) { return binary(BinaryOp::Max, a, b); }
Expr floorDiv(Expr a, Expr b) { return binary(BinaryOp::FloorDiv, a, b); }
Expr floorMod(Expr a, Expr b) { return binary(BinaryOp::FloorMod, a, b); }
Expr logicalAnd(Expr a, Expr b) { return binary(BinaryOp::And, a, b); }
Expr logicalOr(Expr a, Expr b) { return binary(BinaryOp::Or, a, b); }
Expr logicalNot(Expr a) { return unary(UnaryOp::Not, a); }

Expr operator+(Expr a, Expr b) { return binary(BinaryOp::Add, a, b); }
Expr operator-(Expr a, Expr b) { return binary(BinaryOp::Sub, a, b); }
Expr operator*(Expr a, Expr b) { return binary(BinaryOp::Mul, a, b); }
Expr operator/(Expr a, Expr b) { return binary(BinaryOp::Div, a, b); }
Expr operator%(Expr a, Expr b) { return binary(BinaryOp::Mod, a, b); }
Expr operator-(Expr a) { return unary(UnaryOp::Neg, a); }
Expr operator==(Expr a, Expr b) { return binary(BinaryOp::EQ, a, b); }
Expr operator!=(Expr a, Expr b) { return binary(BinaryOp::NE, a, b); }
Expr operator<(Expr a, Expr b) { return binary(BinaryOp::LT, a, b); }
Expr operator<=(Expr a, Expr b) { return binary(BinaryOp::LE, a, b); }
Expr operator>(Expr a, Expr b) { return binary(BinaryOp::GT, a, b); }
Expr operator>=(Expr a, Expr b) { return binary(BinaryOp::GE, a, b); }

static Expr constLike(const Expr &e, double v) {
  check(bool(e), "arithmetic on a null expression");
  return makeConst(e.type().scalar(), v);
}
Expr operator+(Expr a, double b) { return a + constLike(a, b); }
Expr operator-(Expr a, double b) { return a - constLike(a, b); }
Expr operator*(Expr a, double b) { return a * constLike(a, b); }
Expr operator/(Expr a, double b) { return a / constLike(a, b); }
Expr operator+(double a, Expr b) { return constLike(b, a) + b; }
Expr operator-(double a, Expr b) { return constLike(b, a) - b; }
Expr operator*(double a, Expr b) { return constLike(b, a) * b; }
Expr operator/(double a, Expr b) { return constLike(b, a) / b; }

namespace {
struct IntrinsicInfo {
  Intrinsic id;
  const char *name;
  int arity;
};
constexpr IntrinsicInfo kIntrinsics[] = {
#define KILN_INTRINSIC(E, N, A) {Intrinsic::E, N, A},
#include "kiln/LoopIR/Intrinsics.def"
};
} // namespace

std::optional<Intrinsic> lookupIntrinsic(std::string_view name) {
  for (const auto &i : kIntrinsics)
    if (name == i.name)
      return i.id;
  return std::nullopt;
}
const char *toString(Intrinsic intrinsic) {
  return kIntrinsics[size_t(intrinsic)].name;
}
int intrinsicArity(Intrinsic intrinsic) {
  return kIntrinsics[size_t(intrinsic)].arity;
}

static DType mathResultType(const std::string &name, DType argType) {
  auto id = lookupIntrinsic(name);
  check(id.has_value(), "unknown math intrinsic '{}'", name);
  check(argType.isFloat(), "math intrinsic '{}' needs float operands, got {}",
        name, argType.str());
  if (*id == Intrinsic::IsNan || *id == Intrinsic::IsInf)
    return DType::boolean(argType.lanes);
  return argType;
}

Expr mathCall(const std::string &name, Expr x) {
  check(bool(x), "math call '{}' on a null expression", name);
  DType t = mathResultType(name, x.type());
  return call(t, name, {std::move(x)});
}

Expr mathCall(const std::string &name, Expr x, Expr y) {
  check(bool(x) && bool(y), "math call '{}' on a null expression", name);
  matchLanes(x, y);
  check(x.type() == y.type(), "math call '{}' on {} and {}", name,
        x.type().str(), y.type().str());
  DType t = mathResultType(name, x.type());
  return call(t, name, {std::move(x), std::move(y)});
}

bool isConstInt(const Expr &e, int64_t *value) {
  if (!e)
    return false;
  if (auto *imm = e.as<IntImmNode>()) {
    if (value)
      *value = imm->value;
    return true;
  }
  if (auto *b = e.as<BroadcastNode>())
    return isConstInt(b->value, value);
  return false;
}

} // namespace kiln::loop
