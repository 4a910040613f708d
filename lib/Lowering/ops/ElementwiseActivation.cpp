//===- ElementwiseActivation.cpp - activation function lowerings ----------===//
// Sigmoid, Relu and its relatives, Softplus, Softsign, HardSwish, Shrink,
// Clip and PRelu. std::min/max of the interpreter become stdMin/stdMax so
// NaN behaves the same.
//===----------------------------------------------------------------------===//
#include "ElementwiseUtils.h"

namespace kiln {

using namespace loop;
using namespace lower;

static double attr(const LowerContext &ctx, const char *name) {
  return double(ctx.node.getFloat(name));
}

void lowerSigmoid(LowerContext &ctx) {
  lowerFloatUnary(ctx, [](Expr x) {
    Expr one = constLike(x, 1);
    return one / (one + mathCall("exp", -x));
  });
}

void lowerRelu(LowerContext &ctx) {
  auto relu = [](Expr x) {
    Expr zero = constLike(x, 0);
    return select(x < zero, zero, x);
  };
  lowerUnaryOp(ctx, FloatTypes | SignedIntTypes, relu, relu);
}

void lowerSoftplus(LowerContext &ctx) {
  // log(1 + e^x) without overflow for large x or cancellation for small.
  lowerFloatUnary(ctx, [](Expr x) {
    Expr zero = constLike(x, 0);
    return select(x > zero, x + log1p(mathCall("exp", -x)),
                  log1p(mathCall("exp", x)));
  });
}

void lowerSoftsign(LowerContext &ctx) {
  lowerFloatUnary(ctx, [](Expr x) {
    return x / (constLike(x, 1) + mathCall("fabs", x));
  });
}

void lowerHardSwish(LowerContext &ctx) {
  lowerFloatUnary(ctx, [](Expr x) {
    Expr t = x / constLike(x, 6) + constLike(x, 0.5);
    return x * stdMax(constLike(x, 0), stdMin(constLike(x, 1), t));
  });
}

void lowerElu(LowerContext &ctx) {
  double alpha = attr(ctx, "alpha");
  lowerFloatUnary(ctx, [=](Expr x) {
    Expr em1 = mathCall("exp", x) - constLike(x, 1);
    return select(x < constLike(x, 0), constLike(x, alpha) * em1, x);
  });
}

void lowerCelu(LowerContext &ctx) {
  double alpha = attr(ctx, "alpha");
  if (alpha == 0)
    ctx.error("alpha must not be 0");
  lowerFloatUnary(ctx, [=](Expr x) {
    Expr a = constLike(x, alpha), zero = constLike(x, 0);
    Expr neg = a * (mathCall("exp", x / a) - constLike(x, 1));
    return stdMax(zero, x) + stdMin(zero, neg);
  });
}

void lowerSelu(LowerContext &ctx) {
  double alpha = attr(ctx, "alpha"), gamma = attr(ctx, "gamma");
  lowerFloatUnary(ctx, [=](Expr x) {
    Expr a = constLike(x, alpha), g = constLike(x, gamma);
    return select(x > constLike(x, 0), g * x,
                  g * (a * mathCall("exp", x) - a));
  });
}

void lowerLeakyRelu(LowerContext &ctx) {
  double alpha = attr(ctx, "alpha");
  lowerFloatUnary(ctx, [=](Expr x) {
    return select(x < constLike(x, 0), constLike(x, alpha) * x, x);
  });
}

void lowerHardSigmoid(LowerContext &ctx) {
  double alpha = attr(ctx, "alpha"), beta = attr(ctx, "beta");
  lowerFloatUnary(ctx, [=](Expr x) {
    Expr v = constLike(x, alpha) * x + constLike(x, beta);
    return stdMax(constLike(x, 0), stdMin(constLike(x, 1), v));
  });
}

void lowerThresholdedRelu(LowerContext &ctx) {
  double alpha = attr(ctx, "alpha");
  lowerFloatUnary(ctx, [=](Expr x) {
    return select(x > constLike(x, alpha), x, constLike(x, 0));
  });
}

// Integers go through f64 and are stored back truncated and saturated, as
// the interpreter does.
void lowerShrink(LowerContext &ctx) {
  checkOperandType(ctx, 0, NumericTypes);
  double bias = attr(ctx, "bias"), lambd = attr(ctx, "lambd");
  const Buffer &in = ctx.input(0);
  ctx.emit(compute(ctx.output(0), [&](const Indices &idx) {
    Expr x = load(in, idx);
    x = isFloat(in->elem) ? cast(computeType(in->elem), x)
                          : cast(ElementType::F64, x);
    Expr b = constLike(x, bias), l = constLike(x, lambd);
    return select(x < -l, x + b, select(x > l, x - b, constLike(x, 0)));
  }));
  setInPlace(ctx, {0});
}

// Clip(x, min?, max?): an absent bound does not clip; min > max gives max.
void lowerClip(LowerContext &ctx) {
  checkOperandType(ctx, 0, NumericTypes);
  const Buffer &x = ctx.input(0);
  for (size_t i = 1; i <= 2; ++i) {
    if (!ctx.hasInput(i))
      continue;
    const Buffer &b = ctx.input(i);
    if (b->elem != x->elem)
      ctx.error("bound {} has element type {}, expected {}", i,
                toString(b->elem), toString(x->elem));
    if (b->numElements() != 1)
      ctx.error("bound {} must be a scalar, got {} elements", i,
                b->numElements());
  }
  ctx.emit(compute(ctx.output(0), [&](const Indices &idx) {
    Expr v = loadCompute(x, idx);
    // Typed comparisons: integers in their signedness.
    if (ctx.hasInput(1)) {
      Expr lo = cast(v.type(), loadScalar(ctx.input(1)));
      v = select(v < lo, lo, v);
    }
    if (ctx.hasInput(2)) {
      Expr hi = cast(v.type(), loadScalar(ctx.input(2)));
      v = select(v > hi, hi, v);
    }
    return v;
  }));
  setInPlace(ctx, {0});
}

// PRelu(x, slope): slope broadcasts to x's shape (unidirectionally).
void lowerPRelu(LowerContext &ctx) {
  checkOperandType(ctx, 0, NumericTypes);
  const Buffer &x = ctx.input(0), &slope = ctx.input(1);
  if (x->elem != slope->elem)
    ctx.error("slope has element type {}, expected {}", toString(slope->elem),
              toString(x->elem));
  if (slope->rank() > x->rank())
    ctx.error("slope of rank {} does not broadcast to input rank {}",
              slope->rank(), x->rank());
  for (size_t d = 0; d < slope->rank(); ++d) {
    int64_t s = slope->shape[d], xd = x->shape[x->rank() - slope->rank() + d];
    if (s != 1 && s != xd)
      ctx.error("slope dimension {} of size {} does not broadcast to {}", d, s,
                xd);
  }
  bool isUnsigned = isUnsignedInt(x->elem);
  ctx.emit(compute(ctx.output(0), [&](const Indices &idx) {
    Expr v = loadCompute(x, idx);
    if (isUnsigned)
      return v;
    Expr s = loadBroadcastCompute(slope, idx);
    return select(v < constLike(v, 0), v * s, v);
  }));
  setInPlace(ctx, {0});
}

} // namespace kiln
