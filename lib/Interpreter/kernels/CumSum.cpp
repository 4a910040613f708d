//===- CumSum.cpp - the CumSum kernel -------------------------------------===//
// Floats accumulate in double; integers wrap modulo 2^64 and truncate.
//===----------------------------------------------------------------------===//
#include "NNKernelUtils.h"

namespace kiln {

template <typename T>
static Tensor cumSum(const Tensor &x, int64_t axis, bool exclusive,
                     bool reverse) {
  int64_t n = x.rank() == 0 ? 1 : x.dim(size_t(axis));
  int64_t outer = product(x.shape(), 0, size_t(axis));
  int64_t inner = product(x.shape(), size_t(axis) + 1, x.rank());
  Tensor out(x.elementType(), x.shape());
  const T *v = x.data<T>();
  T *y = out.data<T>();
  using Acc = std::conditional_t<std::is_integral_v<T>, uint64_t, double>;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      Acc acc = 0;
      for (int64_t j = 0; j < n; ++j) {
        int64_t k = reverse ? n - 1 - j : j;
        int64_t at = (o * n + k) * inner + i;
        Acc cur = Acc(ComputeType<T>(v[at]));
        if (!exclusive)
          acc += cur;
        y[at] = T(ComputeType<T>(acc));
        if (exclusive)
          acc += cur;
      }
    }
  return out;
}

void evalCumSum(EvalContext &ctx) {
  const Tensor &x = ctx.input(0);
  const Tensor &a = ctx.input(1);
  ElementType e = x.elementType();
  if (e == ElementType::Bool || (!isFloat(e) && !isInteger(e)))
    ctx.error("unsupported element type {}", toString(e));
  if ((a.elementType() != ElementType::I32 &&
       a.elementType() != ElementType::I64) ||
      a.numElements() != 1 || a.rank() > 1)
    ctx.error("axis must be an i32 or i64 scalar, not {}", a.type().str());
  int64_t axis;
  try {
    axis = normalizeAxis(a.getInt(0), int64_t(x.rank()));
  } catch (const Error &err) {
    ctx.error("{}", err.what());
  }
  bool exclusive = ctx.node.getInt("exclusive") != 0;
  bool reverse = ctx.node.getInt("reverse") != 0;
  ctx.outputs[0] = visitType(e, [&](auto tag) -> Tensor {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, bool>)
      ctx.error("unsupported element type bool");
    else
      return cumSum<T>(x, axis, exclusive, reverse);
  });
}

} // namespace kiln
