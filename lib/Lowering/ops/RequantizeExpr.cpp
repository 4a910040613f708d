//===- RequantizeExpr.cpp - Requantize as a loop IR expression ------------===//
// 64-bit product, rounding right shift (half to even), zero point, clamp.
//===----------------------------------------------------------------------===//
#include "RequantizeExpr.h"

namespace kiln::lower {

using namespace loop;

namespace {

Expr i64(int64_t v) { return intImm(DType(ElementType::I64), v); }

/// round_half_to_even(acc * multiplier / 2^t) for i64 operands with
/// t = 31 + shift in [1, 62], as
///   (p + 2^(t-1) - 1 + ((p >> t) & 1)) >> t,   p = acc * multiplier,
/// which adds just under one half, plus one more unit when the floor is odd:
/// a fraction below one half never carries, above one half always does, and
/// exactly one half carries only from an odd floor. |p| <= 2^62, so the sum
/// stays below 2^63. Shr is arithmetic (floor) on i64.
Expr roundingRescale(Expr acc, Expr multiplier, Expr totalShift) {
  Expr p = acc * multiplier;
  Expr half = binary(BinaryOp::Shl, i64(1), totalShift - i64(1));
  Expr odd =
      binary(BinaryOp::BitAnd, binary(BinaryOp::Shr, p, totalShift), i64(1));
  return binary(BinaryOp::Shr, p + (half - i64(1)) + odd, totalShift);
}

} // namespace

Expr requantizeExpr(const Expr &acc, const Expr &multiplier, const Expr &shift,
                    const RequantizeAttrs &attrs) {
  Expr v = roundingRescale(cast(ElementType::I64, acc), multiplier,
                           shift + i64(31)) +
           i64(attrs.zeroPoint);
  return cast(attrs.outputType,
              loop::min(loop::max(v, i64(attrs.qmin)), i64(attrs.qmax)));
}

} // namespace kiln::lower
