//===- ElementwiseBinary.cpp - broadcasting arithmetic kernels ------------===//
// Add, Sub, Mul, Div, Pow, Mod and BitShift. Integer arithmetic wraps
// modulo 2^bits (it is done on uint64 bit patterns, so it is never UB) and
// integer division by zero is an error.
//===----------------------------------------------------------------------===//
#include "ElementwiseCommon.h"

#include <cmath>
#include <limits>

namespace kiln {

void evalAdd(EvalContext &ctx) {
  evalBinary(
      ctx, NumericTypes, false, [](double a, double b) { return a + b; },
      wrapAdd);
}

void evalSub(EvalContext &ctx) {
  evalBinary(
      ctx, NumericTypes, false, [](double a, double b) { return a - b; },
      wrapSub);
}

void evalMul(EvalContext &ctx) {
  evalBinary(
      ctx, NumericTypes, false, [](double a, double b) { return a * b; },
      wrapMul);
}

static constexpr int64_t Int64Min = std::numeric_limits<int64_t>::min();

// Integer division truncates toward zero, as C++ and ONNX Runtime do.
void evalDiv(EvalContext &ctx) {
  bool isUnsigned = isUnsignedInt(ctx.input(0).elementType());
  evalBinary(
      ctx, NumericTypes, false, [](double a, double b) { return a / b; },
      [&](int64_t a, int64_t b) -> int64_t {
        if (b == 0)
          ctx.error("integer division by zero");
        if (isUnsigned)
          return int64_t(uint64_t(a) / uint64_t(b));
        if (a == Int64Min && b == -1)
          return Int64Min; // wraps
        return a / b;
      });
}

// fmod=1: the remainder has the sign of the dividend (C fmod / %).
// fmod=0: it has the sign of the divisor (Python / numpy mod).
void evalMod(EvalContext &ctx) {
  bool cStyle = ctx.node.getInt("fmod") != 0;
  bool isUnsigned = isUnsignedInt(ctx.input(0).elementType());
  evalBinary(
      ctx, NumericTypes, false,
      [=](double a, double b) {
        double r = std::fmod(a, b);
        if (!cStyle && r != 0 && (r < 0) != (b < 0))
          r += b;
        return r;
      },
      [&](int64_t a, int64_t b) -> int64_t {
        if (b == 0)
          ctx.error("integer modulo by zero");
        if (isUnsigned)
          return int64_t(uint64_t(a) % uint64_t(b));
        if (b == -1)
          return 0; // also avoids INT64_MIN % -1
        int64_t r = a % b;
        if (!cStyle && r != 0 && (r < 0) != (b < 0))
          r += b;
        return r;
      });
}

// Integer power by squaring, wrapping like repeated multiplication. A
// negative exponent truncates 1/base^-e toward zero (as C's pow then a cast
// does): 1 for base 1, +-1 for base -1, otherwise 0.
static int64_t intPow(int64_t base, uint64_t exp) {
  int64_t result = 1;
  while (exp) {
    if (exp & 1)
      result = wrapMul(result, base);
    base = wrapMul(base, base);
    exp >>= 1;
  }
  return result;
}

// Pow(base, exponent): the exponent may have another numeric type; the
// result has the base's type.
void evalPow(EvalContext &ctx) {
  checkOperandType(ctx, 0, NumericTypes);
  checkOperandType(ctx, 1, NumericTypes);
  const Tensor &a = ctx.input(0), &b = ctx.input(1);
  auto floatPow = [](double x, double y) { return std::pow(x, y); };
  if (isFloat(a.elementType())) {
    ctx.outputs[0] = broadcastBinary(a, b, a.elementType(), floatPow, nullptr);
  } else if (isFloat(b.elementType())) {
    // Integer base, float exponent: computed in double, truncated back.
    ctx.outputs[0] = broadcastBinary(a.castTo(ElementType::F64), b,
                                     a.elementType(), floatPow, nullptr);
  } else {
    bool expUnsigned = isUnsignedInt(b.elementType());
    ctx.outputs[0] = broadcastBinary(a, b, a.elementType(), nullptr,
                                     [=](int64_t x, int64_t y) -> int64_t {
                                       if (expUnsigned || y >= 0)
                                         return intPow(x, uint64_t(y));
                                       if (x == 1)
                                         return 1;
                                       if (x == -1)
                                         return (y & 1) ? -1 : 1;
                                       return 0;
                                     });
  }
}

// BitShift on unsigned integers; shifting by the width or more gives 0.
void evalBitShift(EvalContext &ctx) {
  checkOperandType(ctx, 0, UnsignedIntTypes);
  const std::string &direction = ctx.node.getString("direction");
  bool left = direction == "LEFT";
  if (!left && direction != "RIGHT")
    ctx.error("direction must be LEFT or RIGHT, not '{}'", direction);
  uint64_t width = 8 * byteSize(ctx.input(0).elementType());
  evalBinary(ctx, UnsignedIntTypes, false, nullptr,
             [=](int64_t x, int64_t s) -> int64_t {
               if (uint64_t(s) >= width)
                 return 0;
               return left ? int64_t(uint64_t(x) << s)
                           : int64_t(uint64_t(x) >> s);
             });
}

} // namespace kiln
