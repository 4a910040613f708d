//===- GenerateKernels.cpp - Range, OneHot, EyeLike -----------------------===//
#include "TensorKernelUtils.h"

#include <algorithm>

namespace kiln {

using namespace tensorkernels;

void evalRange(EvalContext &ctx) {
  // Inference computes (and bounds) the element count.
  std::vector<int64_t> shape = concreteResultShape(ctx);
  const Tensor &start = ctx.input(0), &delta = ctx.input(2);
  Tensor out(start.elementType(), shape);
  visitType(out.elementType(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = ComputeType<T>;
    T *dst = out.data<T>();
    if constexpr (std::is_integral_v<T>) {
      // Wrapping arithmetic in uint64 avoids signed overflow; every value
      // lies between start and limit, so it fits T.
      uint64_t s = uint64_t(start.getInt(0)), d = uint64_t(delta.getInt(0));
      for (int64_t i = 0; i < shape[0]; ++i)
        dst[i] = T(int64_t(s + uint64_t(i) * d));
    } else {
      C s = C(start.data<T>()[0]), d = C(delta.data<T>()[0]);
      for (int64_t i = 0; i < shape[0]; ++i)
        dst[i] = T(s + C(i) * d);
    }
  });
  ctx.outputs[0] = std::move(out);
}

void evalOneHot(EvalContext &ctx) {
  const Tensor &indexT = ctx.input(0);
  const Tensor &values = ctx.input(2);
  std::vector<int64_t> outShape = concreteResultShape(ctx);
  size_t axis =
      size_t(normalizeAxis(ctx.node.getInt("axis"), int64_t(outShape.size())));
  int64_t depth = outShape[axis];
  std::vector<int64_t> indices = indexT.toIntVector();
  int64_t inner = productOf(outShape, axis + 1, outShape.size());
  Tensor out(values.elementType(), outShape);
  // Value 0 is off, 1 is on. ONNX defines indices outside [-depth, depth)
  // to give an all-off row.
  copyMapped(values, out, [&](int64_t i) -> int64_t {
    int64_t in = i % inner, d = (i / inner) % depth, o = i / (inner * depth);
    int64_t idx = indices[size_t(o * inner + in)];
    if (idx < 0)
      idx += depth;
    return idx == d ? 1 : 0;
  });
  ctx.outputs[0] = std::move(out);
}

void evalEyeLike(EvalContext &ctx) {
  TensorType type = concreteResultTypes(ctx).at(0);
  std::vector<int64_t> shape = type.staticShape();
  int64_t k = ctx.node.getInt("k");
  Tensor out(type.elementType(), shape);
  // Diagonal k holds the elements (r, r + k); skip k beyond the matrix.
  if (k > -shape[0] && k < shape[1]) {
    for (int64_t r = std::max<int64_t>(0, -k); r < shape[0] && r + k < shape[1];
         ++r)
      out.setInt(r * shape[1] + r + k, 1);
  }
  ctx.outputs[0] = std::move(out);
}

} // namespace kiln
