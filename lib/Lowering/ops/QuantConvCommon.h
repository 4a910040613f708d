//===- QuantConvCommon.h - helpers of the quantized lowerings ---*- C++ -*-===//
// Per-tensor or per-channel scale/zero-point loads and the requantization
// step (float multiplier, double product, round half to even, saturate)
// shared by QLinearConv and QLinearMatMul.
//===----------------------------------------------------------------------===//
#ifndef KILN_LOWERING_OPS_QUANTCONVCOMMON_H
#define KILN_LOWERING_OPS_QUANTCONVCOMMON_H

#include "ReduceCommon.h"

namespace kiln::nnlower {

/// Throws unless operand i is u8 or i8.
inline void requireQuant8(const LowerContext &ctx, size_t i, const char *what) {
  ElementType e = ctx.input(i)->elem;
  if (e != ElementType::U8 && e != ElementType::I8)
    ctx.error("{} must be u8 or i8, not {}", what, toString(e));
}

/// Checks that operand i (if present) is a scalar / 1-element tensor or has
/// shape [channels], and, for zero points, the element type `type`.
inline void checkParam(const LowerContext &ctx, size_t i, int64_t channels,
                       const char *what, std::optional<ElementType> type) {
  if (!ctx.hasInput(i))
    return;
  const Buffer &t = ctx.input(i);
  if (type && t->elem != *type)
    ctx.error("{} has element type {}, expected {}", what, toString(t->elem),
              toString(*type));
  if (!type && !isFloat(t->elem))
    ctx.error("{} must have a float element type", what);
  if (t->numElements() == 1 && t->rank() <= 1)
    return;
  if (t->rank() != 1 || t->shape[0] != channels)
    ctx.error("{} must be a scalar or have shape [{}]", what, channels);
}

/// Entry `c` of a per-tensor or per-channel parameter, converted to `as`;
/// `zero` for an absent operand.
inline Expr paramAt(const LowerContext &ctx, size_t i, const Expr &c,
                    ElementType as, double zero = 0) {
  if (!ctx.hasInput(i))
    return loop::makeConst(loop::DType(as), zero);
  const Buffer &t = ctx.input(i);
  Indices idx(t->rank(), Expr(0));
  if (t->numElements() != 1)
    idx[0] = c;
  return loadAs(as, t, idx);
}

/// round_half_to_even(acc * multiplier) + zp, saturated to u8/i8; NaN gives
/// the saturated zero point. acc is i32, multiplier f32, zp i32.
inline Expr requantize(const Expr &acc, const Expr &multiplier, const Expr &zp,
                       ElementType outType) {
  double lo = outType == ElementType::U8 ? 0 : -128;
  double hi = outType == ElementType::U8 ? 255 : 127;
  ElementType f = ElementType::F64;
  Expr v = loop::cast(f, acc) * loop::cast(f, multiplier);
  Expr r = loop::mathCall("round", v) + loop::cast(f, zp);
  r = loop::min(loop::max(r, fimm(f, lo)), fimm(f, hi));
  Expr zpSat = loop::min(loop::max(loop::cast(f, zp), fimm(f, lo)), fimm(f, hi));
  return loop::cast(outType,
                    loop::select(loop::mathCall("isnan", v), zpSat, r));
}

} // namespace kiln::nnlower

#endif
