//===- Requantize.cpp - lowering of Requantize ----------------------------===//
// Integer-only requantization: 64-bit product, rounding right shift (half to
// even), zero point, clamp. Bit-exact with kiln::requantize.
//===----------------------------------------------------------------------===//
#include "kiln/IR/Requantize.h"
#include "ElementwiseUtils.h"

namespace kiln {

using namespace loop;
using namespace lower;

namespace {

const ElementType I64 = ElementType::I64;

Expr i64(int64_t v) { return intImm(DType(I64), v); }

// Parameter i (multiplier or shift) at the accumulator element idx, as i64:
// an immediate when it is a per-tensor constant, else a load.
Expr paramAt(const LowerContext &ctx, size_t i, int64_t channels, int64_t axis,
             const Indices &idx) {
  const Buffer &p = ctx.input(i);
  if (channels == 0) {
    if (const Tensor *c = ctx.constant(i))
      return i64(c->elementType() == ElementType::I8 ? c->data<int8_t>()[0]
                                                     : c->data<int32_t>()[0]);
    return cast(I64, loadScalar(p));
  }
  return cast(I64, load(p, {idx[size_t(axis)]}));
}

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

void lowerRequantize(LowerContext &ctx) {
  const Buffer &acc = ctx.input(0), &mul = ctx.input(1), &shift = ctx.input(2);
  if (acc->elem != ElementType::I32)
    ctx.error("accumulator must be i32, not {}", toString(acc->elem));
  if (mul->elem != ElementType::I32)
    ctx.error("multiplier must be i32, not {}", toString(mul->elem));
  if (shift->elem != ElementType::I8 && shift->elem != ElementType::I32)
    ctx.error("shift must be i8 or i32, not {}", toString(shift->elem));
  const Buffer &out = ctx.output(0);
  RequantizeAttrs attrs;
  int64_t mulChannels = 0, shiftChannels = 0, axis = 0;
  try {
    attrs = readRequantizeAttrs(ctx.node);
    axis = ctx.node.getInt("axis");
    mulChannels =
        requantizeParamChannels(mul->shape, acc->shape, axis, "multiplier");
    shiftChannels =
        requantizeParamChannels(shift->shape, acc->shape, axis, "shift");
    if (mulChannels || shiftChannels)
      axis += axis < 0 ? int64_t(acc->rank()) : 0;
    // Parameters only known at run time (operands of a Fused body) get no
    // check here; the generated code is defined for any value regardless.
    if (const Tensor *m = ctx.constant(1))
      checkRequantizeMultipliers(*m);
    if (const Tensor *s = ctx.constant(2))
      checkRequantizeShifts(*s);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  if (out->elem != attrs.outputType)
    ctx.error("result must be {}, not {}", toString(attrs.outputType),
              toString(out->elem));
  ctx.emit(compute(out, [&](const Indices &idx) {
    Expr m = paramAt(ctx, 1, mulChannels, axis, idx);
    Expr t = paramAt(ctx, 2, shiftChannels, axis, idx) + i64(31);
    Expr v =
        roundingRescale(cast(I64, load(acc, idx)), m, t) + i64(attrs.zeroPoint);
    return cast(attrs.outputType,
                loop::min(loop::max(v, i64(attrs.qmin)), i64(attrs.qmax)));
  }));
}

} // namespace kiln
