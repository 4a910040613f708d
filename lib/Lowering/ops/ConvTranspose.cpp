//===- ConvTranspose.cpp - lowering of ConvTranspose ----------------------===//
// Gather form of the transposed convolution: output position o receives
// x[i] * w[k] for every tap with i * stride + k * dilation - pad == o, i.e.
// where (o + pad - k * dilation) is a multiple of the stride whose quotient
// lies inside the input.
//===----------------------------------------------------------------------===//
#include "ReduceCommon.h"

#include "kiln/IR/InferUtils.h"

namespace kiln {

using namespace nnlower;

void lowerConvTranspose(LowerContext &ctx) {
  const Buffer &x = ctx.input(0), &w = ctx.input(1);
  const Buffer &y = ctx.output(0);
  requireFloat(ctx, x, "input");
  requireFloat(ctx, w, "weight");
  size_t rank = x->rank();
  if (rank < 3 || w->rank() != rank)
    ctx.error("input rank {} and weight rank {} must be equal and >= 3", rank,
              w->rank());
  int64_t group = ctx.node.getInt("group");
  int64_t c = x->shape[1], mg = w->shape[1];
  if (group < 1 || w->shape[0] != c || c % group != 0)
    ctx.error("{} input channels and weight shape do not match group {}", c,
              group);
  int64_t m = mg * group, cg = c / group;
  Buffer b = ctx.hasInput(2) ? ctx.input(2) : nullptr;
  if (b && (b->rank() != 1 || b->shape[0] != m))
    ctx.error("bias must have shape [{}]", m);
  size_t sp = rank - 2;
  std::vector<int64_t> kernel(w->shape.begin() + 2, w->shape.end());
  std::vector<int64_t> inSize(x->shape.begin() + 2, x->shape.end());
  WindowParams p;
  ConvTransposeGeometry geo;
  try {
    const std::vector<int64_t> &ks = ctx.node.getInts("kernel_shape");
    check(ks.empty() || ks == kernel,
          "kernel_shape does not match the weight shape");
    p = readWindowParams(ctx.node, kernel);
    geo = convTransposeGeometry(p, inSize, ctx.node.getInts("output_padding"),
                                ctx.node.getInts("output_shape"));
    for (size_t i = 0; i < sp; ++i)
      check(geo.outSizes[i] == y->shape[2 + i],
            "output size {} of spatial dim {} differs from the geometry",
            y->shape[2 + i], i);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  if (y->shape[1] != m)
    ctx.error("output has {} channels, expected {}", y->shape[1], m);

  ElementType ct = computeType(y->elem);
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
    Expr ocg = group == 1 ? oc : oc % Expr(mg);
    Indices xi = {o[0], ic}, wi = {ic, ocg};
    std::vector<Expr> conds;
    for (size_t d = 0; d < sp; ++d) {
      Expr num = o[2 + d] + Expr(geo.pads[d]) - r[1 + d] * Expr(p.dilations[d]);
      Expr q = num;
      if (p.strides[d] != 1) {
        conds.push_back(loop::floorMod(num, Expr(p.strides[d])) == Expr(0));
        q = loop::floorDiv(num, Expr(p.strides[d]));
      }
      conds.push_back(inRange(q, inSize[d]));
      xi.push_back(clampIndex(q, inSize[d]));
      wi.push_back(r[1 + d]);
    }
    Expr prod = loadAs(ct, x, xi) * loadAs(ct, w, wi);
    return loop::select(allOf(conds), prod, fimm(ct, 0));
  };
  if (b)
    red.finalize = [&](Expr acc, const Indices &o) {
      return acc + loadAs(ct, b, {o[1]});
    };
  ctx.emit(loop::reduce(y, red));
}

} // namespace kiln
