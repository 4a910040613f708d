//===- ConcatSplitKernels.cpp - Concat, Split -----------------------------===//
// Both move contiguous blocks: for every index of the dims before the axis,
// one block of (axis size x inner size) elements per operand or result.
//===----------------------------------------------------------------------===//
#include "TensorKernelUtils.h"

namespace kiln {

using namespace tensorkernels;

void evalConcat(EvalContext &ctx) {
  std::vector<int64_t> outShape = concreteResultShape(ctx);
  int64_t axis =
      normalizeAxis(ctx.node.getInt("axis"), int64_t(outShape.size()));
  int64_t outer = productOf(outShape, 0, size_t(axis));
  int64_t inner = productOf(outShape, size_t(axis) + 1, outShape.size());
  int64_t outBlock = outShape[size_t(axis)] * inner;
  Tensor out(ctx.input(0).elementType(), outShape);
  int64_t offset = 0;
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    if (!ctx.hasInput(i))
      continue;
    const Tensor &in = ctx.input(i);
    int64_t block = in.dim(size_t(axis)) * inner;
    for (int64_t o = 0; o < outer; ++o)
      copyElements(in, o * block, out, o * outBlock + offset, block);
    offset += block;
  }
  ctx.outputs[0] = std::move(out);
}

void evalSplit(EvalContext &ctx) {
  const Tensor &in = ctx.input(0);
  std::vector<std::vector<int64_t>> shapes = concreteResultShapes(ctx);
  int64_t axis = normalizeAxis(ctx.node.getInt("axis"), int64_t(in.rank()));
  int64_t outer = productOf(in.shape(), 0, size_t(axis));
  int64_t inner = productOf(in.shape(), size_t(axis) + 1, in.rank());
  int64_t inBlock = in.dim(size_t(axis)) * inner;
  int64_t offset = 0;
  for (size_t r = 0; r < shapes.size(); ++r) {
    Tensor out(in.elementType(), shapes[r]);
    int64_t block = shapes[r][size_t(axis)] * inner;
    for (int64_t o = 0; o < outer; ++o)
      copyElements(in, o * inBlock + offset, out, o * block, block);
    offset += block;
    ctx.outputs[r] = std::move(out);
  }
}

} // namespace kiln
