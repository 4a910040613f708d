//===- ArgReduce.cpp - ArgMax and ArgMin kernels --------------------------===//
#include "NNKernelUtils.h"

namespace kiln {

template <typename T>
static Tensor argReduce(const EvalContext &ctx, const Tensor &x, bool isMax) {
  int64_t rank = int64_t(x.rank());
  if (rank == 0)
    ctx.error("input must have rank >= 1");
  int64_t axis;
  try {
    axis = normalizeAxis(ctx.node.getInt("axis"), rank);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  bool keepdims = ctx.node.getInt("keepdims") != 0;
  bool last = ctx.node.getInt("select_last_index") != 0;
  int64_t n = x.dim(size_t(axis));
  if (n == 0)
    ctx.error("cannot reduce an empty axis {}", axis);
  int64_t outer = product(x.shape(), 0, size_t(axis));
  int64_t inner = product(x.shape(), size_t(axis) + 1, x.rank());
  std::vector<int64_t> shape;
  for (int64_t i = 0; i < rank; ++i)
    if (i != axis || keepdims)
      shape.push_back(i == axis ? 1 : x.dim(size_t(i)));
  Tensor out(ElementType::I64, shape);
  int64_t *y = out.data<int64_t>();
  const T *v = x.data<T>();
  using C = ComputeType<T>;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      int64_t best = 0;
      C bestV = C(v[o * n * inner + i]);
      for (int64_t k = 1; k < n; ++k) {
        C c = C(v[(o * n + k) * inner + i]);
        bool better = isMax ? c > bestV : c < bestV;
        if (better || (last && c == bestV)) {
          best = k;
          bestV = c;
        }
      }
      y[o * inner + i] = best;
    }
  return out;
}

static void evalArgReduce(EvalContext &ctx, bool isMax) {
  const Tensor &x = ctx.input(0);
  ElementType e = x.elementType();
  if (e == ElementType::Bool)
    ctx.error("unsupported element type {}", toString(e));
  ctx.outputs[0] = visitType(e, [&](auto tag) {
    using T = typename decltype(tag)::type;
    return argReduce<T>(ctx, x, isMax);
  });
}

void evalArgMax(EvalContext &ctx) { evalArgReduce(ctx, /*isMax=*/true); }
void evalArgMin(EvalContext &ctx) { evalArgReduce(ctx, /*isMax=*/false); }

} // namespace kiln
