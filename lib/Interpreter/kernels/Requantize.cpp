//===- Requantize.cpp - interpreter kernel of Requantize ------------------===//
// Applies kiln::requantize (Support/FixedPoint.h, the one definition of the
// arithmetic) to every accumulator with its channel's multiplier and shift.
//===----------------------------------------------------------------------===//
#include "kiln/IR/Requantize.h"
#include "ElementwiseCommon.h"
#include "kiln/IR/InferContext.h"
#include "kiln/Support/FixedPoint.h"

namespace kiln {

void evalRequantize(EvalContext &ctx) {
  const Tensor &acc = ctx.input(0), &mul = ctx.input(1), &shift = ctx.input(2);
  if (acc.elementType() != ElementType::I32)
    ctx.error("accumulator must be i32, not {}", toString(acc.elementType()));
  if (mul.elementType() != ElementType::I32)
    ctx.error("multiplier must be i32, not {}", toString(mul.elementType()));
  if (shift.elementType() != ElementType::I8 &&
      shift.elementType() != ElementType::I32)
    ctx.error("shift must be i8 or i32, not {}", toString(shift.elementType()));
  RequantizeAttrs attrs;
  int64_t mulChannels = 0, shiftChannels = 0, inner = 1;
  try {
    attrs = readRequantizeAttrs(ctx.node);
    int64_t axis = ctx.node.getInt("axis");
    mulChannels =
        requantizeParamChannels(mul.shape(), acc.shape(), axis, "multiplier");
    shiftChannels =
        requantizeParamChannels(shift.shape(), acc.shape(), axis, "shift");
    checkRequantizeMultipliers(mul);
    checkRequantizeShifts(shift);
    if (mulChannels || shiftChannels)
      for (size_t d = size_t(normalizeAxis(axis, int64_t(acc.rank()))) + 1;
           d < acc.rank(); ++d)
        inner *= acc.dim(d);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  std::vector<int64_t> m = loadInts(mul), s = loadInts(shift);
  const int32_t *a = acc.data<int32_t>();
  std::vector<int64_t> y(size_t(acc.numElements()));
  for (size_t i = 0; i < y.size(); ++i) {
    int64_t c = int64_t(i) / inner;
    int64_t mi = mulChannels ? m[size_t(c % mulChannels)] : m[0];
    int64_t si = shiftChannels ? s[size_t(c % shiftChannels)] : s[0];
    y[i] = requantize(a[i], int32_t(mi), int32_t(si), attrs.zeroPoint,
                      attrs.qmin, attrs.qmax);
  }
  ctx.outputs[0] = storeInts(attrs.outputType, acc.shape(), y, false);
}

} // namespace kiln
