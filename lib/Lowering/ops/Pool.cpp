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

enum class PoolKind { Average, Lp };

void lowerFloatPool(LowerContext &ctx, PoolKind kind) {
  const Buffer &x = ctx.input(0);
  const Buffer &y = ctx.output(0);
  requireFloat(ctx, x, "input");
  PoolPlan plan = planPool(ctx, x, y);
  bool includePad =
      kind == PoolKind::Average && ctx.node.getInt("count_include_pad") != 0;
  double pNorm = kind == PoolKind::Lp ? double(ctx.node.getInt("p")) : 2.0;
  if (pNorm <= 0)
    ctx.error("p = {} must be positive", pNorm);
  ElementType ct = computeType(y->elem);
  size_t sp = plan.sp;

  loop::Reduction red;
  red.shape = plan.p.kernel;
  red.accType = ct;
  red.init = fimm(ct, 0);
  red.combine = [](Expr s, Expr v) { return s + v; };
  red.value = [&](const Indices &o, const Indices &r) {
    Indices xi = {o[0], o[1]};
    std::vector<Expr> conds;
    for (size_t d = 0; d < sp; ++d) {
      Expr pos = tapPos(plan, d, o[2 + d], r[d]);
      conds.push_back(inRange(pos, plan.inSize[d]));
      xi.push_back(clampIndex(pos, plan.inSize[d]));
    }
    Expr v = loadAs(ct, x, xi);
    if (kind == PoolKind::Lp) {
      if (pNorm == 1)
        v = loop::mathCall("fabs", v);
      else if (pNorm == 2)
        v = v * v;
      else
        v = loop::mathCall("pow", loop::mathCall("fabs", v), fimm(ct, pNorm));
    }
    return loop::select(allOf(conds), v, fimm(ct, 0));
  };
  red.finalize = [&](Expr s, const Indices &o) {
    if (kind == PoolKind::Lp)
      return pNorm == 1 ? s
             : pNorm == 2
                 ? loop::mathCall("sqrt", s)
                 : loop::mathCall("pow", s, fimm(ct, 1.0 / pNorm));
    Expr count;
    for (size_t d = 0; d < sp; ++d) {
      int64_t lo = includePad ? -plan.pads[d] : 0;
      int64_t hi = includePad ? plan.inSize[d] + plan.pads[d + sp]
                              : plan.inSize[d];
      Expr cd = tapCount(plan, d, o[2 + d], lo, hi);
      count = count ? count * cd : cd;
    }
    return s / loop::cast(ct, count);
  };
  ctx.emit(loop::reduce(y, red));
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
