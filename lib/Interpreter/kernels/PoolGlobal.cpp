//===- PoolGlobal.cpp - GlobalAveragePool, GlobalMaxPool, GlobalLpPool ----===//
#include "NNKernelUtils.h"

#include <cmath>
#include <limits>

namespace kiln {

namespace {
enum class GlobalKind { Average, Max, Lp };
} // namespace

static void evalGlobalPool(EvalContext &ctx, GlobalKind kind) {
  const Tensor &x = floatInput(ctx, 0);
  if (x.rank() < 3)
    ctx.error("input must have rank >= 3, not {}", shapeStr(x.shape()));
  double p = kind == GlobalKind::Lp ? double(ctx.node.getInt("p")) : 1.0;
  if (p <= 0)
    ctx.error("p = {} must be positive", p);
  int64_t planes = x.dim(0) * x.dim(1);
  int64_t spatial = product(x.shape(), 2, x.rank());
  if (spatial == 0)
    ctx.error("cannot pool an empty spatial extent {}", shapeStr(x.shape()));
  std::vector<int64_t> outShape(x.rank(), 1);
  outShape[0] = x.dim(0);
  outShape[1] = x.dim(1);
  std::vector<double> xv = toDoubles(x);
  std::vector<double> y(static_cast<size_t>(planes));
  for (int64_t pl = 0; pl < planes; ++pl) {
    double acc = kind == GlobalKind::Max
                     ? -std::numeric_limits<double>::infinity()
                     : 0.0;
    for (int64_t i = 0; i < spatial; ++i) {
      double v = xv[size_t(pl * spatial + i)];
      if (kind == GlobalKind::Max)
        acc = v > acc || std::isnan(v) ? v : acc;
      else if (kind == GlobalKind::Lp)
        acc += std::pow(std::fabs(v), p);
      else
        acc += v;
    }
    if (kind == GlobalKind::Average)
      acc /= double(spatial);
    else if (kind == GlobalKind::Lp)
      acc = std::pow(acc, 1.0 / p);
    y[size_t(pl)] = acc;
  }
  ctx.outputs[0] = fromDoubles(x.elementType(), outShape, y);
}

void evalGlobalAveragePool(EvalContext &ctx) {
  evalGlobalPool(ctx, GlobalKind::Average);
}
void evalGlobalMaxPool(EvalContext &ctx) {
  evalGlobalPool(ctx, GlobalKind::Max);
}
void evalGlobalLpPool(EvalContext &ctx) { evalGlobalPool(ctx, GlobalKind::Lp); }

} // namespace kiln
