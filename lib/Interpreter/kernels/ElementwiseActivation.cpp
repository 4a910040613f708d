//===- ElementwiseActivation.cpp - activation function kernels ------------===//
// Sigmoid, Relu and its relatives, Softplus, Softsign, HardSwish, Shrink,
// Clip and PRelu. Float attributes (alpha, beta, ...) are applied in double.
//===----------------------------------------------------------------------===//
#include "ElementwiseCommon.h"

#include <cmath>

namespace kiln {

void evalSigmoid(EvalContext &ctx) {
  evalFloatUnary(ctx, [](double x) { return 1.0 / (1.0 + std::exp(-x)); });
}

void evalRelu(EvalContext &ctx) {
  evalUnary(
      ctx, FloatTypes | SignedIntTypes,
      [](double x) { return x < 0 ? 0.0 : x; },
      [](int64_t x) { return x < 0 ? int64_t(0) : x; });
}

void evalSoftplus(EvalContext &ctx) {
  // log(1 + e^x), written so that large |x| neither overflows nor cancels.
  evalFloatUnary(ctx, [](double x) {
    return x > 0 ? x + std::log1p(std::exp(-x)) : std::log1p(std::exp(x));
  });
}

void evalSoftsign(EvalContext &ctx) {
  evalFloatUnary(ctx, [](double x) { return x / (1.0 + std::fabs(x)); });
}

void evalHardSwish(EvalContext &ctx) {
  evalFloatUnary(ctx, [](double x) {
    return x * std::max(0.0, std::min(1.0, x / 6.0 + 0.5));
  });
}

void evalElu(EvalContext &ctx) {
  double alpha = ctx.node.getFloat("alpha");
  evalFloatUnary(
      ctx, [=](double x) { return x < 0 ? alpha * (std::exp(x) - 1.0) : x; });
}

void evalCelu(EvalContext &ctx) {
  double alpha = ctx.node.getFloat("alpha");
  if (alpha == 0)
    ctx.error("alpha must not be 0");
  evalFloatUnary(ctx, [=](double x) {
    return std::max(0.0, x) +
           std::min(0.0, alpha * (std::exp(x / alpha) - 1.0));
  });
}

void evalSelu(EvalContext &ctx) {
  double alpha = ctx.node.getFloat("alpha");
  double gamma = ctx.node.getFloat("gamma");
  evalFloatUnary(ctx, [=](double x) {
    return x > 0 ? gamma * x : gamma * (alpha * std::exp(x) - alpha);
  });
}

void evalLeakyRelu(EvalContext &ctx) {
  double alpha = ctx.node.getFloat("alpha");
  evalFloatUnary(ctx, [=](double x) { return x < 0 ? alpha * x : x; });
}

void evalHardSigmoid(EvalContext &ctx) {
  double alpha = ctx.node.getFloat("alpha");
  double beta = ctx.node.getFloat("beta");
  evalFloatUnary(ctx, [=](double x) {
    return std::max(0.0, std::min(1.0, alpha * x + beta));
  });
}

void evalThresholdedRelu(EvalContext &ctx) {
  double alpha = ctx.node.getFloat("alpha");
  evalFloatUnary(ctx, [=](double x) { return x > alpha ? x : 0.0; });
}

// Shrink accepts every numeric type; integers go through double and are
// stored back truncated and saturated.
void evalShrink(EvalContext &ctx) {
  checkOperandType(ctx, 0, NumericTypes);
  double bias = ctx.node.getFloat("bias");
  double lambd = ctx.node.getFloat("lambd");
  const Tensor &x = ctx.input(0);
  std::vector<double> v = loadDoubles(x);
  for (double &e : v)
    e = e < -lambd ? e + bias : e > lambd ? e - bias : 0.0;
  ctx.outputs[0] = storeDoubles(x.elementType(), x.shape(), v);
}

// Clip(x, min?, max?): an absent bound does not clip. min > max gives max,
// as numpy's minimum(maximum(x, min), max).
void evalClip(EvalContext &ctx) {
  checkOperandType(ctx, 0, NumericTypes);
  const Tensor &x = ctx.input(0);
  const Tensor *bounds[2] = {ctx.inputOrNull(1), ctx.inputOrNull(2)};
  for (int i = 0; i < 2; ++i) {
    if (!bounds[i])
      continue;
    if (bounds[i]->elementType() != x.elementType())
      ctx.error("bound {} has element type {}, expected {}", i + 1,
                toString(bounds[i]->elementType()), toString(x.elementType()));
    if (bounds[i]->numElements() != 1)
      ctx.error("bound {} must be a scalar, got shape {}", i + 1,
                shapeStr(bounds[i]->shape()));
  }
  if (isFloat(x.elementType())) {
    double lo = bounds[0] ? bounds[0]->getDouble(0) : -INFINITY;
    double hi = bounds[1] ? bounds[1]->getDouble(0) : INFINITY;
    ctx.outputs[0] = mapUnary(
        x,
        [=](double v) {
          v = v < lo ? lo : v;
          return v > hi ? hi : v;
        },
        nullptr);
    return;
  }
  // Integers compare in their own signedness; int64 holds u64 bit patterns.
  bool isUnsigned = isUnsignedInt(x.elementType());
  auto less = [=](int64_t a, int64_t b) {
    return isUnsigned ? uint64_t(a) < uint64_t(b) : a < b;
  };
  bool hasLo = bounds[0], hasHi = bounds[1];
  int64_t lo = hasLo ? loadInts(*bounds[0])[0] : 0;
  int64_t hi = hasHi ? loadInts(*bounds[1])[0] : 0;
  ctx.outputs[0] = mapUnary(x, nullptr, [=](int64_t v) {
    if (hasLo && less(v, lo))
      v = lo;
    if (hasHi && less(hi, v))
      v = hi;
    return v;
  });
}

// PRelu(x, slope): slope broadcasts to x's shape (unidirectionally).
void evalPRelu(EvalContext &ctx) {
  checkOperandType(ctx, 0, FloatTypes | SignedIntTypes | UnsignedIntTypes);
  const Tensor &x = ctx.input(0), &slope = ctx.input(1);
  if (x.elementType() != slope.elementType())
    ctx.error("slope has element type {}, expected {}",
              toString(slope.elementType()), toString(x.elementType()));
  if (slope.rank() > x.rank() ||
      broadcastShape(x.shape(), slope.shape()) != x.shape())
    ctx.error("slope of shape {} does not broadcast to input shape {}",
              shapeStr(slope.shape()), shapeStr(x.shape()));
  bool isUnsigned = isUnsignedInt(x.elementType());
  ctx.outputs[0] = broadcastBinary(
      x, slope, x.elementType(),
      [](double v, double s) { return v < 0 ? v * s : v; },
      [=](int64_t v, int64_t s) {
        return !isUnsigned && v < 0 ? wrapMul(v, s) : v;
      });
}

} // namespace kiln
