//===- TensorConcat.cpp - lowering of Concat and Split --------------------===//
// Concat copies each operand into its window of the result along the axis;
// Split copies each window of the operand into its result.
//===----------------------------------------------------------------------===//
#include "TensorLowerUtils.h"

namespace kiln {

using namespace loop;
using namespace lowerutil;

void lowerConcat(LowerContext &ctx) {
  const Buffer &out = ctx.output(0);
  int64_t rank = int64_t(out->rank());
  if (rank == 0)
    ctx.error("cannot concatenate scalars");
  size_t axis = size_t(normAxis(ctx, ctx.node.getInt("axis"), rank));
  int64_t offset = 0;
  std::vector<Stmt> copies;
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    if (!ctx.hasInput(i))
      continue;
    const Buffer &in = ctx.input(i);
    if (int64_t(in->rank()) != rank)
      ctx.error("operand {} has rank {}, expected {}", i, in->rank(), rank);
    for (size_t d = 0; d < size_t(rank); ++d)
      if (d != axis && in->shape[d] != out->shape[d])
        ctx.error("operand {} has dim {} of size {}, expected {}", i, d,
                  in->shape[d], out->shape[d]);
    if (offset + in->shape[axis] > out->shape[axis])
      ctx.error("operands exceed the result along axis {}", axis);
    copies.push_back(loopNest(in->shape, [&](const Indices &idx) {
      Indices dst = idx;
      dst[axis] = idx[axis] + Expr(offset);
      return makeStore(out, dst, load(in, idx));
    }));
    offset += in->shape[axis];
  }
  if (offset != out->shape[axis])
    ctx.error("operands cover {} of {} result entries along axis {}", offset,
              out->shape[axis], axis);
  ctx.emit(makeSeq(copies));
}

void lowerSplit(LowerContext &ctx) {
  const Buffer &in = ctx.input(0);
  int64_t rank = int64_t(in->rank());
  if (rank == 0)
    ctx.error("cannot split a scalar");
  size_t axis = size_t(normAxis(ctx, ctx.node.getInt("axis"), rank));
  // Offsets come from every result's shape, used or not.
  int64_t offset = 0;
  for (size_t r = 0; r < ctx.node.numResults(); ++r) {
    std::vector<int64_t> shape = resultShape(ctx, r);
    if (int64_t(shape.size()) != rank)
      ctx.error("result {} has rank {}, expected {}", r, shape.size(), rank);
    if (offset + shape[axis] > in->shape[axis])
      ctx.error("results exceed the operand along axis {}", axis);
    if (ctx.hasOutput(r)) {
      const Buffer &out = ctx.output(r);
      ctx.emit(compute(out, [&](const Indices &idx) {
        Indices src = idx;
        src[axis] = idx[axis] + Expr(offset);
        return load(in, src);
      }));
    }
    offset += shape[axis];
  }
}

} // namespace kiln
