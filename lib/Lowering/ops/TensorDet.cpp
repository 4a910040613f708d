//===- TensorDet.cpp - lowering of Det ------------------------------------===//
// The interpreter's LU decomposition with partial pivoting in f64, step for
// step, on a scratch copy of each trailing [M, M] matrix.
//===----------------------------------------------------------------------===//
#include "TensorLowerUtils.h"

namespace kiln {

using namespace loop;
using namespace lowerutil;

void lowerDet(LowerContext &ctx) {
  const Buffer &x = ctx.input(0);
  const Buffer &out = ctx.output(0);
  size_t rank = x->rank();
  if (!isFloat(x->elem))
    ctx.error("input must be a float tensor");
  if (rank < 2 || x->shape[rank - 1] != x->shape[rank - 2])
    ctx.error("input must be [*, M, M]");
  int64_t n = x->shape[rank - 1];
  int64_t count = out->numElements();
  if (count * n * n != x->numElements())
    ctx.error("result has {} elements for {} matrices", count,
              x->numElements() / std::max<int64_t>(n * n, 1));
  if (count == 0)
    return;
  Buffer in = reshapeView(x, {count, n, n});
  Buffer res = reshapeView(out, {count});
  ElementType f = ElementType::F64;
  // Small matrices get per-matrix stack scratch; large ones share one
  // workspace buffer (the matrices are processed one after another).
  bool onStack = n * n <= 4096;
  Buffer a = onStack ? makeBuffer("lu", f, {n, n}, MemoryScope::Stack)
                     : ctx.allocate("lu", f, {n, n});
  Buffer det = makeBuffer("det", f, {1}, MemoryScope::Stack);
  Buffer pivot = makeBuffer("pivot", ElementType::I64, {1}, MemoryScope::Stack);
  Buffer done = makeBuffer("singular", ElementType::I64, {1},
                           MemoryScope::Stack);
  Indices z{Expr(0)};
  Expr one = floatImm(DType(f), 1), zero = floatImm(DType(f), 0);

  ctx.emit(loopNest({count}, [&](const Indices &m) {
    Var r("r"), col("col"), k("k"), fv("f", DType(f)), tmp("t", DType(f));
    Stmt copy = loopNest({n, n}, [&](const Indices &i) {
      return makeStore(a, i, cast(f, load(in, {m[0], i[0], i[1]})));
    });
    Expr p = load(pivot, z);
    // Row with the largest |a[r][col]|, the first one on ties.
    Stmt findPivot = makeSeq(
        {makeStore(pivot, z, col),
         makeFor(r, Expr(col) + Expr(1), Expr(n) - Expr(col) - Expr(1),
                 ForKind::Serial,
                 makeIf(mathCall("fabs", load(a, {r, col})) >
                            mathCall("fabs", load(a, {p, col})),
                        makeStore(pivot, z, r)))});
    Stmt swap = makeIf(
        p != Expr(col),
        makeSeq({makeFor(k, Expr(0), Expr(n), ForKind::Serial,
                         makeLet(tmp, load(a, {p, k}),
                                 makeSeq({makeStore(a, {p, k}, load(a, {col, k})),
                                          makeStore(a, {col, k}, tmp)}))),
                 makeStore(det, z, -load(det, z))}));
    Var r2("row"), k2("k");
    Stmt eliminate = makeFor(
        r2, Expr(col) + Expr(1), Expr(n) - Expr(col) - Expr(1), ForKind::Serial,
        makeLet(fv, load(a, {r2, col}) / load(a, {col, col}),
                makeFor(k2, Expr(col), Expr(n) - Expr(col), ForKind::Serial,
                        makeStore(a, {r2, k2},
                                  load(a, {r2, k2}) -
                                      Expr(fv) * load(a, {col, k2})))));
    Stmt reduceCol = makeSeq(
        {swap, makeStore(det, z, load(det, z) * load(a, {col, col})),
         eliminate});
    Stmt step = makeIf(
        load(done, z) == Expr(0),
        makeSeq({findPivot,
                 makeIf(load(a, {p, col}) == zero,
                        makeSeq({makeStore(det, z, zero),
                                  makeStore(done, z, Expr(1))}),
                        reduceCol)}));
    Stmt body = makeSeq(
        {copy, makeStore(det, z, one), makeStore(done, z, Expr(0)),
         makeFor(col, Expr(0), Expr(n), ForKind::Serial, step),
         makeStore(res, m, fromDouble(load(det, z), out->elem))});
    for (const Buffer &b : {done, pivot, det})
      body = makeAllocate(b, body);
    return onStack ? makeAllocate(a, body) : body;
  }));
}

} // namespace kiln
