//===- SliceKernels.cpp - Slice -------------------------------------------===//
#include "TensorKernelUtils.h"

namespace kiln {

using namespace tensorkernels;

void evalSlice(EvalContext &ctx) {
  const Tensor &in = ctx.input(0);
  // Inference validates the operands and gives the result shape.
  std::vector<int64_t> outShape = concreteResultShape(ctx);
  std::vector<int64_t> starts = ctx.input(1).toIntVector();
  std::vector<int64_t> ends = ctx.input(2).toIntVector();
  std::vector<int64_t> axes =
      resolveAxes(ctx.inputOrNull(3), starts.size(), int64_t(in.rank()));
  std::vector<int64_t> steps(starts.size(), 1);
  if (ctx.hasInput(4))
    steps = ctx.input(4).toIntVector();
  std::vector<int64_t> strides = stridesOf(in.shape());
  int64_t offset = 0;
  for (size_t i = 0; i < axes.size(); ++i) {
    size_t a = size_t(axes[i]);
    SliceDim s = resolveSliceDim(starts[i], ends[i], steps[i], in.dim(a));
    offset += s.start * strides[a];
    // A single element needs no stride (and a huge step would overflow).
    strides[a] = s.count > 1 ? strides[a] * s.step : 0;
  }
  Tensor out(in.elementType(), outShape);
  copyStrided(in, offset, strides, out, outShape);
  ctx.outputs[0] = std::move(out);
}

} // namespace kiln
