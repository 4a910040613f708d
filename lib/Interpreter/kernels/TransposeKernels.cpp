//===- TransposeKernels.cpp - Transpose -----------------------------------===//
#include "TensorKernelUtils.h"

namespace kiln {

using namespace tensorkernels;

void evalTranspose(EvalContext &ctx) {
  const Tensor &in = ctx.input(0);
  std::vector<int64_t> outShape = concreteResultShape(ctx);
  size_t rank = in.rank();
  std::vector<int64_t> perm = ctx.node.getInts("perm");
  if (!ctx.node.hasAttr("perm"))
    for (size_t i = 0; i < rank; ++i)
      perm.push_back(int64_t(rank - 1 - i));
  // Output dim i walks input dim perm[i].
  std::vector<int64_t> inStrides = stridesOf(in.shape());
  std::vector<int64_t> strides(rank);
  for (size_t i = 0; i < rank; ++i)
    strides[i] = inStrides[size_t(perm[i])];
  Tensor out(in.elementType(), outShape);
  copyStrided(in, 0, strides, out, outShape);
  ctx.outputs[0] = std::move(out);
}

} // namespace kiln
