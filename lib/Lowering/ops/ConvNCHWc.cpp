//===- ConvNCHWc.cpp - lowering of ConvNCHWc ------------------------------===//
// Every output pixel accumulates ob channel lanes over (C/ib, KH, KW, ib),
// or (KH, KW) when depthwise, with the lane loop innermost so the default
// schedule vectorizes it. Padded taps read a clamped index.
//===----------------------------------------------------------------------===//
#include "ReduceCommon.h"

#include "kiln/IR/Layout.h"

namespace kiln {

using namespace nnlower;

void lowerConvNCHWc(LowerContext &ctx) {
  const Buffer &x = ctx.input(0), &w = ctx.input(1);
  const Buffer &y = ctx.output(0);
  if (x->elem != ElementType::F32 || w->elem != ElementType::F32)
    ctx.error("input and weight must be f32");
  ConvNCHWcGeometry g;
  try {
    g = convNCHWcGeometry(ctx.node, x->shape, w->shape);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  std::vector<int64_t> outShape = {g.n, g.mBlocks, g.oh, g.ow, g.ob};
  if (y->shape != outShape)
    ctx.error("result shape {} differs from the geometry's {}",
              shapeStr(y->shape), shapeStr(outShape));
  Buffer b = ctx.hasInput(2) ? ctx.input(2) : nullptr;
  if (b && (b->rank() != 1 || b->shape[0] != g.outChannels()))
    ctx.error("bias must have shape [{}]", g.outChannels());

  const WindowParams &p = g.window;
  int64_t inSize[2] = {g.h, g.w}, outSize[2] = {g.oh, g.ow};
  int64_t kernel[2] = {g.kh, g.kw};
  // Taps that can never leave the input need no guard.
  bool guard[2];
  for (size_t d = 0; d < 2; ++d)
    guard[d] = !(g.pads[d] == 0 &&
                 (outSize[d] - 1) * p.strides[d] +
                         (kernel[d] - 1) * p.dilations[d] <
                     inSize[d]);

  // Per output pixel, an accumulator row of ob lanes: every statement
  // touching it is an innermost loop over the lanes with contiguous stores,
  // which the default schedule vectorizes (loop::reduce would put the lane
  // loop outside the reduction, with a scalar accumulator).
  ElementType ct = ElementType::F32;
  Buffer acc = loop::makeBuffer(y->name + "_acc", ct, {g.ob},
                                loop::MemoryScope::Stack);
  auto lanes = [&](const std::function<Stmt(const Expr &)> &body) {
    return loop::loopNest(
        {g.ob}, [&](const Indices &l) { return body(l[0]); }, "l");
  };
  std::vector<int64_t> rshape =
      g.depthwise ? std::vector<int64_t>{g.kh, g.kw}
                  : std::vector<int64_t>{g.cBlocks, g.kh, g.kw, g.ib};
  ctx.emit(loop::loopNest(
      {g.n, g.mBlocks, g.oh, g.ow},
      [&](const Indices &o) {
        Stmt init = lanes([&](const Expr &l) {
          Expr v = b ? loop::load(b, {o[1] * Expr(g.ob) + l}) : fimm(ct, 0);
          return loop::makeStore(acc, {l}, v);
        });
        Stmt update = loop::loopNest(
            rshape,
            [&](const Indices &r) {
              // r's kernel taps start at r[1] (group 1) or r[0] (depthwise).
              size_t k = g.depthwise ? 0 : 1;
              std::vector<Expr> conds;
              Expr pos[2];
              for (size_t d = 0; d < 2; ++d) {
                pos[d] = o[2 + d] * Expr(p.strides[d]) - Expr(g.pads[d]) +
                         r[k + d] * Expr(p.dilations[d]);
                if (guard[d]) {
                  conds.push_back(inRange(pos[d], inSize[d]));
                  pos[d] = clampIndex(pos[d], inSize[d]);
                }
              }
              return lanes([&](const Expr &l) {
                Indices xi, wi;
                if (g.depthwise) {
                  xi = {o[0], o[1], pos[0], pos[1], l};
                  wi = {o[1], Expr(0), r[0], r[1], Expr(0), l};
                } else {
                  xi = {o[0], r[0], pos[0], pos[1], r[3]};
                  wi = {o[1], r[0], r[1], r[2], r[3], l};
                }
                Expr prod = loop::load(x, xi) * loop::load(w, wi);
                if (!conds.empty())
                  prod = loop::select(allOf(conds), prod, fimm(ct, 0));
                return loop::makeStore(acc, {l}, loop::load(acc, {l}) + prod);
              });
            },
            "r");
        Stmt fin = lanes([&](const Expr &l) {
          return loop::makeStore(y, {o[0], o[1], o[2], o[3], l},
                                 loop::load(acc, {l}));
        });
        return loop::makeAllocate(acc, loop::makeSeq({init, update, fin}));
      },
      "o"));
}

} // namespace kiln
