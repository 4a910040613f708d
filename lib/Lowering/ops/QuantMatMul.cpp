//===- QuantMatMul.cpp - lowering of MatMulInteger and QLinearMatMul ------===//
// numpy-style batched products of zero-point-shifted 8-bit operands in
// wrapping i32. A's parameters are per tensor or per row, B's per tensor or
// per column; QLinearMatMul's y parameters per tensor or per row.
//===----------------------------------------------------------------------===//
#include "MatMulTile.h"
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

/// a's batch index of output batch `o` (size-1 dims broadcast), likewise b's.
Indices batchOf(const QMatMul &q, const Buffer &x, size_t xBatch,
                const Indices &o) {
  Indices idx;
  for (size_t d = 0; d < xBatch; ++d)
    idx.push_back(x->shape[d] == 1 ? Expr(0) : o[q.outBatch - xBatch + d]);
  return idx;
}

void emitIntegerMatMul(LowerContext &ctx, const QMatMul &q, const Buffer &a,
                       size_t aZpOp, const Buffer &b, size_t bZpOp,
                       const Buffer &y,
                       const std::function<Expr(Expr, const Indices &)> &fin) {
  const ElementType i32 = ElementType::I32;
  auto loadA = [&](const Indices &batch, const Expr &row, const Expr &k) {
    Indices ai = batchOf(q, a, q.aBatch, batch);
    if (q.ar > 1)
      ai.push_back(row);
    ai.push_back(k);
    return loadAs(i32, a, ai) - paramAt(ctx, aZpOp, row, i32);
  };
  auto loadB = [&](const Indices &batch, const Expr &k, const Expr &col) {
    Indices bi = batchOf(q, b, q.bBatch, batch);
    bi.push_back(k);
    if (q.br > 1)
      bi.push_back(col);
    return loadAs(i32, b, bi) - paramAt(ctx, bZpOp, col, i32);
  };
  // Rows of whole vectors: the f32 product's register tiles, on widened
  // operands with wrapping i32 accumulators (the same sums in another
  // order). Products by constant matrices with a Requantize reach here only
  // below -O3; qmatmul-as-conv gives them dot products.
  if (q.br > 1 && useTiledMatMul(ElementType::F32, q.n, ctx.target())) {
    TiledMatMul mm;
    mm.m = q.m;
    mm.n = q.n;
    mm.k = q.k;
    mm.acc = i32;
    mm.batch.assign(y->shape.begin(), y->shape.begin() + q.outBatch);
    mm.name = y->name;
    mm.loadA = loadA;
    mm.loadB = loadB;
    mm.store = [&](const Indices &batch, const Expr &row, const Expr &col,
                   const Expr &acc) {
      Indices o = batch;
      if (q.ar > 1)
        o.push_back(row);
      o.push_back(col);
      return loop::makeStore(y, o, fin ? fin(acc, o) : acc);
    };
    ctx.emit(emitTiledMatMul(mm, chooseMatMulTile(mm.m, mm.n, ctx.target())));
    return;
  }
  loop::Reduction red;
  red.shape = {q.k};
  red.accType = i32;
  red.init = loop::intImm(loop::DType(i32), 0);
  red.combine = [](Expr s, Expr v) { return s + v; };
  red.value = [&](const Indices &o, const Indices &r) {
    Indices batch(o.begin(), o.begin() + q.outBatch);
    return loadA(batch, rowOf(q, o), r[0]) * loadB(batch, r[0], colOf(q, o));
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
