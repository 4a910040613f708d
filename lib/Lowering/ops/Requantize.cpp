//===- Requantize.cpp - lowering of Requantize ----------------------------===//
// Per-tensor or per-channel parameters applied by requantizeExpr
// (RequantizeExpr.cpp), bit-exact with kiln::requantize.
//===----------------------------------------------------------------------===//
#include "kiln/IR/Requantize.h"
#include "ElementwiseUtils.h"
#include "RequantizeExpr.h"

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
    return requantizeExpr(load(acc, idx),
                          paramAt(ctx, 1, mulChannels, axis, idx),
                          paramAt(ctx, 2, shiftChannels, axis, idx), attrs,
                          requantizeShiftRange(ctx.constant(2)));
  }));
}

} // namespace kiln
