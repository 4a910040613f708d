//===- RequantizeExpr.cpp - Requantize as a loop IR expression ------------===//
// 64-bit product, rounding right shift (half to even), zero point, clamp,
// arranged so that per element there is one multiply, two adds, two shifts,
// a mask and the clamp; the rest depends on the channel only.
//===----------------------------------------------------------------------===//
#include "RequantizeExpr.h"

#include <algorithm>

namespace kiln::lower {

using namespace loop;

namespace {

Expr i64(int64_t v) { return intImm(DType(ElementType::I64), v); }

Expr shl(const Expr &a, const Expr &b) { return binary(BinaryOp::Shl, a, b); }

} // namespace

// round_half_to_even(p / 2^t) for p = acc * multiplier, t = 31 + shift in
// [1, 62], is
//   (p + 2^(t-1) - 1 + bit_t(p)) >> t
// which adds just under one half, plus one more unit when the floor is odd
// (bit t of p): a fraction below one half never carries, above one half
// always does, and exactly one half carries only from an odd floor. Shr is
// arithmetic (floor) on i64 and |p| <= 2^62, so the sum stays below 2^63.
// The zero point joins the constant as zp * 2^t (a multiple of 2^t passes
// the floor unchanged) when that cannot overflow either.
Expr requantizeExpr(const Expr &acc, const Expr &multiplier, const Expr &shift,
                    const RequantizeAttrs &attrs, ShiftRange shifts) {
  int64_t maxShift = shifts.max;
  Expr t = shift + i64(31);
  Expr p = cast(ElementType::I64, acc) * multiplier;
  int64_t zp = attrs.zeroPoint;
  bool foldZp = zp != 0 && maxShift <= 22 && zp >= -255 && zp <= 255;
  Expr bias = shl(i64(1), t - i64(1)) - i64(1);
  if (foldZp)
    bias = bias + shl(i64(zp), t);
  // The odd bit by shift and mask: a bit test's mask register would cost
  // x86 two more shuffle-port instructions, the port the epilogue is short of.
  Expr odd = binary(BinaryOp::BitAnd, binary(BinaryOp::Shr, p, t), i64(1));
  Expr v = binary(BinaryOp::Shr, p + bias + odd, t);
  if (shifts.min >= 1) {
    // t >= 32: |v| <= 2^62 / 2^32 + |zp| fits in i32, so the clamp runs on
    // i32 lanes, half as many vectors as i64.
    auto i32 = [](int64_t c) { return intImm(DType(ElementType::I32), c); };
    Expr v32 = cast(ElementType::I32, v);
    if (zp != 0 && !foldZp)
      v32 = v32 + i32(zp);
    return cast(attrs.outputType,
                loop::min(loop::max(v32, i32(attrs.qmin)), i32(attrs.qmax)));
  }
  if (zp != 0 && !foldZp)
    v = v + i64(zp);
  return cast(attrs.outputType,
              loop::min(loop::max(v, i64(attrs.qmin)), i64(attrs.qmax)));
}

ShiftRange requantizeShiftRange(const Tensor *shifts) {
  ShiftRange r;
  if (!shifts || shifts->numElements() == 0)
    return r;
  r.min = r.max = shifts->getInt(0);
  for (int64_t i = 1; i < shifts->numElements(); ++i) {
    r.min = std::min(r.min, shifts->getInt(i));
    r.max = std::max(r.max, shifts->getInt(i));
  }
  return r;
}

} // namespace kiln::lower
