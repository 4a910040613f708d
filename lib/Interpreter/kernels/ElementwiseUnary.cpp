//===- ElementwiseUnary.cpp - unary math kernels --------------------------===//
// Identity, Abs, Neg, Sign, rounding, transcendental functions, IsNaN, IsInf
// and Not. Float types compute in double and round once to their type.
//===----------------------------------------------------------------------===//
#include "ElementwiseCommon.h"

#include <cmath>

namespace kiln {

void evalIdentity(EvalContext &ctx) { ctx.outputs[0] = ctx.input(0); }

void evalAbs(EvalContext &ctx) {
  bool isUnsigned = isUnsignedInt(ctx.input(0).elementType());
  evalUnary(
      ctx, NumericTypes, [](double x) { return std::fabs(x); },
      [=](int64_t x) { return !isUnsigned && x < 0 ? wrapSub(0, x) : x; });
}

void evalNeg(EvalContext &ctx) {
  evalUnary(
      ctx, FloatTypes | SignedIntTypes, [](double x) { return -x; },
      [](int64_t x) { return wrapSub(0, x); });
}

void evalSign(EvalContext &ctx) {
  bool isUnsigned = isUnsignedInt(ctx.input(0).elementType());
  evalUnary(
      ctx, NumericTypes,
      [](double x) { return x > 0   ? 1.0
                            : x < 0 ? -1.0
                                    : x; },
      [=](int64_t x) -> int64_t {
        if (isUnsigned)
          return x != 0;
        return x > 0 ? 1 : x < 0 ? -1 : 0;
      });
}

void evalCeil(EvalContext &ctx) {
  evalFloatUnary(ctx, [](double x) { return std::ceil(x); });
}
void evalFloor(EvalContext &ctx) {
  evalFloatUnary(ctx, [](double x) { return std::floor(x); });
}
void evalRound(EvalContext &ctx) { evalFloatUnary(ctx, roundHalfToEven); }
void evalSqrt(EvalContext &ctx) {
  evalFloatUnary(ctx, [](double x) { return std::sqrt(x); });
}
void evalReciprocal(EvalContext &ctx) {
  evalFloatUnary(ctx, [](double x) { return 1.0 / x; });
}
void evalExp(EvalContext &ctx) {
  evalFloatUnary(ctx, [](double x) { return std::exp(x); });
}
void evalLog(EvalContext &ctx) {
  evalFloatUnary(ctx, [](double x) { return std::log(x); });
}
void evalSin(EvalContext &ctx) {
  evalFloatUnary(ctx, [](double x) { return std::sin(x); });
}
void evalCos(EvalContext &ctx) {
  evalFloatUnary(ctx, [](double x) { return std::cos(x); });
}
void evalTan(EvalContext &ctx) {
  evalFloatUnary(ctx, [](double x) { return std::tan(x); });
}
void evalAsin(EvalContext &ctx) {
  evalFloatUnary(ctx, [](double x) { return std::asin(x); });
}
void evalAcos(EvalContext &ctx) {
  evalFloatUnary(ctx, [](double x) { return std::acos(x); });
}
void evalAtan(EvalContext &ctx) {
  evalFloatUnary(ctx, [](double x) { return std::atan(x); });
}
void evalSinh(EvalContext &ctx) {
  evalFloatUnary(ctx, [](double x) { return std::sinh(x); });
}
void evalCosh(EvalContext &ctx) {
  evalFloatUnary(ctx, [](double x) { return std::cosh(x); });
}
void evalAsinh(EvalContext &ctx) {
  evalFloatUnary(ctx, [](double x) { return std::asinh(x); });
}
void evalAcosh(EvalContext &ctx) {
  evalFloatUnary(ctx, [](double x) { return std::acosh(x); });
}
void evalAtanh(EvalContext &ctx) {
  evalFloatUnary(ctx, [](double x) { return std::atanh(x); });
}
void evalTanh(EvalContext &ctx) {
  evalFloatUnary(ctx, [](double x) { return std::tanh(x); });
}
void evalErf(EvalContext &ctx) {
  evalFloatUnary(ctx, [](double x) { return std::erf(x); });
}

// Float operand, bool result.
template <typename Pred>
static void evalFloatPredicate(EvalContext &ctx, Pred pred) {
  checkOperandType(ctx, 0, FloatTypes);
  const Tensor &x = ctx.input(0);
  std::vector<double> v = loadDoubles(x);
  for (double &e : v)
    e = pred(e) ? 1.0 : 0.0;
  ctx.outputs[0] = storeDoubles(ElementType::Bool, x.shape(), v);
}

void evalIsNaN(EvalContext &ctx) {
  evalFloatPredicate(ctx, [](double x) { return std::isnan(x); });
}

void evalIsInf(EvalContext &ctx) {
  bool negative = ctx.node.getInt("detect_negative") != 0;
  bool positive = ctx.node.getInt("detect_positive") != 0;
  evalFloatPredicate(ctx, [=](double x) {
    return std::isinf(x) && (x > 0 ? positive : negative);
  });
}

void evalNot(EvalContext &ctx) {
  evalUnary(ctx, BoolType, nullptr, [](int64_t x) -> int64_t { return !x; });
}

} // namespace kiln
