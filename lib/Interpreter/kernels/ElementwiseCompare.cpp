//===- ElementwiseCompare.cpp - comparison and logic kernels --------------===//
// Equal, Less, LessOrEqual, Greater, GreaterOrEqual (bool results; NaN
// compares false) and the boolean And, Or, Xor.
//===----------------------------------------------------------------------===//
#include "ElementwiseCommon.h"

namespace kiln {

// Runs a comparison given as lessThan-style predicate on doubles and on
// integers in the operands' signedness (int64 holds u64 bit patterns).
template <typename Cmp>
static void evalCompare(EvalContext &ctx, unsigned types, Cmp cmp) {
  bool isUnsigned = isUnsignedInt(ctx.input(0).elementType());
  evalBinary(
      ctx, types, true,
      [=](double a, double b) { return cmp(a, b) ? 1.0 : 0.0; },
      [=](int64_t a, int64_t b) -> int64_t {
        return isUnsigned ? cmp(uint64_t(a), uint64_t(b)) : cmp(a, b);
      });
}

void evalEqual(EvalContext &ctx) {
  evalCompare(ctx, AllTypes, [](auto a, auto b) { return a == b; });
}
void evalLess(EvalContext &ctx) {
  evalCompare(ctx, NumericTypes, [](auto a, auto b) { return a < b; });
}
void evalLessOrEqual(EvalContext &ctx) {
  evalCompare(ctx, NumericTypes, [](auto a, auto b) { return a <= b; });
}
void evalGreater(EvalContext &ctx) {
  evalCompare(ctx, NumericTypes, [](auto a, auto b) { return a > b; });
}
void evalGreaterOrEqual(EvalContext &ctx) {
  evalCompare(ctx, NumericTypes, [](auto a, auto b) { return a >= b; });
}

void evalAnd(EvalContext &ctx) {
  evalBinary(ctx, BoolType, true, nullptr,
             [](int64_t a, int64_t b) -> int64_t { return a && b; });
}
void evalOr(EvalContext &ctx) {
  evalBinary(ctx, BoolType, true, nullptr,
             [](int64_t a, int64_t b) -> int64_t { return a || b; });
}
void evalXor(EvalContext &ctx) {
  evalBinary(ctx, BoolType, true, nullptr, [](int64_t a, int64_t b) -> int64_t {
    return (a != 0) != (b != 0);
  });
}

} // namespace kiln
