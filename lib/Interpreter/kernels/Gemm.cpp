//===- Gemm.cpp - the Gemm kernel -----------------------------------------===//
// Y = alpha * op(A) * op(B) + beta * C, with C broadcast to [M, N]. Computes
// in double and rounds once into the result type.
//===----------------------------------------------------------------------===//
#include "NNKernelUtils.h"

namespace kiln {

void evalGemm(EvalContext &ctx) {
  const Tensor &a = ctx.input(0);
  const Tensor &b = ctx.input(1);
  const Tensor *c = ctx.inputOrNull(2);
  ElementType e = a.elementType();
  if (e == ElementType::Bool || (!isFloat(e) && !isInteger(e)))
    ctx.error("unsupported element type {}", toString(e));
  if (a.rank() != 2 || b.rank() != 2)
    ctx.error("A {} and B {} must be matrices", shapeStr(a.shape()),
              shapeStr(b.shape()));
  bool transA = ctx.node.getInt("transA") != 0;
  bool transB = ctx.node.getInt("transB") != 0;
  double alpha = ctx.node.getFloat("alpha");
  double beta = ctx.node.getFloat("beta");
  int64_t m = a.dim(transA ? 1 : 0), k = a.dim(transA ? 0 : 1);
  int64_t n = b.dim(transB ? 0 : 1);
  if (b.dim(transB ? 1 : 0) != k)
    ctx.error("inner dimensions differ: A {}{} vs B {}{}", shapeStr(a.shape()),
              transA ? " (transposed)" : "", shapeStr(b.shape()),
              transB ? " (transposed)" : "");
  std::vector<int64_t> outShape = {m, n};
  std::vector<double> av = toDoubles(a), bv = toDoubles(b);
  std::vector<double> y(size_t(m * n), 0.0);
  for (int64_t i = 0; i < m; ++i)
    for (int64_t j = 0; j < n; ++j) {
      double acc = 0;
      for (int64_t l = 0; l < k; ++l) {
        double x = transA ? av[size_t(l * m + i)] : av[size_t(i * k + l)];
        double w = transB ? bv[size_t(j * k + l)] : bv[size_t(l * n + j)];
        acc += x * w;
      }
      y[size_t(i * n + j)] = alpha * acc;
    }
  if (c) {
    if (c->rank() > 2)
      ctx.error("C {} must have rank <= 2", shapeStr(c->shape()));
    std::vector<double> cv = toDoubles(*c);
    try {
      BroadcastIndexer cIdx(c->shape(), outShape);
      for (int64_t i = 0; i < m * n; ++i)
        y[size_t(i)] += beta * cv[size_t(cIdx(i))];
    } catch (const Error &) {
      ctx.error("C {} does not broadcast to {}", shapeStr(c->shape()),
                shapeStr(outShape));
    }
  }
  ctx.outputs[0] = fromDoubles(e, outShape, y);
}

} // namespace kiln
