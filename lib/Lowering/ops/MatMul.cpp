//===- MatMul.cpp - lowering of MatMul ------------------------------------===//
// numpy.matmul: 1-D operands are promoted to matrices (the promoted dim is
// not in the result) and batch dims broadcast. Floats accumulate in the
// compute type; integers wrap in their own type, which equals the
// interpreter's 64-bit wrapping sum truncated to the element width. f32
// products with at least a vector of columns use the tiled emitter.
//===----------------------------------------------------------------------===//
#include "MatMulTile.h"
#include "ReduceCommon.h"

namespace kiln {

using namespace nnlower;

void lowerMatMul(LowerContext &ctx) {
  const Buffer &a = ctx.input(0), &b = ctx.input(1);
  const Buffer &y = ctx.output(0);
  ElementType e = a->elem;
  if (b->elem != e)
    ctx.error("operands have different element types {} and {}", toString(e),
              toString(b->elem));
  if (e == ElementType::Bool || (!isFloat(e) && !isInteger(e)))
    ctx.error("unsupported element type {}", toString(e));
  if (a->rank() == 0 || b->rank() == 0)
    ctx.error("operands must have rank >= 1");
  size_t ar = a->rank(), br = b->rank();
  int64_t k = a->shape[ar - 1];
  int64_t kb = br == 1 ? b->shape[0] : b->shape[br - 2];
  if (k != kb)
    ctx.error("inner dimensions differ: {} vs {}", k, kb);
  // Output rank = batch rank + (a is a matrix) + (b is a matrix).
  size_t aBatch = ar > 2 ? ar - 2 : 0, bBatch = br > 2 ? br - 2 : 0;
  size_t outBatch = y->rank() - (ar > 1 ? 1 : 0) - (br > 1 ? 1 : 0);
  if (outBatch < std::max(aBatch, bBatch))
    ctx.error("result rank {} does not fit the operands", y->rank());
  if ((ar > 1 && y->shape[outBatch] != a->shape[ar - 2]) ||
      (br > 1 && y->shape.back() != b->shape[br - 1]))
    ctx.error("result shape {} does not match the operands",
              shapeStr(y->shape));
  for (size_t d = 0; d < aBatch + bBatch; ++d) {
    const Buffer &x = d < aBatch ? a : b;
    size_t xd = d < aBatch ? d : d - aBatch;
    size_t xBatch = d < aBatch ? aBatch : bBatch;
    if (x->shape[xd] != 1 && x->shape[xd] != y->shape[outBatch - xBatch + xd])
      ctx.error("batch dims of {} do not broadcast to the result {}",
                shapeStr(x->shape), shapeStr(y->shape));
  }

  // Batch dims are right-aligned; size-1 dims broadcast.
  auto operandBatch = [&](const Buffer &x, size_t xBatch,
                          const Indices &batch) {
    Indices idx;
    for (size_t d = 0; d < xBatch; ++d)
      idx.push_back(x->shape[d] == 1 ? Expr(0)
                                     : batch[outBatch - xBatch + d]);
    return idx;
  };

  int64_t n = br > 1 ? b->shape[br - 1] : 1;
  if (useTiledMatMul(e, n, ctx.target())) {
    TiledMatMul mm;
    mm.m = ar > 1 ? a->shape[ar - 2] : 1;
    mm.n = n;
    mm.k = k;
    mm.batch.assign(y->shape.begin(), y->shape.begin() + outBatch);
    mm.name = y->name;
    mm.loadA = [&](const Indices &batch, const Expr &m, const Expr &kk) {
      Indices ai = operandBatch(a, aBatch, batch);
      if (ar > 1)
        ai.push_back(m);
      ai.push_back(kk);
      return loop::load(a, ai);
    };
    mm.loadB = [&](const Indices &batch, const Expr &kk, const Expr &col) {
      Indices bi = operandBatch(b, bBatch, batch);
      bi.push_back(kk);
      bi.push_back(col);
      return loop::load(b, bi);
    };
    mm.store = [&](const Indices &batch, const Expr &row, const Expr &col,
                   const Expr &v) {
      Indices yi = batch;
      if (ar > 1)
        yi.push_back(row);
      yi.push_back(col);
      return loop::makeStore(y, yi, v);
    };
    ctx.emit(emitTiledMatMul(mm, chooseMatMulTile(mm.m, mm.n, ctx.target())));
    return;
  }

  ElementType acc = isFloat(e) ? computeType(e) : e;
  loop::Reduction red;
  red.shape = {k};
  red.accType = acc;
  red.init = isFloat(acc) ? fimm(acc, 0) : loop::intImm(loop::DType(acc), 0);
  red.combine = [](Expr s, Expr v) { return s + v; };
  red.value = [&](const Indices &o, const Indices &r) {
    Indices batch(o.begin(), o.begin() + outBatch);
    Expr row = ar > 1 ? o[outBatch] : Expr();
    Expr col = br > 1 ? o[o.size() - 1] : Expr();
    Indices ai = operandBatch(a, aBatch, batch);
    Indices bi = operandBatch(b, bBatch, batch);
    if (ar > 1)
      ai.push_back(row);
    ai.push_back(r[0]);
    bi.push_back(r[0]);
    if (br > 1)
      bi.push_back(col);
    return loadAs(acc, a, ai) * loadAs(acc, b, bi);
  };
  ctx.emit(loop::reduce(y, red));
}

} // namespace kiln
