//===- ScalarSemantics.cpp - loop IR scalar arithmetic --------------------===//

#include "ScalarSemantics.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace kiln::loop::detail {

static int bitWidth(ElementType t) { return int(byteSize(t)) * 8; }

int64_t normalizeInt(ElementType type, int64_t v) {
  switch (type) {
  case ElementType::Bool: return v != 0;
  case ElementType::I8: return int8_t(v);
  case ElementType::U8: return uint8_t(v);
  case ElementType::I16: return int16_t(v);
  case ElementType::U16: return uint16_t(v);
  case ElementType::I32: return int32_t(v);
  case ElementType::U32: return uint32_t(v);
  default: return v;
  }
}

// Round-to-nearest-even of a double to a binary format with `precision`
// significand bits and minimum normal exponent `emin`; overflow gives inf.
static double roundToFormat(double x, int precision, int emin,
                            double maxFinite) {
  if (!std::isfinite(x) || x == 0)
    return x;
  int e;
  std::frexp(x, &e);
  int lead = std::max(e - 1, emin);
  int q = lead - (precision - 1);
  double r = std::ldexp(std::nearbyint(std::ldexp(x, -q)), q);
  if (std::fabs(r) > maxFinite)
    return std::copysign(std::numeric_limits<double>::infinity(), x);
  return r;
}

double roundFloat(ElementType type, double v) {
  switch (type) {
  case ElementType::F32: return double(float(v));
  case ElementType::F16:
    return std::isnan(v) ? v : roundToFormat(v, 11, -14, 65504.0);
  case ElementType::BF16:
    return std::isnan(v) ? v
                         : roundToFormat(v, 8, -126,
                                         std::ldexp(2.0 - std::ldexp(1.0, -7),
                                                    127));
  default: return v;
  }
}

static bool isUnsignedInt(ElementType t) {
  return isInteger(t) && !isSigned(t);
}

static Scalar intBinary(BinaryOp op, ElementType t, int64_t a, int64_t b) {
  bool uns = isUnsignedInt(t) || t == ElementType::Bool;
  uint64_t ua = uint64_t(a), ub = uint64_t(b);
  auto wrap = [&](uint64_t v) { return intScalar(normalizeInt(t, int64_t(v))); };
  auto flag = [](bool v) { return intScalar(v ? 1 : 0); };
  switch (op) {
  case BinaryOp::Add: return wrap(ua + ub);
  case BinaryOp::Sub: return wrap(ua - ub);
  case BinaryOp::Mul: return wrap(ua * ub);
  case BinaryOp::Div:
  case BinaryOp::FloorDiv: {
    if (b == 0)
      return intScalar(0);
    if (uns)
      return wrap(ua / ub);
    if (b == -1) // MIN / -1 wraps to MIN
      return wrap(0 - ua);
    int64_t q = a / b;
    if (op == BinaryOp::FloorDiv && (a % b != 0) && ((a < 0) != (b < 0)))
      --q;
    return wrap(uint64_t(q));
  }
  case BinaryOp::Mod:
  case BinaryOp::FloorMod: {
    if (b == 0)
      return intScalar(0);
    if (uns)
      return wrap(ua % ub);
    if (b == -1)
      return intScalar(0);
    int64_t r = a % b;
    if (op == BinaryOp::FloorMod && r != 0 && ((r < 0) != (b < 0)))
      r += b;
    return wrap(uint64_t(r));
  }
  case BinaryOp::Min:
    return intScalar(uns ? int64_t(std::min(ua, ub)) : std::min(a, b));
  case BinaryOp::Max:
    return intScalar(uns ? int64_t(std::max(ua, ub)) : std::max(a, b));
  case BinaryOp::EQ: return flag(a == b);
  case BinaryOp::NE: return flag(a != b);
  case BinaryOp::LT: return flag(uns ? ua < ub : a < b);
  case BinaryOp::LE: return flag(uns ? ua <= ub : a <= b);
  case BinaryOp::GT: return flag(uns ? ua > ub : a > b);
  case BinaryOp::GE: return flag(uns ? ua >= ub : a >= b);
  case BinaryOp::And: return flag(a != 0 && b != 0);
  case BinaryOp::Or: return flag(a != 0 || b != 0);
  case BinaryOp::BitAnd: return wrap(ua & ub);
  case BinaryOp::BitOr: return wrap(ua | ub);
  case BinaryOp::BitXor: return wrap(ua ^ ub);
  case BinaryOp::Shl:
  case BinaryOp::Shr: {
    int bits = bitWidth(t);
    bool outOfRange = uns ? ub >= uint64_t(bits) : (b < 0 || b >= bits);
    if (op == BinaryOp::Shl)
      return outOfRange ? intScalar(0) : wrap(ua << b);
    if (outOfRange)
      return intScalar(!uns && a < 0 ? normalizeInt(t, -1) : 0);
    return uns ? wrap(ua >> b) : wrap(uint64_t(a >> b));
  }
  }
  return intScalar(0);
}

static Scalar floatBinary(BinaryOp op, ElementType t, double a, double b) {
  auto flag = [](bool v) { return intScalar(v ? 1 : 0); };
  auto arith = [&](auto x, auto y) -> double {
    switch (op) {
    case BinaryOp::Add: return x + y;
    case BinaryOp::Sub: return x - y;
    case BinaryOp::Mul: return x * y;
    case BinaryOp::Div: return x / y;
    case BinaryOp::Mod: return std::fmod(x, y);
    default: return 0;
    }
  };
  switch (op) {
  case BinaryOp::Add:
  case BinaryOp::Sub:
  case BinaryOp::Mul:
  case BinaryOp::Div:
  case BinaryOp::Mod:
    if (t == ElementType::F64)
      return floatScalar(arith(a, b));
    return floatScalar(roundFloat(t, arith(float(a), float(b))));
  case BinaryOp::Min:
    if (std::isnan(a) || std::isnan(b))
      return floatScalar(std::numeric_limits<double>::quiet_NaN());
    return floatScalar(b < a ? b : a);
  case BinaryOp::Max:
    if (std::isnan(a) || std::isnan(b))
      return floatScalar(std::numeric_limits<double>::quiet_NaN());
    return floatScalar(b > a ? b : a);
  case BinaryOp::EQ: return flag(a == b);
  case BinaryOp::NE: return flag(a != b);
  case BinaryOp::LT: return flag(a < b);
  case BinaryOp::LE: return flag(a <= b);
  case BinaryOp::GT: return flag(a > b);
  case BinaryOp::GE: return flag(a >= b);
  default:
    fail("operator '{}' is not defined on {}", toString(op), toString(t));
  }
}

Scalar binaryOp(BinaryOp op, ElementType type, Scalar a, Scalar b) {
  if (isFloat(type))
    return floatBinary(op, type, a.f, b.f);
  return intBinary(op, type, a.i, b.i);
}

Scalar unaryOp(UnaryOp op, ElementType type, Scalar a) {
  switch (op) {
  case UnaryOp::Neg:
    if (isFloat(type))
      return floatScalar(-a.f);
    return intScalar(normalizeInt(type, int64_t(0 - uint64_t(a.i))));
  case UnaryOp::Not: return intScalar(a.i == 0);
  case UnaryOp::BitNot: return intScalar(normalizeInt(type, ~a.i));
  }
  return a;
}

// Float to integer: truncate, saturate, NaN -> 0.
static int64_t floatToInt(ElementType to, double v) {
  if (std::isnan(v))
    return 0;
  v = std::trunc(v);
  if (to == ElementType::U64) {
    if (v <= 0)
      return 0;
    if (v >= 18446744073709551616.0)
      return int64_t(~uint64_t(0));
    return int64_t(uint64_t(v));
  }
  if (to == ElementType::I64) {
    if (v >= 9223372036854775808.0)
      return std::numeric_limits<int64_t>::max();
    if (v < -9223372036854775808.0)
      return std::numeric_limits<int64_t>::min();
    return int64_t(v);
  }
  int bits = bitWidth(to);
  double lo = isSigned(to) ? -std::ldexp(1.0, bits - 1) : 0.0;
  double hi = isSigned(to) ? std::ldexp(1.0, bits - 1) - 1
                           : std::ldexp(1.0, bits) - 1;
  return int64_t(std::min(std::max(v, lo), hi));
}

Scalar castScalar(ElementType from, ElementType to, Scalar v) {
  bool fromFloat = isFloat(from), toFloat = isFloat(to);
  if (to == ElementType::Bool)
    return intScalar(fromFloat ? v.f != 0 : v.i != 0);
  if (!fromFloat && !toFloat)
    return intScalar(normalizeInt(to, v.i));
  if (fromFloat && !toFloat)
    return intScalar(floatToInt(to, v.f));
  if (fromFloat)
    return floatScalar(roundFloat(to, v.f));
  // Integer to float: one rounding, straight from the integer.
  bool uns = from == ElementType::U64;
  if (to == ElementType::F32)
    return floatScalar(uns ? double(float(uint64_t(v.i))) : double(float(v.i)));
  double d = uns ? double(uint64_t(v.i)) : double(v.i);
  return floatScalar(roundFloat(to, d));
}

template <typename T> static T intrinsicIn(Intrinsic id, T x, T y) {
  switch (id) {
  case Intrinsic::Exp: return std::exp(x);
  case Intrinsic::Log: return std::log(x);
  case Intrinsic::Sqrt: return std::sqrt(x);
  case Intrinsic::Tanh: return std::tanh(x);
  case Intrinsic::Erf: return std::erf(x);
  case Intrinsic::Sin: return std::sin(x);
  case Intrinsic::Cos: return std::cos(x);
  case Intrinsic::Tan: return std::tan(x);
  case Intrinsic::Asin: return std::asin(x);
  case Intrinsic::Acos: return std::acos(x);
  case Intrinsic::Atan: return std::atan(x);
  case Intrinsic::Sinh: return std::sinh(x);
  case Intrinsic::Cosh: return std::cosh(x);
  case Intrinsic::Asinh: return std::asinh(x);
  case Intrinsic::Acosh: return std::acosh(x);
  case Intrinsic::Atanh: return std::atanh(x);
  case Intrinsic::Fabs: return std::fabs(x);
  case Intrinsic::Floor: return std::floor(x);
  case Intrinsic::Ceil: return std::ceil(x);
  case Intrinsic::Round: return std::nearbyint(x);
  case Intrinsic::Trunc: return std::trunc(x);
  case Intrinsic::Pow: return std::pow(x, y);
  case Intrinsic::Fmod: return std::fmod(x, y);
  case Intrinsic::Atan2: return std::atan2(x, y);
  case Intrinsic::IsNan:
  case Intrinsic::IsInf: break;
  }
  return x;
}

Scalar callIntrinsic(Intrinsic id, ElementType type, const Scalar *args) {
  double x = args[0].f;
  if (id == Intrinsic::IsNan)
    return intScalar(std::isnan(x));
  if (id == Intrinsic::IsInf)
    return intScalar(std::isinf(x));
  double y = intrinsicArity(id) > 1 ? args[1].f : 0.0;
  if (type == ElementType::F64)
    return floatScalar(intrinsicIn<double>(id, x, y));
  return floatScalar(roundFloat(type, intrinsicIn<float>(id, float(x), float(y))));
}

Scalar loadElement(ElementType type, const void *p) {
  switch (type) {
  case ElementType::F32: { float v; std::memcpy(&v, p, 4); return floatScalar(v); }
  case ElementType::F64: { double v; std::memcpy(&v, p, 8); return floatScalar(v); }
  case ElementType::F16: {
    uint16_t b; std::memcpy(&b, p, 2); return floatScalar(halfToFloat(b));
  }
  case ElementType::BF16: {
    uint16_t b; std::memcpy(&b, p, 2); return floatScalar(bfloat16ToFloat(b));
  }
  case ElementType::Bool: return intScalar(*static_cast<const uint8_t *>(p) != 0);
  case ElementType::I8: return intScalar(*static_cast<const int8_t *>(p));
  case ElementType::U8: return intScalar(*static_cast<const uint8_t *>(p));
  case ElementType::I16: { int16_t v; std::memcpy(&v, p, 2); return intScalar(v); }
  case ElementType::U16: { uint16_t v; std::memcpy(&v, p, 2); return intScalar(v); }
  case ElementType::I32: { int32_t v; std::memcpy(&v, p, 4); return intScalar(v); }
  case ElementType::U32: { uint32_t v; std::memcpy(&v, p, 4); return intScalar(v); }
  case ElementType::I64:
  case ElementType::U64: { int64_t v; std::memcpy(&v, p, 8); return intScalar(v); }
  }
  return intScalar(0);
}

void storeElement(ElementType type, void *p, Scalar v) {
  switch (type) {
  case ElementType::F32: { float x = float(v.f); std::memcpy(p, &x, 4); return; }
  case ElementType::F64: std::memcpy(p, &v.f, 8); return;
  case ElementType::F16: {
    uint16_t b = floatToHalf(float(v.f)); std::memcpy(p, &b, 2); return;
  }
  case ElementType::BF16: {
    uint16_t b = floatToBfloat16(float(v.f)); std::memcpy(p, &b, 2); return;
  }
  case ElementType::Bool: *static_cast<uint8_t *>(p) = v.i != 0; return;
  case ElementType::I8:
  case ElementType::U8: *static_cast<uint8_t *>(p) = uint8_t(v.i); return;
  case ElementType::I16:
  case ElementType::U16: { uint16_t x = uint16_t(v.i); std::memcpy(p, &x, 2); return; }
  case ElementType::I32:
  case ElementType::U32: { uint32_t x = uint32_t(v.i); std::memcpy(p, &x, 4); return; }
  case ElementType::I64:
  case ElementType::U64: std::memcpy(p, &v.i, 8); return;
  }
}

} // namespace kiln::loop::detail
