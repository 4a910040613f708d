//===- QConvNCHWc.cpp - lowering of QConvNCHWc ----------------------------===//
// 8-bit products of four input channels summed into i32 accumulators in the
// register-tiled kernel of ConvTiled.h (code generation turns each group of
// four into a dot-product instruction where the target has one), then the
// Requantize epilogue on the way out.
//===----------------------------------------------------------------------===//
#include "ConvTiled.h"
#include "RequantizeExpr.h"

namespace kiln {

using namespace nnlower;

namespace {

/// Multiplier (i = 3) or shift (i = 4) of output channel `ch` as i64: an
/// immediate when per tensor and constant.
Expr requantParam(const LowerContext &ctx, size_t i, const Expr &ch) {
  const Buffer &p = ctx.input(i);
  auto i64 = [](int64_t v) {
    return loop::intImm(loop::DType(ElementType::I64), v);
  };
  if (p->shape[0] == 1) {
    if (const Tensor *c = ctx.constant(i))
      return i64(c->elementType() == ElementType::I8 ? c->data<int8_t>()[0]
                                                     : c->data<int32_t>()[0]);
    return loadAs(ElementType::I64, p, {Expr(0)});
  }
  return loadAs(ElementType::I64, p, {ch});
}

} // namespace

void lowerQConvNCHWc(LowerContext &ctx) {
  const Buffer &x = ctx.input(0), &w = ctx.input(1), &bias = ctx.input(2);
  const Buffer &y = ctx.output(0);
  auto is8 = [](ElementType e) {
    return e == ElementType::U8 || e == ElementType::I8;
  };
  if (!is8(x->elem) || !is8(w->elem))
    ctx.error("input and weight must be u8 or i8");
  ConvNCHWcGeometry g;
  RequantizeAttrs attrs;
  try {
    g = qconvNCHWcGeometry(ctx.node, x->shape, w->shape);
    attrs = readRequantizeAttrs(ctx.node);
    if (const Tensor *m = ctx.constant(3))
      checkRequantizeMultipliers(*m);
    if (const Tensor *s = ctx.constant(4))
      checkRequantizeShifts(*s);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  std::vector<int64_t> outShape = {g.n, g.mBlocks, g.oh, g.ow, g.ob};
  if (y->shape != outShape || y->elem != attrs.outputType)
    ctx.error("result {}{} differs from the geometry's {}{}", toString(y->elem),
              shapeStr(y->shape), toString(attrs.outputType),
              shapeStr(outShape));
  int64_t m = g.outChannels();
  if (bias->elem != ElementType::I32 || bias->rank() != 1 ||
      bias->shape[0] != m)
    ctx.error("bias must be i32[{}]", m);
  for (size_t i : {size_t(3), size_t(4)}) {
    const Buffer &p = ctx.input(i);
    if (p->rank() != 1 || (p->shape[0] != 1 && p->shape[0] != m))
      ctx.error("{} must have shape [1] or [{}]",
                i == 3 ? "multiplier" : "shift", m);
  }

  const ElementType i32 = ElementType::I32;
  ConvArithmetic arith;
  arith.acc = i32;
  arith.pack = 4;
  arith.init = [&](const Expr &ch) { return loop::load(bias, {ch}); };
  arith.step = [&](const Expr &acc, const std::function<Expr(int64_t)> &xv,
                   const std::function<Expr(int64_t)> &wv, const Expr &inside) {
    Expr sum = acc;
    for (int64_t k = 0; k < (g.depthwise ? 1 : 4); ++k) {
      Expr xe = loop::cast(i32, xv(k));
      if (inside)
        xe = loop::select(inside, xe, loop::intImm(loop::DType(i32), 0));
      sum = sum + xe * loop::cast(i32, wv(k));
    }
    return sum;
  };
  arith.finish = [&](const Expr &acc, const Expr &ch) {
    return lower::requantizeExpr(acc, requantParam(ctx, 3, ch),
                                 requantParam(ctx, 4, ch), attrs,
                                 lower::requantizeShiftRange(ctx.constant(4)));
  };
  arith.stagedFinish = true;
  arith.depthwiseTapsTogether = true;
  TiledConvPlan plan = planTiledConv(g, x, y);
  // Per-channel requantization keeps about four vectors per output block
  // (multiplier, its odd-lane copy, shift, rounding constant) live while it
  // finishes the tile; a tile that left no room for them spilled
  // accumulators (docs/quantization.md, "Integer kernels").
  bool perChannel = ctx.input(3)->shape[0] != 1 || ctx.input(4)->shape[0] != 1;
  ConvTile tile =
      planConvTile(g, plan.geo.columns, ctx.target(), perChannel ? 4 : 0);
  ctx.emit(tiledConv(g, plan.x, w, plan.y, plan.geo, tile, arith));
}

} // namespace kiln
