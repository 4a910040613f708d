//===- TensorInferHelpers.cpp - axis and slice rules of Tensor.def ops ----===//
#include "kiln/IR/InferContext.h"
#include "kiln/IR/TensorOpHelpers.h"

#include <algorithm>

namespace kiln {

SliceDim resolveSliceDim(int64_t start, int64_t end, int64_t step,
                         int64_t dim) {
  check(step != 0, "slice step must not be 0");
  // Negative positions count from the end; adding a non-negative dim to a
  // negative value cannot overflow.
  if (start < 0)
    start += dim;
  if (end < 0)
    end += dim;
  SliceDim s;
  s.step = step;
  if (dim == 0)
    return s;
  if (step > 0) {
    start = std::clamp<int64_t>(start, 0, dim);
    end = std::clamp<int64_t>(end, 0, dim);
    s.start = start;
    s.count = end > start ? 1 + (end - start - 1) / step : 0;
  } else {
    start = std::clamp<int64_t>(start, 0, dim - 1);
    end = std::clamp<int64_t>(end, -1, dim - 1);
    s.start = start;
    // step may be INT64_MIN; compute the count without negating it.
    s.count = start > end ? 1 + (start - end - 1) /
                                    (step == INT64_MIN ? INT64_MAX : -step)
                          : 0;
  }
  return s;
}

std::vector<int64_t> resolveAxes(const std::vector<int64_t> &axes,
                                 int64_t rank) {
  std::vector<int64_t> out;
  out.reserve(axes.size());
  for (int64_t a : axes) {
    int64_t n = normalizeAxis(a, rank);
    check(std::find(out.begin(), out.end(), n) == out.end(),
          "axis {} appears more than once", a);
    out.push_back(n);
  }
  return out;
}

std::vector<int64_t> resolveAxes(const Tensor *axes, size_t count,
                                 int64_t rank) {
  if (!axes) {
    check(int64_t(count) <= rank, "{} axes given for rank {}", count, rank);
    std::vector<int64_t> out(count);
    for (size_t i = 0; i < count; ++i)
      out[i] = int64_t(i);
    return out;
  }
  check(axes->rank() <= 1, "axes must be a 1-D tensor, not {}",
        shapeStr(axes->shape()));
  check(size_t(axes->numElements()) == count,
        "{} axes given where {} are expected", axes->numElements(), count);
  return resolveAxes(axes->toIntVector(), rank);
}

int64_t checkedMul(int64_t a, int64_t b) {
  int64_t r;
  if (__builtin_mul_overflow(a, b, &r))
    fail("size {} x {} overflows", a, b);
  return r;
}

} // namespace kiln
