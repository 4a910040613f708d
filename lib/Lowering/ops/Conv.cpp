//===- Conv.cpp - lowering of Conv ----------------------------------------===//
// Direct N-d convolution: every output element reduces over its group's input
// channels and the kernel taps; taps in the padding read a clamped index and
// contribute zero.
//===----------------------------------------------------------------------===//
#include "ReduceCommon.h"

#include "kiln/IR/InferUtils.h"

namespace kiln {

using namespace nnlower;

void lowerConv(LowerContext &ctx) {
  const Buffer &x = ctx.input(0), &w = ctx.input(1);
  const Buffer &y = ctx.output(0);
  requireFloat(ctx, x, "input");
  requireFloat(ctx, w, "weight");
  size_t rank = x->rank();
  if (rank < 3 || w->rank() != rank)
    ctx.error("input rank {} and weight rank {} must be equal and >= 3", rank,
              w->rank());
  int64_t group = ctx.node.getInt("group");
  int64_t c = x->shape[1], m = w->shape[0], cg = w->shape[1];
  if (group < 1 || c != cg * group || m % group != 0)
    ctx.error("{} input channels and weight shape do not match group {}", c,
              group);
  Buffer b = ctx.hasInput(2) ? ctx.input(2) : nullptr;
  if (b && (b->rank() != 1 || b->shape[0] != m))
    ctx.error("bias must have shape [{}]", m);
  size_t sp = rank - 2;
  std::vector<int64_t> kernel(w->shape.begin() + 2, w->shape.end());
  std::vector<int64_t> inSize(x->shape.begin() + 2, x->shape.end());
  WindowParams p;
  std::vector<int64_t> pads;
  try {
    const std::vector<int64_t> &ks = ctx.node.getInts("kernel_shape");
    check(ks.empty() || ks == kernel,
          "kernel_shape does not match the weight shape");
    p = readWindowParams(ctx.node, kernel);
    pads = resolvePads(p, inSize);
    for (size_t i = 0; i < sp; ++i)
      check(convOutputSize(p, i, inSize[i]) == y->shape[2 + i],
            "output size {} of spatial dim {} differs from the geometry",
            y->shape[2 + i], i);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }

  ElementType ct = computeType(y->elem);
  int64_t mg = m / group;
  std::vector<int64_t> rshape = {cg};
  rshape.insert(rshape.end(), kernel.begin(), kernel.end());

  loop::Reduction red;
  red.shape = rshape;
  red.accType = ct;
  red.init = fimm(ct, 0);
  red.combine = [](Expr acc, Expr v) { return acc + v; };
  red.value = [&](const Indices &o, const Indices &r) {
    Expr oc = o[1];
    Expr ic = group == 1 ? r[0] : (oc / Expr(mg)) * Expr(cg) + r[0];
    Indices xi = {o[0], ic}, wi = {oc, r[0]};
    std::vector<Expr> conds;
    for (size_t d = 0; d < sp; ++d) {
      Expr pos = o[2 + d] * Expr(p.strides[d]) - Expr(pads[d]) +
                 r[1 + d] * Expr(p.dilations[d]);
      // Taps that can never leave the input need no guard.
      bool always = pads[d] == 0 &&
                    (y->shape[2 + d] - 1) * p.strides[d] +
                            (kernel[d] - 1) * p.dilations[d] <
                        inSize[d];
      if (!always) {
        conds.push_back(inRange(pos, inSize[d]));
        pos = clampIndex(pos, inSize[d]);
      }
      xi.push_back(pos);
      wi.push_back(r[1 + d]);
    }
    Expr prod = loadAs(ct, x, xi) * loadAs(ct, w, wi);
    if (conds.empty())
      return prod;
    return loop::select(allOf(conds), prod, fimm(ct, 0));
  };
  if (b)
    red.finalize = [&](Expr acc, const Indices &o) {
      return acc + loadAs(ct, b, {o[1]});
    };
  ctx.emit(loop::reduce(y, red));
}

} // namespace kiln
