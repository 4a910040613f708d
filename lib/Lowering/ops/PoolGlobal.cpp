//===- PoolGlobal.cpp - lowering of GlobalAverage/Max/LpPool --------------===//
// Reductions over all spatial dims of [N, C, spatial...] into [N, C, 1...].
//===----------------------------------------------------------------------===//
#include "ReduceCommon.h"

namespace kiln {

using namespace nnlower;

namespace {
enum class GlobalKind { Average, Max, Lp };

void lowerGlobalPool(LowerContext &ctx, GlobalKind kind) {
  const Buffer &x = ctx.input(0);
  const Buffer &y = ctx.output(0);
  requireFloat(ctx, x, "input");
  if (x->rank() < 3)
    ctx.error("input must have rank >= 3");
  double p = kind == GlobalKind::Lp ? double(ctx.node.getInt("p")) : 1.0;
  if (p <= 0)
    ctx.error("p = {} must be positive", p);
  std::vector<int64_t> spatial(x->shape.begin() + 2, x->shape.end());
  int64_t count = productOf(spatial, 0, spatial.size());
  if (count == 0)
    ctx.error("cannot pool an empty spatial extent");
  ElementType ct = computeType(y->elem);
  loop::Reduction red;
  red.shape = spatial;
  red.accType = ct;
  red.init = kind == GlobalKind::Max ? loop::lowestValue(ct) : fimm(ct, 0);
  red.combine = [&](Expr s, Expr v) {
    return kind == GlobalKind::Max ? loop::max(s, v) : s + v;
  };
  red.value = [&](const Indices &o, const Indices &r) {
    Indices xi = {o[0], o[1]};
    xi.insert(xi.end(), r.begin(), r.end());
    Expr v = loadAs(ct, x, xi);
    if (kind == GlobalKind::Lp)
      v = p == 2 ? v * v
                 : loop::mathCall("pow", loop::mathCall("fabs", v),
                                  fimm(ct, p));
    return v;
  };
  red.finalize = [&](Expr s, const Indices &) {
    if (kind == GlobalKind::Average)
      return s / fimm(ct, double(count));
    if (kind == GlobalKind::Lp)
      return p == 2 ? loop::mathCall("sqrt", s)
                    : loop::mathCall("pow", s, fimm(ct, 1.0 / p));
    return s;
  };
  ctx.emit(vectorReduce(ctx, y, red, true));
}
} // namespace

void lowerGlobalAveragePool(LowerContext &ctx) {
  lowerGlobalPool(ctx, GlobalKind::Average);
}
void lowerGlobalMaxPool(LowerContext &ctx) {
  lowerGlobalPool(ctx, GlobalKind::Max);
}
void lowerGlobalLpPool(LowerContext &ctx) {
  lowerGlobalPool(ctx, GlobalKind::Lp);
}

} // namespace kiln
