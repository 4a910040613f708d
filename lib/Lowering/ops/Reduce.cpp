//===- Reduce.cpp - lowering of the Reduce* ops ---------------------------===//
// One reduction per output element over the axes named by the constant axes
// operand (all axes when absent or empty, or a copy with
// noop_with_empty_axes). Floats reduce in the compute type; integers reduce
// exactly: sums and products wrap in the element type (the interpreter's
// 64-bit wrapping result truncated), Mean sums in 64 bits and divides, and
// L2 / LogSum / LogSumExp compute in f64 and truncate.
//===----------------------------------------------------------------------===//
#include "ReduceCommon.h"

#include "kiln/IR/InferUtils.h"

#include <limits>

namespace kiln {

using namespace nnlower;

namespace {
enum class RKind {
  Sum,
  Mean,
  Max,
  Min,
  Prod,
  L1,
  L2,
  LogSum,
  LogSumExp,
  SumSquare
};

Expr immOf(ElementType t, double v) {
  return loop::makeConst(loop::DType(t), v);
}

void lowerReduction(LowerContext &ctx, RKind kind) {
  const Buffer &x = ctx.input(0);
  const Buffer &y = ctx.output(0);
  ElementType e = x->elem;
  if (e == ElementType::Bool || (!isFloat(e) && !isInteger(e)))
    ctx.error("unsupported element type {}", toString(e));
  int64_t rank = int64_t(x->rank());
  std::vector<int64_t> axes;
  if (ctx.hasInput(1)) {
    const Tensor &a = ctx.requireConstant(1, "axes");
    if (!isInteger(a.elementType()) || a.rank() > 1)
      ctx.error("axes must be a 1-D integer tensor");
    try {
      axes = normalizeAxes(a.toIntVector(), rank);
    } catch (const Error &err) {
      ctx.error("{}", err.what());
    }
  }
  if (axes.empty()) {
    if (ctx.node.getInt("noop_with_empty_axes") != 0) {
      ctx.emit(loop::compute(
          y, [&](const Indices &i) { return loop::load(x, i); }));
      return;
    }
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  }
  bool keepdims = ctx.node.getInt("keepdims") != 0;
  std::vector<bool> reduced(size_t(rank), false);
  for (int64_t a : axes)
    reduced[size_t(a)] = true;
  std::vector<int64_t> rshape = reducedSizes(x->shape, reduced);
  int64_t count = productOf(rshape, 0, rshape.size());
  auto xIndex = [&](const Indices &o, const Indices &r) {
    return mergeIndices(reduced, o, r, keepdims);
  };
  bool innerContiguous = !reduced.empty() && reduced.back();

  bool exactInt = isInteger(e) && kind != RKind::L2 &&
                  kind != RKind::LogSum && kind != RKind::LogSumExp;
  ElementType acc;
  if (!exactInt)
    acc = isFloat(e) ? computeType(e) : ElementType::F64;
  else if (kind == RKind::Mean)
    acc = isSigned(e) ? ElementType::I64 : ElementType::U64;
  else
    acc = e;

  // LogSumExp subtracts each slice's maximum first.
  Buffer maxes;
  if (kind == RKind::LogSumExp) {
    maxes = ctx.allocate("lse_max", acc, y->shape);
    loop::Reduction mr;
    mr.shape = rshape;
    mr.accType = acc;
    mr.init = loop::lowestValue(acc);
    mr.combine = [](Expr s, Expr v) { return loop::max(s, v); };
    mr.value = [&](const Indices &o, const Indices &r) {
      return loadAs(acc, x, xIndex(o, r));
    };
    ctx.emit(vectorReduce(ctx, maxes, mr, innerContiguous));
  }

  loop::Reduction red;
  red.shape = rshape;
  red.accType = acc;
  switch (kind) {
  case RKind::Prod:
    red.init = immOf(acc, 1);
    break;
  case RKind::Max:
    red.init = loop::lowestValue(acc);
    break;
  case RKind::Min:
    red.init = loop::highestValue(acc);
    break;
  default:
    red.init = immOf(acc, 0);
    break;
  }
  red.combine = [&](Expr s, Expr v) {
    switch (kind) {
    case RKind::Max:
      return loop::max(s, v);
    case RKind::Min:
      return loop::min(s, v);
    case RKind::Prod:
      return s * v;
    default:
      return s + v;
    }
  };
  red.value = [&](const Indices &o, const Indices &r) {
    Expr v = loadAs(acc, x, xIndex(o, r));
    switch (kind) {
    case RKind::L1:
      return isFloat(acc) ? loop::mathCall("fabs", v)
                          : loop::select(v < immOf(acc, 0), -v, v);
    case RKind::L2:
    case RKind::SumSquare:
      return v * v;
    case RKind::LogSumExp: {
      Expr m = loop::load(maxes, o);
      // An all -inf (or +inf) slice must not produce inf - inf = NaN.
      return loop::select(
          loop::mathCall("isinf", m),
          loop::select(v == m, immOf(acc, 1), immOf(acc, 0)),
          loop::mathCall("exp", v - m));
    }
    default:
      return v;
    }
  };
  red.finalize = [&](Expr s, const Indices &o) -> Expr {
    switch (kind) {
    case RKind::Mean:
      if (!isFloat(acc) && count == 0)
        return immOf(acc, 0);
      return s / immOf(acc, double(count));
    case RKind::L2:
      return loop::mathCall("sqrt", s);
    case RKind::LogSum:
      return loop::mathCall("log", s);
    case RKind::LogSumExp:
      if (count == 0)
        return immOf(acc, -std::numeric_limits<double>::infinity());
      return loop::load(maxes, o) + loop::mathCall("log", s);
    default:
      return s;
    }
  };
  ctx.emit(vectorReduce(ctx, y, red, innerContiguous));
}
} // namespace

void lowerReduceSum(LowerContext &ctx) { lowerReduction(ctx, RKind::Sum); }
void lowerReduceMean(LowerContext &ctx) { lowerReduction(ctx, RKind::Mean); }
void lowerReduceMax(LowerContext &ctx) { lowerReduction(ctx, RKind::Max); }
void lowerReduceMin(LowerContext &ctx) { lowerReduction(ctx, RKind::Min); }
void lowerReduceProd(LowerContext &ctx) { lowerReduction(ctx, RKind::Prod); }
void lowerReduceL1(LowerContext &ctx) { lowerReduction(ctx, RKind::L1); }
void lowerReduceL2(LowerContext &ctx) { lowerReduction(ctx, RKind::L2); }
void lowerReduceLogSum(LowerContext &ctx) {
  lowerReduction(ctx, RKind::LogSum);
}
void lowerReduceLogSumExp(LowerContext &ctx) {
  lowerReduction(ctx, RKind::LogSumExp);
}
void lowerReduceSumSquare(LowerContext &ctx) {
  lowerReduction(ctx, RKind::SumSquare);
}

} // namespace kiln
