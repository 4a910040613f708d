//===- TileExpandKernels.cpp - Tile, Expand -------------------------------===//
// Both read the input through a strided view: Expand with stride 0 on
// broadcast dims, Tile as [r0, d0, r1, d1, ...] with stride 0 on repeats.
//===----------------------------------------------------------------------===//
#include "TensorKernelUtils.h"

namespace kiln {

using namespace tensorkernels;

void evalTile(EvalContext &ctx) {
  const Tensor &in = ctx.input(0);
  std::vector<int64_t> outShape = concreteResultShape(ctx);
  std::vector<int64_t> repeats = ctx.input(1).toIntVector();
  std::vector<int64_t> inStrides = stridesOf(in.shape());
  std::vector<int64_t> view, strides;
  for (size_t d = 0; d < in.rank(); ++d) {
    view.push_back(repeats[d]);
    strides.push_back(0);
    view.push_back(in.dim(d));
    strides.push_back(inStrides[d]);
  }
  Tensor out(in.elementType(), outShape);
  copyStrided(in, 0, strides, out, view);
  ctx.outputs[0] = std::move(out);
}

void evalExpand(EvalContext &ctx) {
  const Tensor &in = ctx.input(0);
  std::vector<int64_t> outShape = concreteResultShape(ctx);
  std::vector<int64_t> inStrides = stridesOf(in.shape());
  size_t lead = outShape.size() - in.rank();
  std::vector<int64_t> strides(outShape.size(), 0);
  for (size_t d = 0; d < in.rank(); ++d)
    strides[lead + d] = in.dim(d) == 1 ? 0 : inStrides[d];
  Tensor out(in.elementType(), outShape);
  copyStrided(in, 0, strides, out, outShape);
  ctx.outputs[0] = std::move(out);
}

} // namespace kiln
