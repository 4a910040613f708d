//===- Loss.cpp - NegativeLogLikelihoodLoss, SoftmaxCrossEntropyLoss ------===//
// input [N, C, d...] is viewed as [N, C, D] and target [N, d...] as [N, D].
// Each element's loss is -logProb[n, target, d] * weight[target] (zero for
// ignore_index); "mean" divides by the counted weight. Everything computes in
// f64 like the interpreter. Out-of-range classes (an interpreter error) are
// clamped so that no load leaves its buffer.
//===----------------------------------------------------------------------===//
#include "ElementwiseUtils.h"

#include <cmath>
#include <optional>

namespace kiln {

using namespace loop;
using namespace lower;

namespace {
const ElementType F64 = ElementType::F64;

Expr f64(double v) { return floatImm(DType(F64), v); }

void checkShapes(const LowerContext &ctx, int64_t &n, int64_t &c,
                 int64_t &d) {
  const Buffer &x = ctx.input(0);
  if (x->rank() < 2)
    ctx.error("input must have rank 2 or more, not {}", x->rank());
  n = x->shape[0];
  c = x->shape[1];
  d = 1;
  for (size_t i = 2; i < x->rank(); ++i)
    d *= x->shape[i];
  std::vector<int64_t> targetShape = x->shape;
  targetShape.erase(targetShape.begin() + 1);
  if (ctx.input(1)->shape != targetShape)
    ctx.error("target does not have the input's shape without axis 1");
  if (!isInteger(ctx.input(1)->elem))
    ctx.error("target must have an integer element type");
  if (ctx.hasInput(2) && ctx.input(2)->shape != std::vector<int64_t>{c})
    ctx.error("weight must have shape [{}]", c);
}

// The loss of every (n, d) from log-probabilities `logProb` [N, C, D].
void lowerNll(LowerContext &ctx, const Buffer &logProb, int64_t n, int64_t c,
              int64_t d) {
  Buffer target = reshapeView(ctx.input(1), {n, d});
  std::optional<int64_t> ignore;
  if (ctx.node.findAttr("ignore_index"))
    ignore = ctx.node.getInt("ignore_index");
  bool weighted = ctx.hasInput(2);
  const std::string &reduction = ctx.node.getString("reduction");
  if (reduction != "none" && reduction != "sum" && reduction != "mean")
    ctx.error("unknown reduction '{}'", reduction);

  auto ignored = [&](Expr cls) -> Expr {
    return ignore ? cls == Expr(*ignore) : boolImm(false);
  };
  auto weightOf = [&](Expr cls) -> Expr {
    return weighted ? cast(F64, load(ctx.input(2), {cls})) : f64(1);
  };
  // (class clamped into range, loss, weight) of element (i, j).
  auto element = [&](Expr i, Expr j, Expr &loss, Expr &weight) {
    Expr cls = cast(ElementType::I64, load(target, {i, j}));
    Expr skip = ignored(cls);
    Expr safe = max(Expr(0), min(cls, Expr(c - 1)));
    Expr w = weightOf(safe);
    Expr lp = cast(F64, load(logProb, {i, safe, j}));
    loss = select(skip, f64(0), -lp * w);
    weight = select(skip, f64(0), w);
  };

  const Buffer &out = ctx.output(0);
  if (reduction == "none") {
    Buffer outView = reshapeView(out, {n, d});
    ctx.emit(compute(outView, [&](const Indices &idx) {
      Expr loss, weight;
      element(idx[0], idx[1], loss, weight);
      return loss;
    }));
    return;
  }
  Buffer sumLoss = ctx.allocate("loss_sum", F64, {}, MemoryScope::Stack);
  Buffer sumWeight = ctx.allocate("loss_weight", F64, {}, MemoryScope::Stack);
  for (int k = 0; k < 2; ++k) {
    Reduction r;
    r.shape = {n, d};
    r.accType = F64;
    r.init = f64(0);
    r.combine = [](Expr acc, Expr v) { return acc + v; };
    r.value = [&, k](const Indices &, const Indices &ri) {
      Expr loss, weight;
      element(ri[0], ri[1], loss, weight);
      return k == 0 ? loss : weight;
    };
    ctx.emit(reduce(k == 0 ? sumLoss : sumWeight, r));
  }
  Expr result = load(sumLoss, {});
  if (reduction == "mean") {
    // Without weights or ignore_index every element counts once.
    Expr denom = weighted || ignore ? load(sumWeight, {}) : f64(double(n * d));
    result = result / denom;
  }
  ctx.emit(makeStore(out, {}, cast(out->elem, result)));
}
} // namespace

void lowerNegativeLogLikelihoodLoss(LowerContext &ctx) {
  int64_t n, c, d;
  checkShapes(ctx, n, c, d);
  lowerNll(ctx, reshapeView(ctx.input(0), {n, c, d}), n, c, d);
}

// Log-softmax over C in f64 into log_prob (or a temporary), then NLL.
void lowerSoftmaxCrossEntropyLoss(LowerContext &ctx) {
  int64_t n, c, d;
  checkShapes(ctx, n, c, d);
  Buffer x = reshapeView(ctx.input(0), {n, c, d});
  Buffer logProb = ctx.allocate("log_prob", F64, {n, c, d});
  Buffer mx = ctx.allocate("sce_max", F64, {n, d});
  Buffer sum = ctx.allocate("sce_sum", F64, {n, d});
  Reduction rmax;
  rmax.shape = {c};
  rmax.accType = F64;
  rmax.init = f64(-INFINITY);
  rmax.combine = [](Expr acc, Expr v) { return stdMax(acc, v); };
  rmax.value = [&](const Indices &o, const Indices &r) {
    return cast(F64, load(x, {o[0], r[0], o[1]}));
  };
  ctx.emit(reduce(mx, rmax));
  Reduction rsum = rmax;
  rsum.init = f64(0);
  rsum.combine = [](Expr acc, Expr v) { return acc + v; };
  rsum.value = [&](const Indices &o, const Indices &r) {
    Expr v = cast(F64, load(x, {o[0], r[0], o[1]}));
    return mathCall("exp", v - load(mx, o));
  };
  ctx.emit(reduce(sum, rsum));
  ctx.emit(compute(logProb, [&](const Indices &i) {
    Expr v = cast(F64, load(x, i));
    Indices nd{i[0], i[2]};
    return v - load(mx, nd) - mathCall("log", load(sum, nd));
  }));
  lowerNll(ctx, logProb, n, c, d);
  if (ctx.hasOutput(1)) {
    Buffer lpOut = reshapeView(ctx.output(1), {n, c, d});
    ctx.emit(compute(lpOut, [&](const Indices &i) { return load(logProb, i); }));
  }
}

} // namespace kiln
