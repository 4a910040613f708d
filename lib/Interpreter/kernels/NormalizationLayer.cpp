//===- NormalizationLayer.cpp - LayerNormalization, MVN -------------------===//
// Normalizations over a set of trailing or chosen axes, computed in double.
//===----------------------------------------------------------------------===//
#include "NNKernelUtils.h"
#include "kiln/IR/InferUtils.h"

#include <algorithm>
#include <cmath>

namespace kiln {

void evalLayerNormalization(EvalContext &ctx) {
  const Tensor &x = floatInput(ctx, 0);
  const Tensor &scale = floatInput(ctx, 1);
  const Tensor *bias = ctx.hasInput(2) ? &floatInput(ctx, 2) : nullptr;
  int64_t rank = int64_t(x.rank());
  if (rank == 0)
    ctx.error("input must have rank >= 1");
  int64_t axis;
  try {
    axis = normalizeAxis(ctx.node.getInt("axis"), rank);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  std::optional<ElementType> stash =
      fromOnnxDataType(int(ctx.node.getInt("stash_type")));
  if (!stash || !isFloat(*stash))
    ctx.error("stash_type {} is not a float type",
              ctx.node.getInt("stash_type"));
  int64_t outer = product(x.shape(), 0, size_t(axis));
  int64_t inner = product(x.shape(), size_t(axis), x.rank());
  double eps = ctx.node.getFloat("epsilon");
  std::vector<double> xv = toDoubles(x);
  std::vector<double> sv = toDoubles(scale);
  std::vector<double> bv = bias ? toDoubles(*bias) : std::vector<double>();
  std::optional<BroadcastIndexer> sIdx, bIdx;
  try {
    sIdx.emplace(scale.shape(), x.shape());
    if (bias)
      bIdx.emplace(bias->shape(), x.shape());
  } catch (const Error &e) {
    ctx.error("scale or bias does not broadcast to the input: {}", e.what());
  }
  std::vector<double> y(xv.size()), means(static_cast<size_t>(outer)),
      invStd(static_cast<size_t>(outer));
  for (int64_t o = 0; o < outer; ++o) {
    size_t base = size_t(o * inner);
    double sum = 0, sq = 0;
    for (int64_t i = 0; i < inner; ++i)
      sum += xv[base + size_t(i)];
    double mu = inner ? sum / double(inner) : 0.0;
    for (int64_t i = 0; i < inner; ++i) {
      double d = xv[base + size_t(i)] - mu;
      sq += d * d;
    }
    double inv = 1.0 / std::sqrt((inner ? sq / double(inner) : 0.0) + eps);
    means[size_t(o)] = mu;
    invStd[size_t(o)] = inv;
    for (int64_t i = 0; i < inner; ++i) {
      int64_t at = int64_t(base) + i;
      double v = (xv[size_t(at)] - mu) * inv * sv[size_t((*sIdx)(at))];
      if (bias)
        v += bv[size_t((*bIdx)(at))];
      y[size_t(at)] = v;
    }
  }
  ctx.outputs[0] = fromDoubles(x.elementType(), x.shape(), y);
  std::vector<int64_t> statShape = x.shape();
  for (int64_t i = axis; i < rank; ++i)
    statShape[size_t(i)] = 1;
  if (ctx.numOutputs() > 1)
    ctx.outputs[1] = fromDoubles(*stash, statShape, means);
  if (ctx.numOutputs() > 2)
    ctx.outputs[2] = fromDoubles(*stash, statShape, invStd);
}

// (x - mean) / (sqrt(var) + 1e-9) over `axes`, as ONNX's function body.
void evalMeanVarianceNormalization(EvalContext &ctx) {
  const Tensor &x = floatInput(ctx, 0);
  int64_t rank = int64_t(x.rank());
  std::vector<int64_t> axes = ctx.node.getInts("axes");
  if (!ctx.node.hasAttr("axes"))
    axes = {0, 2, 3};
  try {
    axes = normalizeAxes(axes, rank);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  std::vector<int64_t> kept = x.shape();
  int64_t count = 1;
  for (int64_t a : axes) {
    count *= kept[size_t(a)];
    kept[size_t(a)] = 1;
  }
  BroadcastIndexer toStat(kept, x.shape());
  int64_t stats = checkedNumElements(kept);
  std::vector<double> xv = toDoubles(x);
  std::vector<double> sum(size_t(stats), 0.0), sq(size_t(stats), 0.0);
  for (int64_t i = 0; i < x.numElements(); ++i)
    sum[size_t(toStat(i))] += xv[size_t(i)];
  for (double &s : sum)
    s = count ? s / double(count) : 0.0;
  for (int64_t i = 0; i < x.numElements(); ++i) {
    double d = xv[size_t(i)] - sum[size_t(toStat(i))];
    sq[size_t(toStat(i))] += d * d;
  }
  std::vector<double> y(xv.size());
  for (int64_t i = 0; i < x.numElements(); ++i) {
    size_t s = size_t(toStat(i));
    double sd = std::sqrt(count ? sq[s] / double(count) : 0.0);
    y[size_t(i)] = (xv[size_t(i)] - sum[s]) / (sd + 1e-9);
  }
  ctx.outputs[0] = fromDoubles(x.elementType(), x.shape(), y);
}

} // namespace kiln
