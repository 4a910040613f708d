//===- NormLayer.cpp - lowering of LayerNormalization and MVN -------------===//
// Normalizations over the trailing dims from `axis` (LayerNormalization,
// with optional Mean and InvStdDev results) or over chosen axes
// (MeanVarianceNormalization: (x - mean) / (sqrt(var) + 1e-9)).
//===----------------------------------------------------------------------===//
#include "NormCommon.h"

#include "kiln/IR/InferUtils.h"

namespace kiln {

using namespace nnlower;

void lowerLayerNormalization(LowerContext &ctx) {
  const Buffer &x = ctx.input(0), &scale = ctx.input(1);
  const Buffer &y = ctx.output(0);
  requireFloat(ctx, x, "input");
  requireFloat(ctx, scale, "scale");
  Buffer bias = ctx.hasInput(2) ? ctx.input(2) : nullptr;
  int64_t rank = int64_t(x->rank());
  if (rank == 0)
    ctx.error("input must have rank >= 1");
  int64_t axis;
  try {
    axis = normalizeAxis(ctx.node.getInt("axis"), rank);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  for (const Buffer &b : {scale, bias})
    if (b && b->rank() > x->rank())
      ctx.error("scale or bias does not broadcast to the input");
  double eps = ctx.node.getFloat("epsilon");
  ElementType ct = computeType(y->elem);
  std::vector<bool> reduced(size_t(rank), false);
  for (int64_t d = axis; d < rank; ++d)
    reduced[size_t(d)] = true;
  MeanVar stats = emitMeanVar(ctx, x, reduced, ct, "ln");
  auto invStd = [&](const Indices &k) {
    return fimm(ct, 1.0) /
           loop::mathCall("sqrt", loop::load(stats.var, k) + fimm(ct, eps));
  };
  ctx.emit(loop::compute(y, [&](const Indices &i) {
    Indices k = keptIndex(i, reduced);
    Expr v = (loadAs(ct, x, i) - loop::load(stats.mean, k)) * invStd(k) *
             loop::cast(ct, loop::loadBroadcast(scale, i));
    if (bias)
      v = v + loop::cast(ct, loop::loadBroadcast(bias, i));
    return v;
  }));
  if (ctx.hasOutput(1))
    ctx.emit(loop::compute(ctx.output(1), [&](const Indices &k) {
      return loop::load(stats.mean, k);
    }));
  if (ctx.hasOutput(2))
    ctx.emit(loop::compute(ctx.output(2),
                           [&](const Indices &k) { return invStd(k); }));
}

void lowerMeanVarianceNormalization(LowerContext &ctx) {
  const Buffer &x = ctx.input(0);
  const Buffer &y = ctx.output(0);
  requireFloat(ctx, x, "input");
  int64_t rank = int64_t(x->rank());
  std::vector<int64_t> axes = ctx.node.getInts("axes");
  if (!ctx.node.hasAttr("axes"))
    axes = {0, 2, 3};
  try {
    axes = normalizeAxes(axes, rank);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  ElementType ct = computeType(y->elem);
  std::vector<bool> reduced(size_t(rank), false);
  for (int64_t a : axes)
    reduced[size_t(a)] = true;
  MeanVar stats = emitMeanVar(ctx, x, reduced, ct, "mvn");
  ctx.emit(loop::compute(y, [&](const Indices &i) {
    Indices k = keptIndex(i, reduced);
    Expr sd = loop::mathCall("sqrt", loop::load(stats.var, k));
    return (loadAs(ct, x, i) - loop::load(stats.mean, k)) /
           (sd + fimm(ct, 1e-9));
  }));
}

} // namespace kiln
