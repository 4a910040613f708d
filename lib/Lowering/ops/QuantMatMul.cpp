//===- QuantMatMul.cpp - lowering of MatMulInteger and QLinearMatMul ------===//
// numpy-style batched products of zero-point-shifted 8-bit operands in
// wrapping i32. A's parameters are per tensor or per row, B's per tensor or
// per column; QLinearMatMul's y parameters per tensor or per row.
//===----------------------------------------------------------------------===//
#include "QuantConvCommon.h"

namespace kiln {

using namespace nnlower;

namespace {
struct QMatMul {
  size_t ar, br, aBatch, bBatch, outBatch;
  int64_t m, k, n;
};

QMatMul planQMatMul(const LowerContext &ctx, const Buffer &a, const Buffer &b,
                    const Buffer &y) {
  QMatMul q;
  q.ar = a->rank();
  q.br = b->rank();
  if (q.ar == 0 || q.br == 0)
    ctx.error("operands must have rank >= 1");
  q.m = q.ar > 1 ? a->shape[q.ar - 2] : 1;
  q.k = a->shape[q.ar - 1];
  q.n = q.br > 1 ? b->shape[q.br - 1] : 1;
  int64_t kb = q.br == 1 ? b->shape[0] : b->shape[q.br - 2];
  if (q.k != kb)
    ctx.error("inner dimensions differ: {} vs {}", q.k, kb);
  q.aBatch = q.ar > 2 ? q.ar - 2 : 0;
  q.bBatch = q.br > 2 ? q.br - 2 : 0;
  q.outBatch = y->rank() - (q.ar > 1 ? 1 : 0) - (q.br > 1 ? 1 : 0);
  if (q.outBatch < std::max(q.aBatch, q.bBatch))
    ctx.error("result rank {} does not fit the operands", y->rank());
  return q;
}

Expr rowOf(const QMatMul &q, const Indices &o) {
  return q.ar > 1 ? o[q.outBatch] : Expr(0);
}
Expr colOf(const QMatMul &q, const Indices &o) {
  return q.br > 1 ? o[o.size() - 1] : Expr(0);
}

void emitIntegerMatMul(LowerContext &ctx, const QMatMul &q, const Buffer &a,
                       size_t aZpOp, const Buffer &b, size_t bZpOp,
                       const Buffer &y,
                       const std::function<Expr(Expr, const Indices &)> &fin) {
  const ElementType i32 = ElementType::I32;
  loop::Reduction red;
  red.shape = {q.k};
  red.accType = i32;
  red.init = loop::intImm(loop::DType(i32), 0);
  red.combine = [](Expr s, Expr v) { return s + v; };
  red.value = [&](const Indices &o, const Indices &r) {
    Indices ai, bi;
    for (size_t d = 0; d < q.aBatch; ++d)
      ai.push_back(a->shape[d] == 1 ? Expr(0)
                                    : o[q.outBatch - q.aBatch + d]);
    for (size_t d = 0; d < q.bBatch; ++d)
      bi.push_back(b->shape[d] == 1 ? Expr(0)
                                    : o[q.outBatch - q.bBatch + d]);
    Expr row = rowOf(q, o), col = colOf(q, o);
    if (q.ar > 1)
      ai.push_back(row);
    ai.push_back(r[0]);
    bi.push_back(r[0]);
    if (q.br > 1)
      bi.push_back(col);
    Expr av = loadAs(i32, a, ai) - paramAt(ctx, aZpOp, row, i32);
    Expr bv = loadAs(i32, b, bi) - paramAt(ctx, bZpOp, col, i32);
    return av * bv;
  };
  red.finalize = fin;
  ctx.emit(loop::reduce(y, red));
}
} // namespace

void lowerMatMulInteger(LowerContext &ctx) {
  requireQuant8(ctx, 0, "A");
  requireQuant8(ctx, 1, "B");
  const Buffer &a = ctx.input(0), &b = ctx.input(1), &y = ctx.output(0);
  if (y->elem != ElementType::I32)
    ctx.error("result must be i32");
  QMatMul q = planQMatMul(ctx, a, b, y);
  checkParam(ctx, 2, q.m, "a_zero_point", a->elem);
  checkParam(ctx, 3, q.n, "b_zero_point", b->elem);
  emitIntegerMatMul(ctx, q, a, 2, b, 3, y, nullptr);
}

void lowerQLinearMatMul(LowerContext &ctx) {
  requireQuant8(ctx, 0, "a");
  requireQuant8(ctx, 3, "b");
  requireQuant8(ctx, 7, "y_zero_point");
  const Buffer &a = ctx.input(0), &b = ctx.input(3), &y = ctx.output(0);
  ElementType outType = ctx.input(7)->elem;
  QMatMul q = planQMatMul(ctx, a, b, y);
  checkParam(ctx, 1, q.m, "a_scale", std::nullopt);
  checkParam(ctx, 2, q.m, "a_zero_point", a->elem);
  checkParam(ctx, 4, q.n, "b_scale", std::nullopt);
  checkParam(ctx, 5, q.n, "b_zero_point", b->elem);
  checkParam(ctx, 6, q.m, "y_scale", std::nullopt);
  checkParam(ctx, 7, q.m, "y_zero_point", outType);
  const ElementType f32 = ElementType::F32, i32 = ElementType::I32;
  emitIntegerMatMul(ctx, q, a, 2, b, 5, y, [&](Expr acc, const Indices &o) {
    Expr row = rowOf(q, o), col = colOf(q, o);
    Expr mult = paramAt(ctx, 1, row, f32) * paramAt(ctx, 4, col, f32) /
                paramAt(ctx, 6, row, f32);
    return requantize(acc, mult, paramAt(ctx, 7, row, i32), outType);
  });
}

} // namespace kiln
