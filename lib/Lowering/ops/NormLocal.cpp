//===- NormLocal.cpp - lowering of LpNormalization and LRN ----------------===//
#include "ReduceCommon.h"

#include "kiln/IR/InferContext.h"

#include <algorithm>

namespace kiln {

using namespace nnlower;

// x / ||x||_p along one axis; a zero vector stays zero.
void lowerLpNormalization(LowerContext &ctx) {
  const Buffer &x = ctx.input(0);
  const Buffer &y = ctx.output(0);
  requireFloat(ctx, x, "input");
  int64_t rank = int64_t(x->rank());
  int64_t p = ctx.node.getInt("p");
  if (p != 1 && p != 2)
    ctx.error("p = {} must be 1 or 2", p);
  ElementType ct = computeType(y->elem);
  if (rank == 0) {
    ctx.emit(loop::compute(y, [&](const Indices &i) {
      Expr v = loadAs(ct, x, i);
      Expr n = p == 1 ? loop::mathCall("fabs", v)
                      : loop::mathCall("sqrt", v * v);
      return loop::select(n == fimm(ct, 0), fimm(ct, 0), v / n);
    }));
    return;
  }
  int64_t axis;
  try {
    axis = normalizeAxis(ctx.node.getInt("axis"), rank);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  std::vector<bool> reduced(size_t(rank), false);
  reduced[size_t(axis)] = true;
  Buffer norms = ctx.allocate("lp_norm", ct, keptShape(x->shape, reduced));
  loop::Reduction red;
  red.shape = {x->shape[size_t(axis)]};
  red.accType = ct;
  red.init = fimm(ct, 0);
  red.combine = [](Expr s, Expr v) { return s + v; };
  red.value = [&](const Indices &o, const Indices &r) {
    Indices i = o;
    i[size_t(axis)] = r[0];
    Expr v = loadAs(ct, x, i);
    return p == 1 ? loop::mathCall("fabs", v) : v * v;
  };
  if (p == 2)
    red.finalize = [](Expr s, const Indices &) {
      return loop::mathCall("sqrt", s);
    };
  ctx.emit(loop::reduce(norms, red));
  ctx.emit(loop::compute(y, [&](const Indices &i) {
    Expr n = loop::load(norms, keptIndex(i, reduced));
    return loop::select(n == fimm(ct, 0), fimm(ct, 0), loadAs(ct, x, i) / n);
  }));
}

// y = x / (bias + alpha / size * sum of x^2 over neighbouring channels)^beta
void lowerLRN(LowerContext &ctx) {
  const Buffer &x = ctx.input(0);
  const Buffer &y = ctx.output(0);
  requireFloat(ctx, x, "input");
  if (x->rank() < 3)
    ctx.error("input must have rank >= 3");
  int64_t size = ctx.node.getInt("size");
  if (size < 1)
    ctx.error("size = {} must be positive", size);
  double alpha = ctx.node.getFloat("alpha"), beta = ctx.node.getFloat("beta");
  double bias = ctx.node.getFloat("bias");
  int64_t c = x->shape[1];
  int64_t before = (size - 1) / 2;
  ElementType ct = computeType(y->elem);
  loop::Reduction red;
  red.shape = {size};
  red.accType = ct;
  red.init = fimm(ct, 0);
  red.combine = [](Expr s, Expr v) { return s + v; };
  red.value = [&](const Indices &o, const Indices &r) {
    Expr j = o[1] - Expr(before) + r[0];
    Indices i = o;
    i[1] = clampIndex(j, c);
    Expr v = loadAs(ct, x, i);
    return loop::select(inRange(j, c), v * v, fimm(ct, 0));
  };
  red.finalize = [&](Expr sq, const Indices &o) {
    Expr base = fimm(ct, bias) + fimm(ct, alpha / double(size)) * sq;
    return loadAs(ct, x, o) / loop::mathCall("pow", base, fimm(ct, beta));
  };
  ctx.emit(loop::reduce(y, red));
}

} // namespace kiln
