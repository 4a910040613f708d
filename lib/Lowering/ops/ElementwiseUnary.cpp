//===- ElementwiseUnary.cpp - unary math lowerings ------------------------===//
// Identity, Abs, Neg, Sign, rounding, transcendental functions, IsNaN, IsInf
// and Not, with the interpreter's semantics. Floats compute in their
// computeType; integers in their own type (wrapping).
//===----------------------------------------------------------------------===//
#include "ElementwiseUtils.h"

#include <iterator>

namespace kiln {

using namespace loop;
using namespace lower;

namespace lower {
void lowerUnaryOp(LowerContext &ctx, unsigned types, const UnaryFn &floatFn,
                  const UnaryFn &intFn) {
  checkOperandType(ctx, 0, types);
  const Buffer &in = ctx.input(0);
  const UnaryFn &fn = isFloat(in->elem) ? floatFn : intFn;
  if (!fn)
    ctx.error("operand 0 has unsupported element type {}", toString(in->elem));
  ctx.emit(compute(ctx.output(0), [&](const Indices &idx) {
    return fn(loadCompute(in, idx));
  }));
  setInPlace(ctx, {0});
}

void lowerFloatUnary(LowerContext &ctx, const UnaryFn &fn) {
  lowerUnaryOp(ctx, FloatTypes, fn, nullptr);
}

static UnaryFn callFn(const char *name) {
  return [name](Expr x) { return mathCall(name, x); };
}
} // namespace lower

void lowerIdentity(LowerContext &ctx) {
  const Buffer &in = ctx.input(0);
  ctx.emit(compute(ctx.output(0),
                   [&](const Indices &idx) { return load(in, idx); }));
  setInPlace(ctx, {0});
}

void lowerAbs(LowerContext &ctx) {
  bool isUnsigned = isUnsignedInt(ctx.input(0)->elem);
  lowerUnaryOp(
      ctx, NumericTypes, callFn("fabs"), [=](Expr x) {
        return isUnsigned ? x : select(x < constLike(x, 0), -x, x);
      });
}

void lowerNeg(LowerContext &ctx) {
  lowerUnaryOp(
      ctx, FloatTypes | SignedIntTypes, [](Expr x) { return -x; },
      [](Expr x) { return -x; });
}

void lowerSign(LowerContext &ctx) {
  bool isUnsigned = isUnsignedInt(ctx.input(0)->elem);
  auto sign = [=](Expr x) {
    Expr zero = constLike(x, 0), one = constLike(x, 1);
    if (isUnsigned)
      return select(x != zero, one, zero);
    // Floats: NaN and -0 stay as they are.
    return select(x > zero, one, select(x < zero, constLike(x, -1), x));
  };
  lowerUnaryOp(ctx, NumericTypes, sign, sign);
}

void lowerCeil(LowerContext &ctx) { lowerFloatUnary(ctx, callFn("ceil")); }
void lowerFloor(LowerContext &ctx) { lowerFloatUnary(ctx, callFn("floor")); }
void lowerRound(LowerContext &ctx) { lowerFloatUnary(ctx, callFn("round")); }
void lowerSqrt(LowerContext &ctx) { lowerFloatUnary(ctx, callFn("sqrt")); }
void lowerReciprocal(LowerContext &ctx) {
  lowerFloatUnary(ctx, [](Expr x) { return constLike(x, 1) / x; });
}
void lowerExp(LowerContext &ctx) { lowerFloatUnary(ctx, callFn("exp")); }
void lowerLog(LowerContext &ctx) { lowerFloatUnary(ctx, callFn("log")); }
void lowerSin(LowerContext &ctx) { lowerFloatUnary(ctx, callFn("sin")); }
void lowerCos(LowerContext &ctx) { lowerFloatUnary(ctx, callFn("cos")); }
void lowerTan(LowerContext &ctx) { lowerFloatUnary(ctx, callFn("tan")); }
void lowerAsin(LowerContext &ctx) { lowerFloatUnary(ctx, callFn("asin")); }
void lowerAcos(LowerContext &ctx) { lowerFloatUnary(ctx, callFn("acos")); }
void lowerAtan(LowerContext &ctx) { lowerFloatUnary(ctx, callFn("atan")); }
void lowerSinh(LowerContext &ctx) { lowerFloatUnary(ctx, callFn("sinh")); }
void lowerCosh(LowerContext &ctx) { lowerFloatUnary(ctx, callFn("cosh")); }
void lowerAsinh(LowerContext &ctx) { lowerFloatUnary(ctx, callFn("asinh")); }
void lowerAcosh(LowerContext &ctx) { lowerFloatUnary(ctx, callFn("acosh")); }
void lowerAtanh(LowerContext &ctx) { lowerFloatUnary(ctx, callFn("atanh")); }
void lowerTanh(LowerContext &ctx) { lowerFloatUnary(ctx, callFn("tanh")); }
// f32 erf as x * P(x^2) / Q(x^2) on x clamped to [-4, 4] (|error| < 5e-7,
// erf(4) rounds to 1 in f32): plain arithmetic the vectorizer keeps in
// vector registers, where the erf call runs libm once per lane. NaN
// propagates through the clamp. f64 keeps libm's erf.
static Expr erfF32(Expr x) {
  static const double P[] = {-2.72614225801306e-10, 2.77068142495902e-08,
                             -2.10102402082508e-06, -5.69250639462346e-05,
                             -7.34990630326855e-04, -2.95459980854025e-03,
                             -1.60960333262415e-02};
  static const double Q[] = {-1.45660718464996e-05, -2.13374055278905e-04,
                             -1.68282697438203e-03, -7.37332916720468e-03,
                             -1.42647390514189e-02};
  Expr c = min(max(x, constLike(x, -4)), constLike(x, 4));
  Expr x2 = c * c;
  Expr p = constLike(x, P[0]);
  for (size_t i = 1; i < std::size(P); ++i)
    p = p * x2 + constLike(x, P[i]);
  Expr q = constLike(x, Q[0]);
  for (size_t i = 1; i < std::size(Q); ++i)
    q = q * x2 + constLike(x, Q[i]);
  return c * p / q;
}

void lowerErf(LowerContext &ctx) {
  lowerFloatUnary(ctx, [](Expr x) {
    return x.type().elem == ElementType::F32 ? erfF32(x)
                                             : mathCall("erf", x);
  });
}

// Float operand, bool result.
static void lowerFloatPredicate(LowerContext &ctx,
                                const std::function<Expr(Expr)> &pred) {
  checkOperandType(ctx, 0, FloatTypes);
  const Buffer &in = ctx.input(0);
  ctx.emit(compute(ctx.output(0), [&](const Indices &idx) {
    return pred(loadCompute(in, idx));
  }));
}

void lowerIsNaN(LowerContext &ctx) {
  lowerFloatPredicate(ctx, [](Expr x) { return mathCall("isnan", x); });
}

void lowerIsInf(LowerContext &ctx) {
  bool negative = ctx.node.getInt("detect_negative") != 0;
  bool positive = ctx.node.getInt("detect_positive") != 0;
  lowerFloatPredicate(ctx, [=](Expr x) {
    Expr inf = mathCall("isinf", x);
    Expr positiveSide = x > constLike(x, 0);
    if (positive && negative)
      return inf;
    if (positive)
      return logicalAnd(inf, positiveSide);
    if (negative)
      return logicalAnd(inf, logicalNot(positiveSide));
    return boolImm(false);
  });
}

void lowerNot(LowerContext &ctx) {
  lowerUnaryOp(ctx, BoolType, nullptr, [](Expr x) { return logicalNot(x); });
}

} // namespace kiln
