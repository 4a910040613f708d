//===- QuantConv.cpp - lowering of ConvInteger and QLinearConv ------------===//
// Grouped N-d convolution of zero-point-shifted 8-bit operands accumulated in
// wrapping i32; padding taps add nothing. QLinearConv then adds the i32 bias
// and requantizes.
//===----------------------------------------------------------------------===//
#include "QuantConvCommon.h"

#include "kiln/IR/InferUtils.h"

namespace kiln {

using namespace nnlower;

// Emits acc[n, m, o...] = sum (x - xZp) * (w - wZp[m]) into `out`, with
// `finalize` applied to the i32 sum.
static void emitIntegerConv(
    LowerContext &ctx, const Buffer &x, const Buffer &w, size_t xZpOp,
    size_t wZpOp, const Buffer &out,
    const std::function<Expr(Expr, const Indices &)> &finalize) {
  size_t rank = x->rank();
  if (rank < 3 || w->rank() != rank)
    ctx.error("input and weight must have the same rank >= 3");
  int64_t c = x->shape[1], m = w->shape[0], cg = w->shape[1];
  int64_t group = ctx.node.getInt("group");
  if (group < 1 || c != cg * group || m % group != 0)
    ctx.error("input and weight do not match with group {}", group);
  checkParam(ctx, xZpOp, 1, "x_zero_point", x->elem);
  checkParam(ctx, wZpOp, m, "w_zero_point", w->elem);
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
      check(convOutputSize(p, i, inSize[i]) == out->shape[2 + i],
            "output size of spatial dim {} differs from the geometry", i);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  const ElementType i32 = ElementType::I32;
  int64_t mg = m / group;
  loop::Reduction red;
  red.shape = {cg};
  red.shape.insert(red.shape.end(), kernel.begin(), kernel.end());
  red.accType = i32;
  red.init = loop::intImm(loop::DType(i32), 0);
  red.combine = [](Expr s, Expr v) { return s + v; };
  red.value = [&](const Indices &o, const Indices &r) {
    Expr oc = o[1];
    Expr ic = (oc / Expr(mg)) * Expr(cg) + r[0];
    Indices xi = {o[0], ic}, wi = {oc, r[0]};
    std::vector<Expr> conds;
    for (size_t d = 0; d < sp; ++d) {
      Expr pos = o[2 + d] * Expr(p.strides[d]) - Expr(pads[d]) +
                 r[1 + d] * Expr(p.dilations[d]);
      conds.push_back(inRange(pos, inSize[d]));
      xi.push_back(clampIndex(pos, inSize[d]));
      wi.push_back(r[1 + d]);
    }
    Expr xv = loadAs(i32, x, xi) - paramAt(ctx, xZpOp, Expr(0), i32);
    Expr wv = loadAs(i32, w, wi) - paramAt(ctx, wZpOp, oc, i32);
    return loop::select(allOf(conds), xv * wv,
                        loop::intImm(loop::DType(i32), 0));
  };
  red.finalize = finalize;
  ctx.emit(loop::reduce(out, red));
}

void lowerConvInteger(LowerContext &ctx) {
  requireQuant8(ctx, 0, "x");
  requireQuant8(ctx, 1, "w");
  const Buffer &y = ctx.output(0);
  if (y->elem != ElementType::I32)
    ctx.error("result must be i32");
  emitIntegerConv(ctx, ctx.input(0), ctx.input(1), 2, 3, y, nullptr);
}

void lowerQLinearConv(LowerContext &ctx) {
  requireQuant8(ctx, 0, "x");
  requireQuant8(ctx, 3, "w");
  requireQuant8(ctx, 7, "y_zero_point");
  const Buffer &y = ctx.output(0);
  ElementType outType = ctx.input(7)->elem;
  int64_t m = ctx.input(3)->shape.at(0);
  checkParam(ctx, 1, 1, "x_scale", std::nullopt);
  checkParam(ctx, 4, m, "w_scale", std::nullopt);
  checkParam(ctx, 6, 1, "y_scale", std::nullopt);
  checkParam(ctx, 7, 1, "y_zero_point", outType);
  Buffer bias = ctx.hasInput(8) ? ctx.input(8) : nullptr;
  if (bias && (bias->elem != ElementType::I32 || bias->rank() != 1 ||
               bias->shape[0] != m))
    ctx.error("bias must be i32[{}]", m);
  const ElementType f32 = ElementType::F32, i32 = ElementType::I32;
  emitIntegerConv(
      ctx, ctx.input(0), ctx.input(3), 2, 5, y,
      [&](Expr acc, const Indices &o) {
        Expr oc = o[1];
        if (bias)
          acc = loop::cast(ElementType::I64, acc) +
                loadAs(ElementType::I64, bias, {oc});
        Expr mult = paramAt(ctx, 1, Expr(0), f32) * paramAt(ctx, 4, oc, f32) /
                    paramAt(ctx, 6, Expr(0), f32);
        return requantize(acc, mult, paramAt(ctx, 7, Expr(0), i32), outType);
      });
}

} // namespace kiln
