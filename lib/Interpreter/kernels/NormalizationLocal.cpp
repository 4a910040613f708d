//===- NormalizationLocal.cpp - LpNormalization and LRN -------------------===//
#include "NNKernelUtils.h"

#include <algorithm>
#include <cmath>

namespace kiln {

void evalLpNormalization(EvalContext &ctx) {
  const Tensor &x = floatInput(ctx, 0);
  int64_t rank = int64_t(x.rank());
  int64_t axis;
  try {
    axis = normalizeAxis(ctx.node.getInt("axis"), rank);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  int64_t p = ctx.node.getInt("p");
  if (p != 1 && p != 2)
    ctx.error("p = {} must be 1 or 2", p);
  int64_t n = rank == 0 ? 1 : x.dim(size_t(axis));
  int64_t outer = product(x.shape(), 0, size_t(axis));
  int64_t inner = product(x.shape(), size_t(axis) + 1, x.rank());
  std::vector<double> xv = toDoubles(x), y(xv.size());
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t i = 0; i < inner; ++i) {
      auto at = [&](int64_t k) { return size_t((o * n + k) * inner + i); };
      double norm = 0;
      for (int64_t k = 0; k < n; ++k)
        norm += p == 1 ? std::fabs(xv[at(k)]) : xv[at(k)] * xv[at(k)];
      if (p == 2)
        norm = std::sqrt(norm);
      // A zero vector stays zero instead of becoming NaN.
      for (int64_t k = 0; k < n; ++k)
        y[at(k)] = norm == 0 ? 0.0 : xv[at(k)] / norm;
    }
  ctx.outputs[0] = fromDoubles(x.elementType(), x.shape(), y);
}

// y = x / (bias + alpha / size * sum of x^2 over neighbouring channels)^beta
void evalLRN(EvalContext &ctx) {
  const Tensor &x = floatInput(ctx, 0);
  if (x.rank() < 3)
    ctx.error("input must have rank >= 3, not {}", shapeStr(x.shape()));
  int64_t size = ctx.node.getInt("size");
  if (size < 1)
    ctx.error("size = {} must be positive", size);
  double alpha = ctx.node.getFloat("alpha"), beta = ctx.node.getFloat("beta");
  double bias = ctx.node.getFloat("bias");
  int64_t n = x.dim(0), c = x.dim(1);
  int64_t spatial = product(x.shape(), 2, x.rank());
  int64_t before = (size - 1) / 2, after = size - 1 - before;
  std::vector<double> xv = toDoubles(x), y(xv.size());
  for (int64_t img = 0; img < n; ++img)
    for (int64_t ch = 0; ch < c; ++ch)
      for (int64_t s = 0; s < spatial; ++s) {
        double sq = 0;
        for (int64_t j = std::max<int64_t>(0, ch - before);
             j <= std::min(c - 1, ch + after); ++j) {
          double v = xv[size_t((img * c + j) * spatial + s)];
          sq += v * v;
        }
        size_t at = size_t((img * c + ch) * spatial + s);
        y[at] = xv[at] / std::pow(bias + alpha / double(size) * sq, beta);
      }
  ctx.outputs[0] = fromDoubles(x.elementType(), x.shape(), y);
}

} // namespace kiln
