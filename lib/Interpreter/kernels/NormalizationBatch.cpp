//===- NormalizationBatch.cpp - BatchNormalization, InstanceNormalization -===//
// Per-channel normalization of [N, C, ...] tensors, computed in double.
//===----------------------------------------------------------------------===//
#include "NNKernelUtils.h"

#include <cmath>

namespace kiln {

// Checks that operand i is a 1-D tensor of `c` elements and returns it.
static std::vector<double> channelVector(const EvalContext &ctx, size_t i,
                                         int64_t c) {
  const Tensor &t = floatInput(ctx, i);
  if (t.rank() != 1 || t.dim(0) != c)
    ctx.error("operand {} has shape {}, expected [{}]", i, shapeStr(t.shape()),
              c);
  return toDoubles(t);
}

void evalBatchNormalization(EvalContext &ctx) {
  const Tensor &x = floatInput(ctx, 0);
  if (x.rank() < 2)
    ctx.error("input must have rank >= 2, not {}", shapeStr(x.shape()));
  int64_t n = x.dim(0), c = x.dim(1);
  int64_t spatial = product(x.shape(), 2, x.rank());
  std::vector<double> scale = channelVector(ctx, 1, c);
  std::vector<double> bias = channelVector(ctx, 2, c);
  std::vector<double> mean = channelVector(ctx, 3, c);
  std::vector<double> var = channelVector(ctx, 4, c);
  double eps = ctx.node.getFloat("epsilon");
  double momentum = ctx.node.getFloat("momentum");
  bool training = ctx.node.getInt("training_mode") != 0;
  std::vector<double> xv = toDoubles(x);
  auto at = [&](int64_t img, int64_t ch, int64_t s) {
    return size_t((img * c + ch) * spatial + s);
  };
  // Training mode normalizes with the batch statistics (population
  // variance) and returns updated running statistics.
  std::vector<double> useMean = mean, useVar = var;
  if (training) {
    int64_t count = n * spatial;
    if (count == 0)
      ctx.error("cannot compute batch statistics of an empty batch");
    for (int64_t ch = 0; ch < c; ++ch) {
      double sum = 0, sq = 0;
      for (int64_t img = 0; img < n; ++img)
        for (int64_t s = 0; s < spatial; ++s)
          sum += xv[at(img, ch, s)];
      double mu = sum / double(count);
      for (int64_t img = 0; img < n; ++img)
        for (int64_t s = 0; s < spatial; ++s) {
          double d = xv[at(img, ch, s)] - mu;
          sq += d * d;
        }
      useMean[size_t(ch)] = mu;
      useVar[size_t(ch)] = sq / double(count);
    }
  }
  std::vector<double> y(xv.size());
  for (int64_t img = 0; img < n; ++img)
    for (int64_t ch = 0; ch < c; ++ch) {
      double inv = 1.0 / std::sqrt(useVar[size_t(ch)] + eps);
      for (int64_t s = 0; s < spatial; ++s)
        y[at(img, ch, s)] = (xv[at(img, ch, s)] - useMean[size_t(ch)]) * inv *
                                scale[size_t(ch)] +
                            bias[size_t(ch)];
    }
  ctx.outputs[0] = fromDoubles(x.elementType(), x.shape(), y);
  for (size_t r = 1; r < ctx.numOutputs(); ++r) {
    if (!training)
      ctx.error("running statistics results need training_mode = 1");
    const std::vector<double> &in = r == 1 ? mean : var;
    const std::vector<double> &cur = r == 1 ? useMean : useVar;
    std::vector<double> run(static_cast<size_t>(c));
    for (int64_t ch = 0; ch < c; ++ch)
      run[size_t(ch)] =
          in[size_t(ch)] * momentum + cur[size_t(ch)] * (1 - momentum);
    ctx.outputs[r] = fromDoubles(ctx.input(r + 2).elementType(), {c}, run);
  }
}

void evalInstanceNormalization(EvalContext &ctx) {
  const Tensor &x = floatInput(ctx, 0);
  if (x.rank() < 3)
    ctx.error("input must have rank >= 3, not {}", shapeStr(x.shape()));
  int64_t n = x.dim(0), c = x.dim(1);
  int64_t spatial = product(x.shape(), 2, x.rank());
  std::vector<double> scale = channelVector(ctx, 1, c);
  std::vector<double> bias = channelVector(ctx, 2, c);
  double eps = ctx.node.getFloat("epsilon");
  std::vector<double> xv = toDoubles(x);
  std::vector<double> y(xv.size());
  for (int64_t img = 0; img < n; ++img)
    for (int64_t ch = 0; ch < c; ++ch) {
      size_t base = size_t((img * c + ch) * spatial);
      double sum = 0, sq = 0;
      for (int64_t s = 0; s < spatial; ++s)
        sum += xv[base + size_t(s)];
      double mu = spatial ? sum / double(spatial) : 0.0;
      for (int64_t s = 0; s < spatial; ++s) {
        double d = xv[base + size_t(s)] - mu;
        sq += d * d;
      }
      double var = spatial ? sq / double(spatial) : 0.0;
      double inv = 1.0 / std::sqrt(var + eps);
      for (int64_t s = 0; s < spatial; ++s)
        y[base + size_t(s)] =
            (xv[base + size_t(s)] - mu) * inv * scale[size_t(ch)] +
            bias[size_t(ch)];
    }
  ctx.outputs[0] = fromDoubles(x.elementType(), x.shape(), y);
}

} // namespace kiln
