//===- Reduce.cpp - ReduceSum, ReduceMean, ReduceMax, ... kernels ---------===//
// Floats reduce in double. Integers reduce exactly: sums and products wrap
// modulo 2^64 and are truncated to the element width; the results of L2,
// LogSum and LogSumExp on integers are computed in double and truncated.
//===----------------------------------------------------------------------===//
#include "NNKernelUtils.h"
#include "kiln/IR/InferUtils.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kiln {

namespace {
enum class Reduction {
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

// Where each input element goes: the output shape with reduced dims kept as
// 1, the final output shape, and the number of elements per output.
struct ReducePlan {
  std::vector<int64_t> keptShape;
  std::vector<int64_t> outShape;
  int64_t count = 1;
  bool noop = false;
};
} // namespace

static ReducePlan planReduce(const EvalContext &ctx, const Tensor &x) {
  ReducePlan plan;
  int64_t rank = int64_t(x.rank());
  std::vector<int64_t> axes;
  if (ctx.hasInput(1)) {
    const Tensor &a = ctx.input(1);
    if (!isInteger(a.elementType()) || a.rank() > 1)
      ctx.error("axes must be a 1-D integer tensor, not {}", a.type().str());
    try {
      axes = normalizeAxes(a.toIntVector(), rank);
    } catch (const Error &e) {
      ctx.error("{}", e.what());
    }
  }
  if (axes.empty()) {
    if (ctx.node.getInt("noop_with_empty_axes") != 0) {
      plan.noop = true;
      plan.keptShape = plan.outShape = x.shape();
      return plan;
    }
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  }
  bool keepdims = ctx.node.getInt("keepdims") != 0;
  for (int64_t i = 0; i < rank; ++i) {
    bool reduced = std::find(axes.begin(), axes.end(), i) != axes.end();
    plan.keptShape.push_back(reduced ? 1 : x.dim(i));
    if (reduced)
      plan.count *= x.dim(i);
    if (!reduced || keepdims)
      plan.outShape.push_back(reduced ? 1 : x.dim(i));
  }
  return plan;
}

// Float (or double-computed) reduction.
static std::vector<double> reduceDoubles(Reduction kind,
                                         const std::vector<double> &x,
                                         const std::vector<int64_t> &inShape,
                                         const ReducePlan &plan) {
  int64_t outCount = checkedNumElements(plan.keptShape);
  BroadcastIndexer toOut(plan.keptShape, inShape);
  const double inf = std::numeric_limits<double>::infinity();
  double init = 0;
  if (kind == Reduction::Prod)
    init = 1;
  else if (kind == Reduction::Max || kind == Reduction::LogSumExp)
    init = -inf;
  else if (kind == Reduction::Min)
    init = inf;
  std::vector<double> acc(size_t(outCount), init);
  // LogSumExp subtracts the maximum first for stability.
  std::vector<double> maxes;
  if (kind == Reduction::LogSumExp) {
    maxes.assign(size_t(outCount), -inf);
    for (size_t i = 0; i < x.size(); ++i) {
      double &m = maxes[size_t(toOut(int64_t(i)))];
      if (std::isnan(x[i]) || x[i] > m)
        m = std::isnan(m) ? m : x[i];
    }
    std::fill(acc.begin(), acc.end(), 0.0);
  }
  for (size_t i = 0; i < x.size(); ++i) {
    size_t o = size_t(toOut(int64_t(i)));
    double v = x[i];
    double &a = acc[o];
    switch (kind) {
    case Reduction::Sum:
    case Reduction::Mean:
    case Reduction::LogSum:
      a += v;
      break;
    case Reduction::Max:
      if (std::isnan(v) || v > a)
        a = std::isnan(a) ? a : v;
      break;
    case Reduction::Min:
      if (std::isnan(v) || v < a)
        a = std::isnan(a) ? a : v;
      break;
    case Reduction::Prod:
      a *= v;
      break;
    case Reduction::L1:
      a += std::fabs(v);
      break;
    case Reduction::L2:
    case Reduction::SumSquare:
      a += v * v;
      break;
    case Reduction::LogSumExp: {
      double m = maxes[o];
      // An all -inf (or +inf) slice must not produce inf - inf = NaN.
      a += std::isinf(m) ? (v == m ? 1.0 : 0.0) : std::exp(v - m);
      break;
    }
    }
  }
  for (size_t o = 0; o < acc.size(); ++o) {
    if (kind == Reduction::Mean)
      acc[o] /= double(plan.count);
    else if (kind == Reduction::L2)
      acc[o] = std::sqrt(acc[o]);
    else if (kind == Reduction::LogSum)
      acc[o] = std::log(acc[o]);
    else if (kind == Reduction::LogSumExp)
      acc[o] = plan.count == 0 ? -inf : maxes[o] + std::log(acc[o]);
  }
  return acc;
}

// Exact integer reduction for Sum, Mean, Max, Min, Prod, L1 and SumSquare.
template <typename T>
static Tensor reduceInts(Reduction kind, const Tensor &x,
                         const ReducePlan &plan) {
  int64_t outCount = checkedNumElements(plan.keptShape);
  BroadcastIndexer toOut(plan.keptShape, x.shape());
  const T *in = x.data<T>();
  Tensor out(x.elementType(), plan.outShape);
  T *o = out.data<T>();
  if (kind == Reduction::Max || kind == Reduction::Min) {
    std::vector<T> acc(size_t(outCount), kind == Reduction::Max
                                             ? std::numeric_limits<T>::lowest()
                                             : std::numeric_limits<T>::max());
    for (int64_t i = 0; i < x.numElements(); ++i) {
      T &a = acc[size_t(toOut(i))];
      a = kind == Reduction::Max ? std::max(a, in[i]) : std::min(a, in[i]);
    }
    std::copy(acc.begin(), acc.end(), o);
    return out;
  }
  // Unsigned arithmetic wraps instead of overflowing.
  std::vector<uint64_t> acc(size_t(outCount),
                            kind == Reduction::Prod ? 1u : 0u);
  for (int64_t i = 0; i < x.numElements(); ++i) {
    uint64_t &a = acc[size_t(toOut(i))];
    T v = in[i];
    uint64_t u = uint64_t(v);
    switch (kind) {
    case Reduction::Prod:
      a *= u;
      break;
    case Reduction::L1:
      a += (v < T(0)) ? uint64_t(0) - u : u;
      break;
    case Reduction::SumSquare:
      a += u * u;
      break;
    default:
      a += u;
      break;
    }
  }
  for (size_t i = 0; i < acc.size(); ++i) {
    if (kind == Reduction::Mean) {
      if (plan.count == 0)
        o[i] = T(0);
      else if (std::is_signed_v<T>)
        o[i] = T(int64_t(acc[i]) / plan.count);
      else
        o[i] = T(acc[i] / uint64_t(plan.count));
    } else {
      o[i] = T(acc[i]);
    }
  }
  return out;
}

static void evalReduction(EvalContext &ctx, Reduction kind) {
  const Tensor &x = ctx.input(0);
  ElementType e = x.elementType();
  if (!isFloat(e) && !isInteger(e))
    ctx.error("unsupported element type {}", toString(e));
  ReducePlan plan = planReduce(ctx, x);
  if (plan.noop) {
    ctx.outputs[0] = x;
    return;
  }
  bool exactInt = kind != Reduction::L2 && kind != Reduction::LogSum &&
                  kind != Reduction::LogSumExp;
  if (isInteger(e) && exactInt) {
    ctx.outputs[0] = visitType(e, [&](auto tag) -> Tensor {
      using T = typename decltype(tag)::type;
      if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>)
        return reduceInts<T>(kind, x, plan);
      else
        ctx.error("unsupported element type {}", toString(e));
    });
    return;
  }
  ctx.outputs[0] = fromDoubles(
      e, plan.outShape, reduceDoubles(kind, toDoubles(x), x.shape(), plan));
}

void evalReduceSum(EvalContext &ctx) { evalReduction(ctx, Reduction::Sum); }
void evalReduceMean(EvalContext &ctx) { evalReduction(ctx, Reduction::Mean); }
void evalReduceMax(EvalContext &ctx) { evalReduction(ctx, Reduction::Max); }
void evalReduceMin(EvalContext &ctx) { evalReduction(ctx, Reduction::Min); }
void evalReduceProd(EvalContext &ctx) { evalReduction(ctx, Reduction::Prod); }
void evalReduceL1(EvalContext &ctx) { evalReduction(ctx, Reduction::L1); }
void evalReduceL2(EvalContext &ctx) { evalReduction(ctx, Reduction::L2); }
void evalReduceLogSum(EvalContext &ctx) {
  evalReduction(ctx, Reduction::LogSum);
}
void evalReduceLogSumExp(EvalContext &ctx) {
  evalReduction(ctx, Reduction::LogSumExp);
}
void evalReduceSumSquare(EvalContext &ctx) {
  evalReduction(ctx, Reduction::SumSquare);
}

} // namespace kiln
