//===- ShapeKernels.cpp - Constant, Shape, Size, ConstantOfShape ----------===//
#include "TensorKernelUtils.h"

#include <algorithm>

namespace kiln {

using namespace tensorkernels;

void evalConstant(EvalContext &ctx) {
  ctx.outputs[0] = ctx.node.getTensor("value");
}

void evalShape(EvalContext &ctx) {
  const Tensor &in = ctx.input(0);
  int64_t rank = int64_t(in.rank());
  auto clampAxis = [rank](int64_t a) {
    return std::clamp<int64_t>(a < 0 ? a + rank : a, 0, rank);
  };
  int64_t start = clampAxis(ctx.node.getInt("start"));
  int64_t end =
      ctx.node.findAttr("end") ? clampAxis(ctx.node.getInt("end")) : rank;
  std::vector<int64_t> dims;
  for (int64_t i = start; i < end; ++i)
    dims.push_back(in.dim(size_t(i)));
  int64_t n = int64_t(dims.size());
  ctx.outputs[0] = Tensor::fromVector<int64_t>(dims, {n});
}

void evalSize(EvalContext &ctx) {
  ctx.outputs[0] = Tensor::scalar<int64_t>(ctx.input(0).numElements());
}

void evalConstantOfShape(EvalContext &ctx) {
  std::vector<int64_t> shape = concreteResultShape(ctx);
  Tensor value = Tensor::scalar<float>(0.0f);
  if (ctx.node.findAttr("value"))
    value = ctx.node.getTensor("value");
  Tensor out(value.elementType(), shape);
  copyMapped(value, out, [](int64_t) { return int64_t(0); });
  ctx.outputs[0] = std::move(out);
}

} // namespace kiln
