//===- LayoutTransform.cpp - NCHW <-> NCHW<b>c conversion kernel ----------===//
// Moves elements between the plain and channel-blocked layouts without
// looking at their type.
//===----------------------------------------------------------------------===//
#include "TensorKernelUtils.h"
#include "kiln/IR/Layout.h"

namespace kiln {

using namespace tensorkernels;

void evalLayoutTransform(EvalContext &ctx) {
  const Tensor &x = ctx.input(0);
  std::vector<int64_t> outShape = concreteResultShape(ctx);
  // Inference validated the layouts against x's shape.
  int64_t src = *parseLayoutBlock(ctx.node.getString("src_layout"));
  int64_t dst = *parseLayoutBlock(ctx.node.getString("dst_layout"));
  int64_t h = x.dim(2), w = x.dim(3);
  int64_t c = src == 0 ? x.dim(1) : x.dim(1) * src;
  Tensor out(x.elementType(), outShape);
  std::vector<int64_t> idx(outShape.size(), 0);
  copyMapped(x, out, [&](int64_t i) {
    // Row-major walk: i is always the next index after idx's previous value.
    if (i > 0)
      for (size_t d = idx.size(); d-- > 0;) {
        if (++idx[d] < outShape[d])
          break;
        idx[d] = 0;
      }
    int64_t ch = dst == 0 ? idx[1] : idx[1] * dst + idx[4];
    int64_t img = idx[0], row = idx[2], col = idx[3];
    if (src == 0)
      return ((img * c + ch) * h + row) * w + col;
    return (((img * (c / src) + ch / src) * h + row) * w + col) * src +
           ch % src;
  });
  ctx.outputs[0] = std::move(out);
}

} // namespace kiln
