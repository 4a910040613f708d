//===- Loss.cpp - NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss ---===//
// input [N, C, d...], target [N, d...] of class indices, optional weight [C].
// Each element's loss is -input[n, target, d] * weight[target] (zero for
// ignore_index); "mean" divides the sum by the total weight of the counted
// elements. SoftmaxCrossEntropyLoss applies log-softmax over C first and
// can return those log-probabilities.
//===----------------------------------------------------------------------===//
#include "kiln/Interpreter/EvalContext.h"

#include <cmath>

namespace kiln {

static void negativeLogLikelihood(EvalContext &ctx,
                                  const std::vector<double> &logProb,
                                  const std::vector<int64_t> &inShape) {
  const Tensor &target = ctx.input(1);
  const Tensor *weightT = ctx.inputOrNull(2);
  int64_t n = inShape[0], c = inShape[1];
  int64_t d = 1;
  for (size_t i = 2; i < inShape.size(); ++i)
    d *= inShape[i];
  std::vector<int64_t> targetShape = inShape;
  targetShape.erase(targetShape.begin() + 1);
  if (target.shape() != targetShape)
    ctx.error("target has shape {}, expected {}", shapeStr(target.shape()),
              shapeStr(targetShape));
  std::vector<double> weight;
  if (weightT) {
    if (weightT->shape() != std::vector<int64_t>{c})
      ctx.error("weight has shape {}, expected [{}]",
                shapeStr(weightT->shape()), c);
    weight = weightT->toDoubleVector();
  }
  const Attribute *ignoreAttr = ctx.node.findAttr("ignore_index");
  std::optional<int64_t> ignore;
  if (ignoreAttr)
    ignore = ctx.node.getInt("ignore_index");

  std::vector<int64_t> t = target.toIntVector();
  std::vector<double> loss(t.size());
  double sum = 0, weightSum = 0;
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) {
      size_t at = size_t(i * d + j);
      int64_t cls = t[at];
      if (ignore && cls == *ignore)
        continue;
      if (cls < 0 || cls >= c)
        ctx.error("target class {} is out of range [0, {})", cls, c);
      double w = weightT ? weight[size_t(cls)] : 1.0;
      loss[at] = -logProb[size_t((i * c + cls) * d + j)] * w;
      sum += loss[at];
      weightSum += w;
    }

  ElementType elem = ctx.input(0).elementType();
  const std::string &reduction = ctx.node.getString("reduction");
  if (reduction == "none") {
    Tensor out(elem, targetShape);
    for (size_t i = 0; i < loss.size(); ++i)
      out.setDouble(int64_t(i), loss[i]);
    ctx.outputs[0] = std::move(out);
  } else if (reduction == "sum") {
    ctx.outputs[0] = Tensor(elem, {});
    ctx.outputs[0].setDouble(0, sum);
  } else if (reduction == "mean") {
    // Without weights or ignore_index every element counts once.
    double denom = weightT || ignore ? weightSum : double(loss.size());
    ctx.outputs[0] = Tensor(elem, {});
    ctx.outputs[0].setDouble(0, sum / denom);
  } else {
    ctx.error("unknown reduction '{}'", reduction);
  }
}

static void checkInput(EvalContext &ctx) {
  const Tensor &x = ctx.input(0);
  if (x.rank() < 2)
    ctx.error("input must have rank 2 or more, not {}", x.rank());
}

void evalNegativeLogLikelihoodLoss(EvalContext &ctx) {
  checkInput(ctx);
  const Tensor &x = ctx.input(0);
  negativeLogLikelihood(ctx, x.toDoubleVector(), x.shape());
}

void evalSoftmaxCrossEntropyLoss(EvalContext &ctx) {
  checkInput(ctx);
  const Tensor &x = ctx.input(0);
  int64_t n = x.dim(0), c = x.dim(1),
          d = x.numElements() / std::max<int64_t>(n * c, 1);
  std::vector<double> v = x.toDoubleVector();
  std::vector<double> logProb(v.size());
  for (int64_t i = 0; i < n; ++i)
    for (int64_t j = 0; j < d; ++j) {
      auto at = [&](int64_t k) { return size_t((i * c + k) * d + j); };
      double mx = -INFINITY;
      for (int64_t k = 0; k < c; ++k)
        mx = std::max(mx, v[at(k)]);
      double s = 0;
      for (int64_t k = 0; k < c; ++k)
        s += std::exp(v[at(k)] - mx);
      for (int64_t k = 0; k < c; ++k)
        logProb[at(k)] = v[at(k)] - mx - std::log(s);
    }
  negativeLogLikelihood(ctx, logProb, x.shape());
  if (ctx.numOutputs() > 1) {
    Tensor lp(x.elementType(), x.shape());
    for (size_t i = 0; i < logProb.size(); ++i)
      lp.setDouble(int64_t(i), logProb[i]);
    ctx.outputs[1] = std::move(lp);
  }
}

} // namespace kiln
