//===- NormBatch.cpp - lowering of Batch- and InstanceNormalization -------===//
// Per-channel normalization of [N, C, ...] tensors in the compute type.
// BatchNormalization in training mode normalizes with the batch statistics
// and can return the updated running mean and variance.
//===----------------------------------------------------------------------===//
#include "NormCommon.h"

namespace kiln {

using namespace nnlower;

static void checkChannelVector(const LowerContext &ctx, size_t i, int64_t c) {
  const Buffer &t = ctx.input(i);
  requireFloat(ctx, t, "a per-channel operand");
  if (t->rank() != 1 || t->shape[0] != c)
    ctx.error("operand {} must have shape [{}]", i, c);
}

void lowerBatchNormalization(LowerContext &ctx) {
  const Buffer &x = ctx.input(0);
  const Buffer &y = ctx.output(0);
  requireFloat(ctx, x, "input");
  if (x->rank() < 2)
    ctx.error("input must have rank >= 2");
  int64_t c = x->shape[1];
  for (size_t i = 1; i <= 4; ++i)
    checkChannelVector(ctx, i, c);
  const Buffer &scale = ctx.input(1), &bias = ctx.input(2),
               &mean = ctx.input(3), &var = ctx.input(4);
  double eps = ctx.node.getFloat("epsilon");
  double momentum = ctx.node.getFloat("momentum");
  bool training = ctx.node.getInt("training_mode") != 0;
  if (!training && (ctx.hasOutput(1) || ctx.hasOutput(2)))
    ctx.error("running statistics results need training_mode = 1");
  ElementType ct = computeType(y->elem);

  std::vector<bool> reduced(x->rank(), true);
  reduced[1] = false;
  MeanVar stats;
  if (training)
    stats = emitMeanVar(ctx, x, reduced, ct, "bn");
  // Index of channel ch in the kept-shape statistics.
  auto statIndex = [&](const Expr &ch) {
    Indices k(x->rank(), Expr(0));
    k[1] = ch;
    return k;
  };
  auto meanOf = [&](const Expr &ch) {
    return training ? loop::load(stats.mean, statIndex(ch))
                    : loadAs(ct, mean, {ch});
  };
  auto varOf = [&](const Expr &ch) {
    return training ? loop::load(stats.var, statIndex(ch))
                    : loadAs(ct, var, {ch});
  };
  ctx.emit(loop::compute(y, [&](const Indices &i) {
    Expr ch = i[1];
    Expr inv = fimm(ct, 1.0) /
               loop::mathCall("sqrt", varOf(ch) + fimm(ct, eps));
    return (loadAs(ct, x, i) - meanOf(ch)) * inv * loadAs(ct, scale, {ch}) +
           loadAs(ct, bias, {ch});
  }));
  for (size_t r = 1; r <= 2; ++r) {
    if (!ctx.hasOutput(r))
      continue;
    const Buffer &in = r == 1 ? mean : var;
    ctx.emit(loop::compute(ctx.output(r), [&](const Indices &i) {
      Expr cur = r == 1 ? meanOf(i[0]) : varOf(i[0]);
      return loadAs(ct, in, i) * fimm(ct, momentum) +
             cur * fimm(ct, 1.0 - momentum);
    }));
  }
}

void lowerInstanceNormalization(LowerContext &ctx) {
  const Buffer &x = ctx.input(0);
  const Buffer &y = ctx.output(0);
  requireFloat(ctx, x, "input");
  if (x->rank() < 3)
    ctx.error("input must have rank >= 3");
  int64_t c = x->shape[1];
  checkChannelVector(ctx, 1, c);
  checkChannelVector(ctx, 2, c);
  const Buffer &scale = ctx.input(1), &bias = ctx.input(2);
  double eps = ctx.node.getFloat("epsilon");
  ElementType ct = computeType(y->elem);
  std::vector<bool> reduced(x->rank(), true);
  reduced[0] = reduced[1] = false;
  MeanVar stats = emitMeanVar(ctx, x, reduced, ct, "in");
  ctx.emit(loop::compute(y, [&](const Indices &i) {
    Indices k = keptIndex(i, reduced);
    Expr inv = fimm(ct, 1.0) /
               loop::mathCall("sqrt", loop::load(stats.var, k) + fimm(ct, eps));
    return (loadAs(ct, x, i) - loop::load(stats.mean, k)) * inv *
               loadAs(ct, scale, {i[1]}) +
           loadAs(ct, bias, {i[1]});
  }));
}

} // namespace kiln
