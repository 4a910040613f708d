//===- ConvNCHWc.cpp - lowering of ConvNCHWc ------------------------------===//
// f32 FMAs in the register-tiled kernel of ConvTiled.h; dilated layers run
// pixel by pixel. docs/schedules.md ("Convolution") explains the choices.
//===----------------------------------------------------------------------===//
#include "ConvTiled.h"

namespace kiln {

using namespace nnlower;

namespace {

/// Emits a dilated or otherwise irregular convolution one output pixel at a
/// time (taps outside the input read a clamped index, multiplied by zero).
void emitPixelwise(LowerContext &ctx, const ConvNCHWcGeometry &g,
                   const Buffer &x, const Buffer &w, const Buffer &b,
                   const Buffer &y) {
  const WindowParams &p = g.window;
  int64_t inSize[2] = {g.h, g.w};
  ElementType ct = ElementType::F32;
  Buffer acc = loop::makeBuffer(y->name + "_acc", ct, {g.ob},
                                loop::MemoryScope::Stack);
  auto lanes = [&](const std::function<Stmt(const Expr &)> &body) {
    return loop::loopNest(
        {g.ob}, [&](const Indices &l) { return body(l[0]); }, "l");
  };
  std::vector<int64_t> rshape =
      g.depthwise ? std::vector<int64_t>{g.kh, g.kw}
                  : std::vector<int64_t>{g.inBlocksPerGroup, g.kh, g.kw,
                                         g.ib};
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
              size_t k = g.depthwise ? 0 : 1;
              std::vector<Expr> conds;
              Expr pos[2];
              for (size_t d = 0; d < 2; ++d) {
                pos[d] = o[2 + d] * Expr(p.strides[d]) - Expr(g.pads[d]) +
                         r[k + d] * Expr(p.dilations[d]);
                conds.push_back(inRange(pos[d], inSize[d]));
                pos[d] = clampIndex(pos[d], inSize[d]);
              }
              return lanes([&](const Expr &l) {
                Indices xi, wi;
                if (g.depthwise) {
                  xi = {o[0], o[1], pos[0], pos[1], l};
                  wi = {o[1], Expr(0), r[0], r[1], Expr(0), l};
                } else {
                  xi = {o[0], inputBlock(g, o[1], 1, r[0]), pos[0], pos[1],
                        r[3]};
                  wi = {o[1], r[0], r[1], r[2], r[3], l};
                }
                Expr prod = loop::select(
                    allOf(conds), loop::load(x, xi) * loop::load(w, wi),
                    fimm(ct, 0));
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

} // namespace

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
  Buffer b = checkedBlockedConvBias(ctx, y, {g.n, g.mBlocks, g.oh, g.ow, g.ob});

  const WindowParams &p = g.window;
  if (p.dilations[0] != 1 || p.dilations[1] != 1 ||
      (g.depthwise && g.ib != g.ob)) {
    emitPixelwise(ctx, g, x, w, b, y);
    return;
  }

  ConvArithmetic arith;
  arith.acc = ElementType::F32;
  arith.init = [&](const Expr &ch) {
    return b ? loop::load(b, {ch}) : fimm(ElementType::F32, 0);
  };
  arith.step = [](const Expr &acc, const std::function<Expr(int64_t)> &xv,
                  const std::function<Expr(int64_t)> &wv, const Expr &inside) {
    Expr xe = xv(0);
    if (inside)
      xe = loop::select(inside, xe, fimm(ElementType::F32, 0));
    return acc + xe * wv(0);
  };
  arith.finish = [](const Expr &acc, const Expr &) { return acc; };
  TiledConvPlan plan = planTiledConv(g, x, y);
  ConvTile tile = planConvTile(g, plan.geo.columns, ctx.target());
  ctx.emit(tiledConv(g, plan.x, w, plan.y, plan.geo, tile, arith));
}

} // namespace kiln
