//===- MatMul.cpp - lowering of MatMul ------------------------------------===//
// numpy.matmul: 1-D operands are promoted to matrices (the promoted dim is
// not in the result) and batch dims broadcast. Floats accumulate in the
// compute type; integers wrap in their own type, which equals the
// interpreter's 64-bit wrapping sum truncated to the element width.
//===----------------------------------------------------------------------===//
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
    // Batch dims are right-aligned; size-1 dims broadcast.
    Indices ai, bi;
    for (size_t d = 0; d < aBatch; ++d)
      ai.push_back(a->shape[d] == 1 ? Expr(0)
                                    : batch[outBatch - aBatch + d]);
    for (size_t d = 0; d < bBatch; ++d)
      bi.push_back(b->shape[d] == 1 ? Expr(0)
                                    : batch[outBatch - bBatch + d]);
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
