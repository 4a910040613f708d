//===- RequantizeExpr.cpp - Requantize as a loop IR expression ------------===//
// 64-bit product, rounding right shift (half to even), zero point, clamp,
// arranged so that per element there is one multiply, a few adds, shifts
// and masks and the clamp; the rest depends on the channel only.
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
// [1, 62]. Shr is arithmetic (floor) on i64 and |p| <= 2^62, so no sum below
// reaches 2^63.
Expr requantizeExpr(const Expr &acc, const Expr &multiplier, const Expr &shift,
                    const RequantizeAttrs &attrs, ShiftRange shifts) {
  Expr t = shift + i64(31);
  Expr p = cast(ElementType::I64, acc) * multiplier;
  int64_t zp = attrs.zeroPoint;
  if (shifts.min >= 1) {
    // t >= 32, so |p / 2^t| < 2^30 and the rest runs on i32 lanes, half as
    // many vectors as i64. Rounding half up, r = (p + 2^(t-1)) >> t, is
    // right except for exact ties, where the low t bits of the sum are 0 and
    // r is the larger of the two neighbours: clearing bit 0 then gives the
    // even one. (One variable shift per lane instead of two: shifts share
    // the port the dot products use.)
    auto i32 = [](int64_t c) { return intImm(DType(ElementType::I32), c); };
    Expr sum = p + shl(i64(1), t - i64(1));
    Expr r = binary(BinaryOp::Shr, sum, t);
    Expr tie = binary(BinaryOp::BitAnd, sum, shl(i64(1), t) - i64(1)) == i64(0);
    r = select(tie, binary(BinaryOp::BitAnd, r, i64(-2)), r);
    Expr v = cast(ElementType::I32, r);
    if (zp != 0)
      v = v + i32(zp);
    return cast(attrs.outputType,
                loop::min(loop::max(v, i32(attrs.qmin)), i32(attrs.qmax)));
  }
  // (p + 2^(t-1) - 1 + bit_t(p)) >> t adds just under one half, plus one
  // more unit when the floor is odd (bit t of p): a fraction below one half
  // never carries, above one half always does, and exactly one half carries
  // only from an odd floor. The zero point joins the constant as zp * 2^t (a
  // multiple of 2^t passes the floor unchanged) when that cannot overflow.
  bool foldZp = zp != 0 && shifts.max <= 22 && zp >= -255 && zp <= 255;
  Expr bias = shl(i64(1), t - i64(1)) - i64(1);
  if (foldZp)
    bias = bias + shl(i64(zp), t);
  // The odd bit by shift and mask: a bit test's mask register would cost
  // x86 two more shuffle-port instructions per half vector.
  Expr odd = binary(BinaryOp::BitAnd, binary(BinaryOp::Shr, p, t), i64(1));
  Expr v = binary(BinaryOp::Shr, p + bias + odd, t);
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
