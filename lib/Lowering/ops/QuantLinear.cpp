//===- QuantLinear.cpp - QuantizeLinear, DequantizeLinear, dynamic --------===//
// Affine (de)quantization per tensor or per axis, with the interpreter's
// arithmetic: x / scale and (x - zp) * scale in f32 (f64 for f64 data),
// round half to even, add the zero point, saturate; NaN gives the zero point.
//===----------------------------------------------------------------------===//
#include "ElementwiseUtils.h"

namespace kiln {

using namespace loop;
using namespace lower;

namespace {
// Which dimension of x indexes per-axis parameters (-1: per tensor). As the
// interpreter: per axis when the scale is 1-D, unless it has one element
// and the axis does not have size 1.
int64_t channelAxis(const LowerContext &ctx, const Buffer &x,
                    const Buffer &scale) {
  if (scale->rank() == 0 || (scale->numElements() == 1 && x->rank() == 0))
    return -1;
  int64_t axis =
      normalizeAxisOrError(ctx, ctx.node.getInt("axis"), int64_t(x->rank()));
  if (scale->numElements() == 1 && x->shape[size_t(axis)] != 1)
    return -1;
  return axis;
}

void checkParam(const LowerContext &ctx, const Buffer &x, size_t i,
                int64_t axis, const char *what) {
  const Buffer &p = ctx.input(i);
  if (p->numElements() == 1 && p->rank() <= 1)
    return;
  int64_t channels = axis < 0 ? 1 : x->shape[size_t(axis)];
  if (p->rank() != 1 || p->shape[0] != channels)
    ctx.error("{} must be a scalar or have shape [{}]", what, channels);
}

// Parameter i at the channel of x's element idx (an absent operand is 0).
Expr paramAt(const LowerContext &ctx, size_t i, int64_t axis,
             const Indices &idx) {
  if (!ctx.hasInput(i))
    return Expr(0);
  const Buffer &p = ctx.input(i);
  if (p->numElements() == 1)
    return loadScalar(p);
  return load(p, {idx[size_t(axis)]});
}

} // namespace

namespace lower {
/// round_half_to_even(v) + zp (zp of v's float type), saturated to the
/// range of `type` (u8 or i8); NaN gives the zero point.
Expr quantizeValue(Expr v, Expr zp, ElementType type) {
  double lo = type == ElementType::U8 ? 0 : -128;
  double hi = type == ElementType::U8 ? 255 : 127;
  Expr r = mathCall("round", v) + zp;
  Expr loE = constLike(v, lo), hiE = constLike(v, hi);
  r = select(r <= loE, loE, select(r >= hiE, hiE, r));
  Expr zpClamped = select(zp < loE, loE, select(zp > hiE, hiE, zp));
  return select(mathCall("isnan", v), zpClamped, r);
}
} // namespace lower

void lowerQuantizeLinear(LowerContext &ctx) {
  const Buffer &x = ctx.input(0), &scale = ctx.input(1);
  if (!isFloat(x->elem) && x->elem != ElementType::I32)
    ctx.error("input must be a float or i32 tensor, not {}",
              toString(x->elem));
  if (!isFloat(scale->elem))
    ctx.error("y_scale must have a float element type");
  ElementType outType = ctx.output(0)->elem;
  if (outType != ElementType::U8 && outType != ElementType::I8)
    ctx.error("result must be u8 or i8, not {}", toString(outType));
  if (ctx.hasInput(2) && ctx.input(2)->elem != outType)
    ctx.error("y_zero_point has element type {}, expected {}",
              toString(ctx.input(2)->elem), toString(outType));
  int64_t axis = channelAxis(ctx, x, scale);
  checkParam(ctx, x, 1, axis, "y_scale");
  if (ctx.hasInput(2))
    checkParam(ctx, x, 2, axis, "y_zero_point");
  ElementType t = x->elem == ElementType::F64 ? ElementType::F64
                                              : ElementType::F32;
  ctx.emit(compute(ctx.output(0), [&](const Indices &idx) {
    // The scale is read as f32 even for f64 data.
    Expr s = cast(t, cast(ElementType::F32, paramAt(ctx, 1, axis, idx)));
    Expr zp = cast(t, paramAt(ctx, 2, axis, idx));
    Expr v = cast(t, load(x, idx));
    return quantizeValue(v / s, zp, outType);
  }));
}

void lowerDequantizeLinear(LowerContext &ctx) {
  const Buffer &x = ctx.input(0), &scale = ctx.input(1);
  ElementType xe = x->elem;
  if (xe != ElementType::U8 && xe != ElementType::I8 && xe != ElementType::I32)
    ctx.error("input must be u8, i8 or i32, not {}", toString(xe));
  if (!isFloat(scale->elem))
    ctx.error("x_scale must have a float element type");
  if (ctx.hasInput(2) && ctx.input(2)->elem != xe)
    ctx.error("x_zero_point has element type {}, expected {}",
              toString(ctx.input(2)->elem), toString(xe));
  int64_t axis = channelAxis(ctx, x, scale);
  checkParam(ctx, x, 1, axis, "x_scale");
  if (ctx.hasInput(2))
    checkParam(ctx, x, 2, axis, "x_zero_point");
  bool wide = scale->elem == ElementType::F64;
  ElementType t = wide ? ElementType::F64 : ElementType::F32;
  ctx.emit(compute(ctx.output(0), [&](const Indices &idx) {
    Expr shifted = cast(ElementType::I64, load(x, idx)) -
                   cast(ElementType::I64, paramAt(ctx, 2, axis, idx));
    return cast(t, shifted) * cast(t, paramAt(ctx, 1, axis, idx));
  }));
}

// y_scale = (max(0, max x) - min(0, min x)) / 255, a u8 zero point, and y.
void lowerDynamicQuantizeLinear(LowerContext &ctx) {
  const Buffer &x = ctx.input(0);
  if (!isFloat(x->elem))
    ctx.error("input must be a float tensor, not {}", toString(x->elem));
  const ElementType F32 = ElementType::F32;
  // [lo, hi, scale] in f32.
  Buffer params = ctx.allocate("dql_params", F32, {3}, MemoryScope::Stack);
  Expr lo = load(params, {Expr(0)}), hi = load(params, {Expr(1)});
  Expr scale = load(params, {Expr(2)});
  Expr zero = floatImm(DType(F32), 0);
  ctx.emit(makeStore(params, {Expr(0)}, zero));
  ctx.emit(makeStore(params, {Expr(1)}, zero));
  ctx.emit(loopNest(x->shape, [&](const Indices &idx) {
    Expr v = cast(F32, load(x, idx));
    return makeSeq({makeStore(params, {Expr(0)}, stdMin(lo, v)),
                    makeStore(params, {Expr(1)}, stdMax(hi, v))});
  }));
  ctx.emit(makeStore(params, {Expr(2)},
                     (hi - lo) / floatImm(DType(F32), 255.0)));
  if (ctx.hasOutput(1))
    ctx.emit(makeStore(ctx.output(1), {}, scale));
  // All zeros: scale 0, and every value quantizes to zero point 0.
  Buffer zpBuf = ctx.hasOutput(2)
                     ? ctx.output(2)
                     : ctx.allocate("dql_zp", ElementType::U8, {},
                                    MemoryScope::Stack);
  Expr nonZero = scale != zero;
  Expr zpValue = quantizeValue(zero - lo / scale, zero, ElementType::U8);
  ctx.emit(makeStore(zpBuf, {},
                     cast(ElementType::U8, select(nonZero, zpValue, zero))));
  Expr zp = cast(F32, load(zpBuf, {}));
  ctx.emit(compute(ctx.output(0), [&](const Indices &idx) {
    Expr v = cast(F32, load(x, idx));
    return select(nonZero, quantizeValue(v / scale, zp, ElementType::U8),
                  zero);
  }));
}

} // namespace kiln
