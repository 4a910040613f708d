//===- SortTopK.cpp - lowering of TopK ------------------------------------===//
// The interpreter stable-sorts each slice along the axis in a total order
// (NaN above every number) and keeps the first K. Sorting by (value, index)
// makes every key distinct, so result slot j is the smallest key greater
// than slot j-1's: K serial selection passes over the slice, O(n * K), with
// no scratch beyond the previous and the best key.
//===----------------------------------------------------------------------===//
#include "TensorLowerUtils.h"

namespace kiln {

using namespace loop;
using namespace lowerutil;

// a < b in the interpreter's total order where NaN is the largest value.
static Expr totalLess(Expr a, Expr b) {
  if (!a.type().isFloat())
    return a < b;
  return logicalAnd(logicalNot(mathCall("isnan", a)),
                    logicalOr(mathCall("isnan", b), a < b));
}

void lowerTopK(LowerContext &ctx) {
  const Buffer &x = ctx.input(0);
  ElementType e = x->elem;
  if (e == ElementType::Bool)
    ctx.error("unsupported element type bool");
  int64_t rank = int64_t(x->rank());
  if (rank == 0)
    ctx.error("input must have rank >= 1");
  size_t axis = size_t(normAxis(ctx, ctx.node.getInt("axis"), rank));
  bool largest = ctx.node.getInt("largest") != 0;
  // K is the result's extent along the axis (result shapes are static).
  std::vector<int64_t> outShape = resultShape(ctx, 0);
  if (outShape.size() != size_t(rank))
    ctx.error("result rank {} differs from the input's {}", outShape.size(),
              rank);
  int64_t k = outShape[axis];
  if (const Tensor *kt = ctx.constant(1))
    if (kt->numElements() != 1 || kt->getInt(0) != k)
      ctx.error("k does not match the result's extent {}", k);
  int64_t n = x->shape[axis];
  if (k > n)
    ctx.error("k = {} exceeds the axis size {}", k, n);
  int64_t outer = productOf(x->shape, 0, axis);
  int64_t inner = productOf(x->shape, axis + 1, x->rank());
  if (k == 0 || outer * inner == 0)
    return;
  Buffer in = reshapeView(x, {outer, n, inner});
  Buffer values, indices;
  if (ctx.hasOutput(0))
    values = reshapeView(ctx.output(0), {outer, k, inner});
  if (ctx.hasOutput(1))
    indices = reshapeView(ctx.output(1), {outer, k, inner});
  ElementType c = computeType(e);
  Indices z{Expr(0)};

  ctx.emit(loopNest({outer, inner}, [&](const Indices &o) {
    Buffer prevV = makeBuffer("prev", c, {1}, MemoryScope::Stack);
    Buffer prevI = makeBuffer("prev_index", ElementType::I64, {1},
                              MemoryScope::Stack);
    Buffer bestV = makeBuffer("best", c, {1}, MemoryScope::Stack);
    Buffer bestI = makeBuffer("best_index", ElementType::I64, {1},
                              MemoryScope::Stack);
    Var j("j"), i("i");
    // Whether key (va, ia) comes before (vb, ib) in the sorted order.
    auto before = [&](Expr va, Expr ia, Expr vb, Expr ib) {
      Expr less = largest ? totalLess(vb, va) : totalLess(va, vb);
      Expr greater = largest ? totalLess(va, vb) : totalLess(vb, va);
      return logicalOr(less, logicalAnd(logicalNot(greater), ia < ib));
    };
    Expr cur = cast(c, load(in, {o[0], i, o[1]}));
    Expr afterPrev = logicalOr(Expr(j) == Expr(0),
                               before(load(prevV, z), load(prevI, z), cur, i));
    Expr beatsBest =
        logicalOr(load(bestI, z) < Expr(0),
                  before(cur, i, load(bestV, z), load(bestI, z)));
    Stmt scan = makeFor(
        i, Expr(0), Expr(n), ForKind::Serial,
        makeIf(logicalAnd(afterPrev, beatsBest),
               makeSeq({makeStore(bestV, z, cur), makeStore(bestI, z, i)})));
    // A best index always exists since k <= n; clamp for memory safety.
    Expr picked = clampIndex(load(bestI, z), n);
    std::vector<Stmt> slot = {
        makeStore(bestV, z, makeConst(DType(c), 0)),
        makeStore(bestI, z, Expr(-1)), scan};
    if (values)
      slot.push_back(
          makeStore(values, {o[0], j, o[1]}, load(in, {o[0], picked, o[1]})));
    if (indices)
      slot.push_back(makeStore(indices, {o[0], j, o[1]},
                               cast(indices->elem, load(bestI, z))));
    slot.push_back(makeStore(prevV, z, load(bestV, z)));
    slot.push_back(makeStore(prevI, z, load(bestI, z)));
    Stmt body = makeSeq({makeStore(prevV, z, makeConst(DType(c), 0)),
                         makeStore(prevI, z, Expr(0)),
                         makeFor(j, Expr(0), Expr(k), ForKind::Serial,
                                 makeSeq(slot))});
    for (const Buffer &b : {bestI, bestV, prevI, prevV})
      body = makeAllocate(b, body);
    return body;
  }));
}

} // namespace kiln
