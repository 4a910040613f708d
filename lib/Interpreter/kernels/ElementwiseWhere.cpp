//===- ElementwiseWhere.cpp - Where(cond, x, y) ---------------------------===//
// Selects elements of x where cond holds and of y elsewhere, over the
// broadcast of all three shapes. Works on raw bytes, so on every type.
//===----------------------------------------------------------------------===//
#include "ElementwiseCommon.h"

#include <cstring>

namespace kiln {

void evalWhere(EvalContext &ctx) {
  const Tensor &cond = ctx.input(0), &x = ctx.input(1), &y = ctx.input(2);
  if (cond.elementType() != ElementType::Bool)
    ctx.error("condition has element type {}, expected bool",
              toString(cond.elementType()));
  if (x.elementType() != y.elementType())
    ctx.error("operands 1 and 2 have different element types {} and {}",
              toString(x.elementType()), toString(y.elementType()));
  std::vector<int64_t> shape =
      broadcastShape(broadcastShape(cond.shape(), x.shape()), y.shape());
  Tensor out(x.elementType(), shape);
  BroadcastIndexer ic(cond.shape(), shape), ix(x.shape(), shape),
      iy(y.shape(), shape);
  size_t elem = byteSize(x.elementType());
  const bool *c = cond.data<bool>();
  uint8_t *dst = out.rawData();
  for (int64_t i = 0; i < out.numElements(); ++i) {
    const uint8_t *src =
        c[ic(i)] ? x.rawData() + ix(i) * elem : y.rawData() + iy(i) * elem;
    std::memcpy(dst + i * elem, src, elem);
  }
  ctx.outputs[0] = std::move(out);
}

} // namespace kiln
