//===- Pool.cpp - AveragePool, MaxPool and LpPool kernels -----------------===//
// N-D sliding windows with strides, dilations, pads, auto_pad and
// ceil_mode. Window positions outside the input are skipped (MaxPool,
// LpPool) or, for AveragePool with count_include_pad, counted as zeros when
// they fall inside the pads.
//===----------------------------------------------------------------------===//
#include "NNKernelUtils.h"
#include "kiln/IR/InferUtils.h"

#include <cmath>

namespace kiln {

namespace {
enum class PoolKind { Average, Lp };

// Resolved geometry of one pooling node on a concrete input.
struct PoolPlan {
  WindowParams p;
  std::vector<int64_t> inSize, outSize, pads, outShape;
  int64_t inSpatial = 1, outSpatial = 1, kSpatial = 1;
};
} // namespace

static PoolPlan planPool(const EvalContext &ctx, const Tensor &x) {
  if (x.rank() < 3)
    ctx.error("input must have rank >= 3, not {}", shapeStr(x.shape()));
  PoolPlan plan;
  size_t sp = x.rank() - 2;
  plan.inSize.assign(x.shape().begin() + 2, x.shape().end());
  try {
    const std::vector<int64_t> &kernel = ctx.node.getInts("kernel_shape");
    check(kernel.size() == sp, "kernel_shape {} must have {} values",
          shapeStr(kernel), sp);
    plan.p = readWindowParams(ctx.node, kernel);
    for (size_t i = 0; i < sp; ++i)
      plan.outSize.push_back(convOutputSize(plan.p, i, plan.inSize[i]));
    plan.pads = resolvePads(plan.p, plan.inSize);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  plan.outShape = {x.dim(0), x.dim(1)};
  plan.outShape.insert(plan.outShape.end(), plan.outSize.begin(),
                       plan.outSize.end());
  plan.inSpatial = product(plan.inSize, 0, sp);
  plan.outSpatial = product(plan.outSize, 0, sp);
  plan.kSpatial = product(plan.p.kernel, 0, sp);
  return plan;
}

// The window of output position `oi`: sets `taps` to the input offsets of
// the positions inside the input and returns the number of positions inside
// the padded extent [-padBegin, in + padEnd).
static int64_t windowTaps(const PoolPlan &plan,
                          const std::vector<int64_t> &inStrides,
                          const std::vector<int64_t> &oi,
                          std::vector<int64_t> &taps) {
  const WindowParams &p = plan.p;
  size_t sp = plan.inSize.size();
  std::vector<int64_t> ki(sp, 0);
  int64_t padded = 0;
  taps.clear();
  for (int64_t k = 0; k < plan.kSpatial; ++k, nextIndex(ki, p.kernel)) {
    int64_t at = 0;
    bool inside = true, inPads = true;
    for (size_t d = 0; d < sp; ++d) {
      int64_t pos =
          oi[d] * p.strides[d] - plan.pads[d] + ki[d] * p.dilations[d];
      inside = inside && pos >= 0 && pos < plan.inSize[d];
      inPads = inPads && pos >= -plan.pads[d] &&
               pos < plan.inSize[d] + plan.pads[d + sp];
      at += pos * inStrides[d];
    }
    if (inPads)
      ++padded;
    if (inside)
      taps.push_back(at);
  }
  return padded;
}

static void evalFloatPool(EvalContext &ctx, PoolKind kind) {
  const Tensor &x = floatInput(ctx, 0);
  PoolPlan plan = planPool(ctx, x);
  bool includePad =
      kind == PoolKind::Average && ctx.node.getInt("count_include_pad") != 0;
  double pNorm = kind == PoolKind::Lp ? double(ctx.node.getInt("p")) : 2.0;
  if (kind == PoolKind::Lp && pNorm <= 0)
    ctx.error("p = {} must be positive", pNorm);
  std::vector<double> xv = toDoubles(x);
  std::vector<double> y(static_cast<size_t>(checkedNumElements(plan.outShape)));
  std::vector<int64_t> inStrides = stridesOf(plan.inSize);
  std::vector<int64_t> oi(plan.outSize.size(), 0), taps;
  int64_t planes = x.dim(0) * x.dim(1);
  for (int64_t o = 0; o < plan.outSpatial; ++o, nextIndex(oi, plan.outSize)) {
    int64_t padded = windowTaps(plan, inStrides, oi, taps);
    double count = double(includePad ? padded : int64_t(taps.size()));
    for (int64_t pl = 0; pl < planes; ++pl) {
      const double *xp = &xv[size_t(pl * plan.inSpatial)];
      double acc = 0.0;
      for (int64_t at : taps)
        acc +=
            kind == PoolKind::Lp ? std::pow(std::fabs(xp[at]), pNorm) : xp[at];
      acc = kind == PoolKind::Lp ? std::pow(acc, 1.0 / pNorm) : acc / count;
      y[size_t(pl * plan.outSpatial + o)] = acc;
    }
  }
  ctx.outputs[0] = fromDoubles(x.elementType(), plan.outShape, y);
}

void evalAveragePool(EvalContext &ctx) {
  evalFloatPool(ctx, PoolKind::Average);
}
void evalLpPool(EvalContext &ctx) { evalFloatPool(ctx, PoolKind::Lp); }

// MaxPool on any storage type, with the optional argmax indices. Indices
// are flat over the whole input; storage_order 1 numbers the spatial dims
// column-major.
template <typename T>
static void maxPool(EvalContext &ctx, const Tensor &x, const PoolPlan &plan) {
  using C = ComputeType<T>;
  bool colMajor = ctx.node.getInt("storage_order") != 0;
  size_t sp = plan.inSize.size();
  Tensor out(x.elementType(), plan.outShape);
  Tensor idx(ElementType::I64, plan.outShape);
  const T *xv = x.data<T>();
  T *y = out.data<T>();
  int64_t *yi = idx.data<int64_t>();
  std::vector<int64_t> inStrides = stridesOf(plan.inSize);
  std::vector<int64_t> colStrides(sp, 1);
  for (size_t d = 1; d < sp; ++d)
    colStrides[d] = colStrides[d - 1] * plan.inSize[d - 1];
  std::vector<int64_t> oi(sp, 0), taps;
  int64_t planes = x.dim(0) * x.dim(1);
  for (int64_t o = 0; o < plan.outSpatial; ++o, nextIndex(oi, plan.outSize)) {
    windowTaps(plan, inStrides, oi, taps);
    if (taps.empty())
      ctx.error("a pooling window lies entirely in the padding");
    for (int64_t pl = 0; pl < planes; ++pl) {
      const T *xp = xv + pl * plan.inSpatial;
      int64_t bestAt = taps[0];
      for (int64_t at : taps)
        if (C(xp[at]) > C(xp[bestAt]))
          bestAt = at;
      int64_t flat = bestAt;
      if (colMajor)
        flat = ravelIndex(unravelIndex(bestAt, plan.inSize), colStrides);
      y[pl * plan.outSpatial + o] = xp[bestAt];
      yi[pl * plan.outSpatial + o] = pl * plan.inSpatial + flat;
    }
  }
  ctx.outputs[0] = std::move(out);
  if (ctx.numOutputs() > 1)
    ctx.outputs[1] = std::move(idx);
}

void evalMaxPool(EvalContext &ctx) {
  const Tensor &x = ctx.input(0);
  ElementType e = x.elementType();
  if (!isFloat(e) && e != ElementType::I8 && e != ElementType::U8)
    ctx.error("unsupported element type {}", toString(e));
  PoolPlan plan = planPool(ctx, x);
  visitType(e, [&](auto tag) {
    using T = typename decltype(tag)::type;
    maxPool<T>(ctx, x, plan);
  });
}

} // namespace kiln
