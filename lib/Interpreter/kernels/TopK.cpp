//===- TopK.cpp - the TopK kernel -----------------------------------------===//
// Ties keep the lower index first, as ONNX specifies; NaN sorts above every
// number (as numpy does), so the order is total.
//===----------------------------------------------------------------------===//
#include "NNKernelUtils.h"

#include <algorithm>
#include <cmath>

namespace kiln {

// a < b in a total order where NaN is the largest value.
template <typename C> static bool totalLess(C a, C b) {
  if constexpr (std::is_floating_point_v<C>) {
    if (std::isnan(a))
      return false;
    if (std::isnan(b))
      return true;
  }
  return a < b;
}

template <typename T>
static void topK(EvalContext &ctx, const Tensor &x, int64_t axis, int64_t k,
                 bool largest) {
  using C = ComputeType<T>;
  int64_t n = x.dim(size_t(axis));
  int64_t outer = product(x.shape(), 0, size_t(axis));
  int64_t inner = product(x.shape(), size_t(axis) + 1, x.rank());
  std::vector<int64_t> shape = x.shape();
  shape[size_t(axis)] = k;
  Tensor values(x.elementType(), shape);
  Tensor indices(ElementType::I64, shape);
  const T *v = x.data<T>();
  T *yv = values.data<T>();
  int64_t *yi = indices.data<int64_t>();
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t j) { return (o * n + j) * inner + i; };
      for (int64_t j = 0; j < n; ++j)
        order[size_t(j)] = j;
      std::stable_sort(order.begin(), order.end(), [&](int64_t a, int64_t b) {
        C va = C(v[at(a)]), vb = C(v[at(b)]);
        return largest ? totalLess(vb, va) : totalLess(va, vb);
      });
      for (int64_t j = 0; j < k; ++j) {
        int64_t dst = (o * k + j) * inner + i;
        yv[dst] = v[at(order[size_t(j)])];
        yi[dst] = order[size_t(j)];
      }
    }
  ctx.outputs[0] = std::move(values);
  ctx.outputs[1] = std::move(indices);
}

void evalTopK(EvalContext &ctx) {
  const Tensor &x = ctx.input(0);
  const Tensor &kt = ctx.input(1);
  ElementType e = x.elementType();
  if (e == ElementType::Bool)
    ctx.error("unsupported element type {}", toString(e));
  if (x.rank() == 0)
    ctx.error("input must have rank >= 1");
  if (kt.elementType() != ElementType::I64 || kt.numElements() != 1 ||
      kt.rank() > 1)
    ctx.error("k must be an i64 tensor with one value, not {}",
              kt.type().str());
  int64_t axis;
  try {
    axis = normalizeAxis(ctx.node.getInt("axis"), int64_t(x.rank()));
  } catch (const Error &err) {
    ctx.error("{}", err.what());
  }
  int64_t k = kt.getInt(0);
  if (k < 0 || k > x.dim(size_t(axis)))
    ctx.error("k = {} is out of range for axis {} of size {}", k, axis,
              x.dim(size_t(axis)));
  bool largest = ctx.node.getInt("largest") != 0;
  visitType(e, [&](auto tag) {
    using T = typename decltype(tag)::type;
    topK<T>(ctx, x, axis, k, largest);
  });
}

} // namespace kiln
