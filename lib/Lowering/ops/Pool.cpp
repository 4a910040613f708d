//===- Pool.cpp - lowering of AveragePool, LpPool and MaxPool -------------===//
// N-d sliding windows with strides, dilations, pads, auto_pad and ceil_mode.
// Taps outside the input are skipped through a guarded, clamped load;
// AveragePool divides by a closed-form count of the taps inside the input
// (or inside the padded extent with count_include_pad). MaxPool keeps the
// first maximum, like the interpreter, and can return its flat index.
//===----------------------------------------------------------------------===//
#include "ReduceCommon.h"

#include "kiln/IR/InferUtils.h"

namespace kiln {

using namespace nnlower;

namespace {
struct PoolPlan {
  WindowParams p;
  std::vector<int64_t> inSize, pads;
  size_t sp = 0;
};

PoolPlan planPool(const LowerContext &ctx, const Buffer &x, const Buffer &y) {
  if (x->rank() < 3)
    ctx.error("input must have rank >= 3");
  PoolPlan plan;
  plan.sp = x->rank() - 2;
  plan.inSize.assign(x->shape.begin() + 2, x->shape.end());
  try {
    const std::vector<int64_t> &kernel = ctx.node.getInts("kernel_shape");
    check(kernel.size() == plan.sp, "kernel_shape must have {} values",
          plan.sp);
    plan.p = readWindowParams(ctx.node, kernel);
    plan.pads = resolvePads(plan.p, plan.inSize);
    for (size_t i = 0; i < plan.sp; ++i)
      check(convOutputSize(plan.p, i, plan.inSize[i]) == y->shape[2 + i],
            "output size of spatial dim {} differs from the geometry", i);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  return plan;
}

// Input position of tap k in spatial dim d for output position o.
Expr tapPos(const PoolPlan &plan, size_t d, const Expr &o, const Expr &k) {
  return o * Expr(plan.p.strides[d]) - Expr(plan.pads[d]) +
         k * Expr(plan.p.dilations[d]);
}

// Number of taps k in [0, K) of dim d whose position lies in [lo, hi).
Expr tapCount(const PoolPlan &plan, size_t d, const Expr &o, int64_t lo,
              int64_t hi) {
  int64_t dil = plan.p.dilations[d];
  Expr base = o * Expr(plan.p.strides[d]) - Expr(plan.pads[d]);
  Expr kmin = loop::max(ceilDiv(Expr(lo) - base, dil), Expr(0));
  Expr kmax = loop::min(ceilDiv(Expr(hi) - base, dil), Expr(plan.p.kernel[d]));
  return loop::max(kmax - kmin, Expr(0));
}

enum class PoolKind { Average, Lp, Max };

/// A trailing spatial dim with a 1-wide window, stride and dilation 1 and no
/// padding: the channel lanes of an NCHW<b>c tensor pooled as [H, W, b].
bool hasLaneDim(const PoolPlan &plan, const Buffer &y) {
  size_t d = plan.sp - 1;
  return plan.sp >= 2 && y->shape.back() * 8 <= 16384 && plan.p.kernel[d] == 1 && plan.p.strides[d] == 1 &&
         plan.p.dilations[d] == 1 && plan.pads[d] == 0 &&
         plan.pads[d + plan.sp] == 0;
}

/// First tap index of dim d inside the input, and the number of such taps.
std::pair<Expr, Expr> tapRange(const PoolPlan &plan, size_t d,
                               const Expr &o) {
  int64_t dil = plan.p.dilations[d];
  Expr base = o * Expr(plan.p.strides[d]) - Expr(plan.pads[d]);
  Expr kmin = loop::max(ceilDiv(Expr(0) - base, dil), Expr(0));
  Expr kmax = loop::min(ceilDiv(Expr(plan.inSize[d]) - base, dil),
                        Expr(plan.p.kernel[d]));
  return {kmin, loop::max(kmax - kmin, Expr(0))};
}

/// Average, Lp and (index-free) Max pooling: per output position, loops over
/// only the taps inside the input (no per-tap test), accumulating into a
/// Stack row over the lane dim so each tap is one vector operation in the
/// blocked layout. Max starts from the first tap inside the input and keeps
/// the first maximum (a NaN there wins, later NaNs lose), like the
/// interpreter.
void lowerWindowPool(LowerContext &ctx, PoolKind kind) {
  const Buffer &x = ctx.input(0);
  const Buffer &y = ctx.output(0);
  PoolPlan plan = planPool(ctx, x, y);
  size_t sp = plan.sp;
  bool includePad =
      kind == PoolKind::Average && ctx.node.getInt("count_include_pad") != 0;
  double pNorm = kind == PoolKind::Lp ? double(ctx.node.getInt("p")) : 2.0;
  if (pNorm <= 0)
    ctx.error("p = {} must be positive", pNorm);
  ElementType e = x->elem;
  ElementType ct = isFloat(e) ? computeType(e) : e;
  bool lane = hasLaneDim(plan, y);
  size_t winDims = lane ? sp - 1 : sp;
  int64_t lanes = lane ? y->shape.back() : 1;
  std::vector<int64_t> outer = y->shape;
  if (lane)
    outer.pop_back();

  ctx.emit(loop::loopNest(outer, [&](const Indices &oo) {
    Buffer acc = loop::makeBuffer(y->name + "_win", ct, {lanes},
                                  loop::MemoryScope::Stack);
    std::vector<std::pair<Expr, Expr>> ranges;
    for (size_t d = 0; d < winDims; ++d)
      ranges.push_back(tapRange(plan, d, oo[2 + d]));
    auto laneLoop = [&](const std::function<Stmt(const Expr &)> &body) {
      loop::Var l("l");
      return loop::makeFor(l, Expr(0), Expr(lanes), loop::ForKind::Serial,
                           body(l));
    };
    // x index of the taps k (window dims) at lane l.
    auto xIndex = [&](const Indices &k, const Expr &l) {
      Indices xi = {oo[0], oo[1]};
      for (size_t d = 0; d < winDims; ++d)
        xi.push_back(oo[2 + d] * Expr(plan.p.strides[d]) -
                     Expr(plan.pads[d]) + k[d] * Expr(plan.p.dilations[d]));
      if (lane)
        xi.push_back(l);
      return xi;
    };
    auto tapValue = [&](const Expr &v) {
      if (kind != PoolKind::Lp)
        return v;
      if (pNorm == 1)
        return loop::mathCall("fabs", v);
      if (pNorm == 2)
        return v * v;
      return loop::mathCall("pow", loop::mathCall("fabs", v), fimm(ct, pNorm));
    };

    Stmt init = laneLoop([&](const Expr &l) {
      if (kind != PoolKind::Max)
        return loop::makeStore(acc, {l}, fimm(ct, 0));
      // The first tap inside the input (clamped: an all-padding window,
      // which the interpreter rejects, must still load inside x).
      Indices k;
      for (size_t d = 0; d < winDims; ++d)
        k.push_back(ranges[d].first);
      Indices xi = xIndex(k, l);
      for (size_t d = 0; d < winDims; ++d)
        xi[2 + d] = clampIndex(xi[2 + d], plan.inSize[d]);
      return loop::makeStore(acc, {l}, loadAs(ct, x, xi));
    });

    // Tap loops over [kmin, kmin + count) of each window dim.
    std::function<Stmt(size_t, Indices &)> taps = [&](size_t d,
                                                      Indices &k) -> Stmt {
      if (d == winDims)
        return laneLoop([&](const Expr &l) {
          Expr v = tapValue(loadAs(ct, x, xIndex(k, l)));
          Expr a = loop::load(acc, {l});
          Expr next = kind == PoolKind::Max ? loop::select(v > a, v, a)
                                            : a + v;
          return loop::makeStore(acc, {l}, next);
        });
      loop::Var kv("k" + std::to_string(d));
      k.push_back(kv);
      Stmt inner = taps(d + 1, k);
      k.pop_back();
      return loop::makeFor(kv, ranges[d].first, ranges[d].second,
                           loop::ForKind::Serial, inner);
    };
    Indices k;
    Stmt scan = taps(0, k);

    Stmt fin = laneLoop([&](const Expr &l) {
      Indices o = oo;
      if (lane)
        o.push_back(l);
      Expr s = loop::load(acc, {l});
      if (kind == PoolKind::Lp) {
        s = pNorm == 1   ? s
            : pNorm == 2 ? loop::mathCall("sqrt", s)
                         : loop::mathCall("pow", s, fimm(ct, 1.0 / pNorm));
      } else if (kind == PoolKind::Average) {
        Expr count;
        for (size_t d = 0; d < winDims; ++d) {
          int64_t lo = includePad ? -plan.pads[d] : 0;
          int64_t hi = includePad ? plan.inSize[d] + plan.pads[d + sp]
                                  : plan.inSize[d];
          Expr cd = tapCount(plan, d, oo[2 + d], lo, hi);
          count = count ? count * cd : cd;
        }
        if (count)
          s = s / loop::cast(ct, count);
      }
      return loop::makeStore(y, o, loop::cast(e, s));
    });
    return loop::makeAllocate(acc, loop::makeSeq({init, scan, fin}));
  }));
}

void lowerFloatPool(LowerContext &ctx, PoolKind kind) {
  requireFloat(ctx, ctx.input(0), "input");
  lowerWindowPool(ctx, kind);
}
} // namespace

void lowerAveragePool(LowerContext &ctx) {
  lowerFloatPool(ctx, PoolKind::Average);
}
void lowerLpPool(LowerContext &ctx) { lowerFloatPool(ctx, PoolKind::Lp); }

void lowerMaxPool(LowerContext &ctx) {
  const Buffer &x = ctx.input(0);
  const Buffer &y = ctx.output(0);
  ElementType e = x->elem;
  if (!isFloat(e) && e != ElementType::I8 && e != ElementType::U8)
    ctx.error("unsupported element type {}", toString(e));
  PoolPlan plan = planPool(ctx, x, y);
  size_t sp = plan.sp;
  bool colMajor = ctx.node.getInt("storage_order") != 0;
  Buffer yi = ctx.hasOutput(1) ? ctx.output(1) : nullptr;
  if (yi && yi->elem != ElementType::I64)
    ctx.error("Indices must be i64, not {}", toString(yi->elem));
  if (!yi) {
    lowerWindowPool(ctx, PoolKind::Max);
    return;
  }
  ElementType ct = isFloat(e) ? computeType(e) : e;
  int64_t inSpatial = productOf(plan.inSize, 0, sp);
  // Strides of the flat spatial index (row- or column-major).
  std::vector<int64_t> flatStrides(sp, 1);
  if (colMajor)
    for (size_t d = 1; d < sp; ++d)
      flatStrides[d] = flatStrides[d - 1] * plan.inSize[d - 1];
  else
    for (size_t d = sp - 1; d-- > 0;)
      flatStrides[d] = flatStrides[d + 1] * plan.inSize[d + 1];

  ctx.emit(loop::loopNest(y->shape, [&](const Indices &o) {
    Buffer best = loop::makeBuffer("best", ct, {1}, loop::MemoryScope::Stack);
    Buffer bestAt = loop::makeBuffer("best_at", ElementType::I64, {1},
                                     loop::MemoryScope::Stack);
    Indices z = {Expr(0)};
    Stmt scan = loop::loopNest(
        plan.p.kernel,
        [&](const Indices &k) {
          Indices xi = {o[0], o[1]};
          std::vector<Expr> conds;
          Expr flat = Expr(0);
          for (size_t d = 0; d < sp; ++d) {
            Expr pos = tapPos(plan, d, o[2 + d], k[d]);
            conds.push_back(inRange(pos, plan.inSize[d]));
            Expr cp = clampIndex(pos, plan.inSize[d]);
            xi.push_back(cp);
            flat = flat + cp * Expr(flatStrides[d]);
          }
          Expr v = loadAs(ct, x, xi);
          Expr better = loop::logicalOr(loop::load(bestAt, z) < Expr(0),
                                        v > loop::load(best, z));
          return loop::makeIf(
              loop::logicalAnd(allOf(conds), better),
              loop::makeSeq({loop::makeStore(best, z, v),
                             loop::makeStore(bestAt, z, flat)}));
        },
        "k");
    std::vector<Stmt> body = {
        loop::makeStore(best, z, loop::lowestValue(ct)),
        loop::makeStore(bestAt, z, Expr(-1)), scan,
        loop::makeStore(y, o, loop::cast(e, loop::load(best, z)))};
    if (yi) {
      Expr plane = o[0] * Expr(x->shape[1]) + o[1];
      body.push_back(loop::makeStore(
          yi, o,
          plane * Expr(inSpatial) + loop::max(loop::load(bestAt, z), Expr(0))));
    }
    return loop::makeAllocate(best,
                              loop::makeAllocate(bestAt, loop::makeSeq(body)));
  }));
}

} // namespace kiln
