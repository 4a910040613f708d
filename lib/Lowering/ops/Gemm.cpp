//===- Gemm.cpp - lowering of Gemm ----------------------------------------===//
// Y = alpha * op(A) * op(B) + beta * C with C broadcast to [M, N]. Floats
// compute in f32 (f64 for f64); integer Gemm computes in f64 like the
// interpreter. f32 with at least a vector of columns uses the tiled emitter,
// which reads B in [K, N] (transB = 0) with vector loads and a transposed B
// lane by lane; the pack-gemm-weights pass stores constant transposed
// weights untransposed.
//===----------------------------------------------------------------------===//
#include "MatMulTile.h"
#include "ReduceCommon.h"

namespace kiln {

using namespace nnlower;

void lowerGemm(LowerContext &ctx) {
  const Buffer &a = ctx.input(0), &b = ctx.input(1);
  const Buffer &y = ctx.output(0);
  ElementType e = a->elem;
  if (e == ElementType::Bool || (!isFloat(e) && !isInteger(e)))
    ctx.error("unsupported element type {}", toString(e));
  if (a->rank() != 2 || b->rank() != 2)
    ctx.error("A and B must be matrices");
  bool transA = ctx.node.getInt("transA") != 0;
  bool transB = ctx.node.getInt("transB") != 0;
  double alpha = ctx.node.getFloat("alpha");
  double beta = ctx.node.getFloat("beta");
  int64_t m = a->shape[transA ? 1 : 0], k = a->shape[transA ? 0 : 1];
  int64_t n = b->shape[transB ? 0 : 1];
  if (b->shape[transB ? 1 : 0] != k)
    ctx.error("inner dimensions differ");
  if (y->shape != std::vector<int64_t>{m, n})
    ctx.error("result shape does not match [{}, {}]", m, n);
  Buffer c = ctx.hasInput(2) ? ctx.input(2) : nullptr;
  if (c) {
    if (c->rank() > 2)
      ctx.error("C must have rank <= 2");
    std::vector<int64_t> outShape = {m, n};
    for (size_t d = 0; d < c->rank(); ++d)
      if (c->shape[d] != 1 && c->shape[d] != outShape[2 - c->rank() + d])
        ctx.error("C does not broadcast to [{}, {}]", m, n);
  }

  ElementType ct = isFloat(e) ? computeType(e) : ElementType::F64;
  // alpha * sum + beta * C[o].
  auto finish = [&](Expr s, const Indices &o) {
    Expr v = alpha == 1.0 ? s : s * fimm(ct, alpha);
    if (c) {
      Expr cv = loop::cast(ct, loop::loadBroadcast(c, o));
      v = v + (beta == 1.0 ? cv : cv * fimm(ct, beta));
    }
    return v;
  };

  if (b->elem == e && useTiledMatMul(e, n, ctx.target())) {
    TiledMatMul mm;
    mm.m = m;
    mm.n = n;
    mm.k = k;
    mm.name = y->name;
    mm.loadA = [&](const Indices &, const Expr &row, const Expr &kk) {
      return loop::load(a, transA ? Indices{kk, row} : Indices{row, kk});
    };
    mm.loadB = [&](const Indices &, const Expr &kk, const Expr &col) {
      return loop::load(b, transB ? Indices{col, kk} : Indices{kk, col});
    };
    mm.store = [&](const Indices &, const Expr &row, const Expr &col,
                   const Expr &v) {
      return loop::makeStore(y, {row, col}, finish(v, {row, col}));
    };
    ctx.emit(
        emitTiledMatMul(mm, chooseMatMulTile(m, n, ctx.target(), transB)));
    return;
  }

  loop::Reduction red;
  red.shape = {k};
  red.accType = ct;
  red.init = fimm(ct, 0);
  red.combine = [](Expr s, Expr v) { return s + v; };
  red.value = [&](const Indices &o, const Indices &r) {
    Indices ai = transA ? Indices{r[0], o[0]} : Indices{o[0], r[0]};
    Indices bi = transB ? Indices{o[1], r[0]} : Indices{r[0], o[1]};
    return loadAs(ct, a, ai) * loadAs(ct, b, bi);
  };
  red.finalize = finish;
  ctx.emit(loop::reduce(y, red));
}

} // namespace kiln
