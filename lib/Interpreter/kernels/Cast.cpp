//===- Cast.cpp - Cast between every element type -------------------------===//
// Float -> float rounds to nearest even once (also f64 -> f16/bf16).
// Float -> integer truncates toward zero and saturates, NaN gives 0 (ONNX
// leaves out-of-range values undefined; C++ would make them UB).
// Integer -> integer wraps modulo 2^bits. Anything -> bool is `v != 0`
// (NaN is true); bool -> anything is 0 or 1.
//===----------------------------------------------------------------------===//
#include "ElementwiseCommon.h"

namespace kiln {

Tensor castTensor(const Tensor &x, ElementType to) {
  if (x.elementType() == to)
    return x;
  if (isFloat(x.elementType()))
    return storeDoubles(to, x.shape(), loadDoubles(x));
  return storeInts(to, x.shape(), loadInts(x), isUnsignedInt(x.elementType()));
}

void evalCast(EvalContext &ctx) {
  int64_t to = ctx.node.getInt("to");
  std::optional<ElementType> type = fromOnnxDataType(int(to));
  if (!type)
    ctx.error("unsupported target data type {}", to);
  ctx.outputs[0] = castTensor(ctx.input(0), *type);
}

} // namespace kiln
