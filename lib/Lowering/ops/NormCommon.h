//===- NormCommon.h - mean/variance temporaries for normalizations -*- C++ -*-===//
// Batch, instance, layer and mean-variance normalization all need the mean
// and population variance of x over a set of dims; this emits both.
//===----------------------------------------------------------------------===//
#ifndef KILN_LOWERING_OPS_NORMCOMMON_H
#define KILN_LOWERING_OPS_NORMCOMMON_H

#include "ReduceCommon.h"

namespace kiln::nnlower {

struct MeanVar {
  Buffer mean, var; // keptShape(x, reduced), compute type
};

/// Emits mean = sum(x) / count and var = sum((x - mean)^2) / count over the
/// flagged dims (both 0 for an empty set, like the interpreter).
inline MeanVar emitMeanVar(LowerContext &ctx, const Buffer &x,
                           const std::vector<bool> &reduced, ElementType ct,
                           const std::string &prefix) {
  std::vector<int64_t> kshape = keptShape(x->shape, reduced);
  std::vector<int64_t> rshape = reducedSizes(x->shape, reduced);
  int64_t count = productOf(rshape, 0, rshape.size());
  MeanVar mv;
  mv.mean = ctx.allocate(prefix + "_mean", ct, kshape);
  mv.var = ctx.allocate(prefix + "_var", ct, kshape);
  auto xIndex = [&](const Indices &o, const Indices &r) {
    return mergeIndices(reduced, o, r, true);
  };
  auto divide = [&](Expr s, const Indices &) {
    return count ? s / fimm(ct, double(count)) : fimm(ct, 0);
  };
  loop::Reduction mr;
  mr.shape = rshape;
  mr.accType = ct;
  mr.init = fimm(ct, 0);
  mr.combine = [](Expr s, Expr v) { return s + v; };
  mr.value = [&](const Indices &o, const Indices &r) {
    return loadAs(ct, x, xIndex(o, r));
  };
  mr.finalize = divide;
  bool inner = !reduced.empty() && reduced.back();
  ctx.emit(vectorReduce(ctx, mv.mean, mr, inner));
  loop::Reduction vr = mr;
  vr.value = [&](const Indices &o, const Indices &r) {
    Expr d = loadAs(ct, x, xIndex(o, r)) - loop::load(mv.mean, o);
    return d * d;
  };
  ctx.emit(vectorReduce(ctx, mv.var, vr, inner));
  return mv;
}

} // namespace kiln::nnlower

#endif
