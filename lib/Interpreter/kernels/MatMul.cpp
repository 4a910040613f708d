//===- MatMul.cpp - the MatMul kernel -------------------------------------===//
// numpy.matmul semantics: 1-D operands are promoted to matrices and the
// promoted dim is dropped again; batch dims broadcast. Floats accumulate in
// double, integers wrap modulo 2^64 and truncate to the element width.
//===----------------------------------------------------------------------===//
#include "NNKernelUtils.h"

namespace kiln {

namespace {
// Shapes of a batched matrix product after 1-D promotion.
struct MatMulShape {
  std::vector<int64_t> batch, aShape, bShape, outShape;
  int64_t m, k, n;
};
} // namespace

static MatMulShape planMatMul(const EvalContext &ctx, const Tensor &a,
                              const Tensor &b) {
  if (a.rank() == 0 || b.rank() == 0)
    ctx.error("operands must have rank >= 1, not {} and {}",
              shapeStr(a.shape()), shapeStr(b.shape()));
  MatMulShape s;
  s.aShape = a.shape();
  s.bShape = b.shape();
  if (a.rank() == 1)
    s.aShape.insert(s.aShape.begin(), 1);
  if (b.rank() == 1)
    s.bShape.push_back(1);
  s.m = s.aShape[s.aShape.size() - 2];
  s.k = s.aShape.back();
  s.n = s.bShape.back();
  if (s.k != s.bShape[s.bShape.size() - 2])
    ctx.error("inner dimensions differ: A {} vs B {}", shapeStr(a.shape()),
              shapeStr(b.shape()));
  try {
    s.batch = broadcastShape(
        std::vector<int64_t>(s.aShape.begin(), s.aShape.end() - 2),
        std::vector<int64_t>(s.bShape.begin(), s.bShape.end() - 2));
  } catch (const Error &) {
    ctx.error("batch dimensions of A {} and B {} do not broadcast",
              shapeStr(a.shape()), shapeStr(b.shape()));
  }
  s.outShape = s.batch;
  if (a.rank() > 1)
    s.outShape.push_back(s.m);
  if (b.rank() > 1)
    s.outShape.push_back(s.n);
  return s;
}

template <typename T>
static Tensor matMul(const Tensor &a, const Tensor &b, const MatMulShape &s) {
  using Acc = std::conditional_t<std::is_integral_v<T>, uint64_t, double>;
  std::vector<int64_t> aBatch(s.aShape.begin(), s.aShape.end() - 2);
  std::vector<int64_t> bBatch(s.bShape.begin(), s.bShape.end() - 2);
  BroadcastIndexer aIdx(aBatch, s.batch), bIdx(bBatch, s.batch);
  int64_t batches = checkedNumElements(s.batch);
  Tensor out(a.elementType(), s.outShape);
  const T *av = a.data<T>();
  const T *bv = b.data<T>();
  T *y = out.data<T>();
  for (int64_t bi = 0; bi < batches; ++bi) {
    const T *am = av + aIdx(bi) * s.m * s.k;
    const T *bm = bv + bIdx(bi) * s.k * s.n;
    T *ym = y + bi * s.m * s.n;
    for (int64_t i = 0; i < s.m; ++i)
      for (int64_t j = 0; j < s.n; ++j) {
        Acc acc = 0;
        for (int64_t l = 0; l < s.k; ++l)
          acc += Acc(ComputeType<T>(am[i * s.k + l])) *
                 Acc(ComputeType<T>(bm[l * s.n + j]));
        ym[i * s.n + j] = T(ComputeType<T>(acc));
      }
  }
  return out;
}

void evalMatMul(EvalContext &ctx) {
  const Tensor &a = ctx.input(0);
  const Tensor &b = ctx.input(1);
  ElementType e = a.elementType();
  if (b.elementType() != e)
    ctx.error("operands have different element types {} and {}", toString(e),
              toString(b.elementType()));
  if (e == ElementType::Bool || (!isFloat(e) && !isInteger(e)))
    ctx.error("unsupported element type {}", toString(e));
  MatMulShape s = planMatMul(ctx, a, b);
  ctx.outputs[0] = visitType(e, [&](auto tag) -> Tensor {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, bool>)
      ctx.error("unsupported element type bool");
    else
      return matMul<T>(a, b, s);
  });
}

} // namespace kiln
