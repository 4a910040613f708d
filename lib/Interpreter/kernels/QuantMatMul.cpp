//===- QuantMatMul.cpp - MatMulInteger and QLinearMatMul ------------------===//
// Numpy-style batched matrix products of zero-point-shifted 8-bit operands,
// accumulated in int32 (wrapping, as 32-bit hardware would).
//===----------------------------------------------------------------------===//
#include "QuantCommon.h"

namespace kiln {

namespace {
// Shapes of a numpy matmul after promoting 1-D operands to matrices.
struct MatMulDims {
  std::vector<int64_t> aBatch, bBatch, batch, outShape;
  int64_t m = 1, k = 1, n = 1;
};
} // namespace

static MatMulDims matmulDims(const EvalContext &ctx, const Tensor &a,
                             const Tensor &b) {
  if (a.rank() == 0 || b.rank() == 0)
    ctx.error("operands must have rank >= 1, not {} and {}",
              shapeStr(a.shape()), shapeStr(b.shape()));
  std::vector<int64_t> as = a.shape(), bs = b.shape();
  if (as.size() == 1)
    as.insert(as.begin(), 1);
  if (bs.size() == 1)
    bs.push_back(1);
  MatMulDims d;
  d.m = as[as.size() - 2];
  d.k = as.back();
  d.n = bs.back();
  if (bs[bs.size() - 2] != d.k)
    ctx.error("inner dimensions differ: A {} vs B {}", shapeStr(a.shape()),
              shapeStr(b.shape()));
  d.aBatch.assign(as.begin(), as.end() - 2);
  d.bBatch.assign(bs.begin(), bs.end() - 2);
  d.batch = broadcastShape(d.aBatch, d.bBatch);
  d.outShape = d.batch;
  if (a.rank() > 1)
    d.outShape.push_back(d.m);
  if (b.rank() > 1)
    d.outShape.push_back(d.n);
  return d;
}

// Loads a quantized operand minus its zero point; `perRow` selects per-row
// (index / k % m, for A) or per-column (index % n, for B) zero points.
static std::vector<int64_t> shifted(const Tensor &t,
                                    const std::vector<int64_t> &zps,
                                    bool perRow, const MatMulDims &d) {
  std::vector<int64_t> v = loadInts(t);
  for (size_t i = 0; i < v.size(); ++i) {
    int64_t c = perRow ? (int64_t(i) / d.k) % d.m : int64_t(i) % d.n;
    v[i] -= paramAt(zps, c);
  }
  return v;
}

// out[batch, m, n] = sum_k a[batch, m, k] * b[batch, k, n], wrapped to i32.
static std::vector<int64_t> integerMatMul(const std::vector<int64_t> &a,
                                          const std::vector<int64_t> &b,
                                          const MatMulDims &d) {
  int64_t batches = checkedNumElements(d.batch);
  std::vector<int64_t> out(size_t(checkedNumElements(d.outShape)));
  BroadcastIndexer ia(d.aBatch, d.batch), ib(d.bBatch, d.batch);
  for (int64_t bi = 0; bi < batches; ++bi) {
    const int64_t *pa = a.data() + ia(bi) * d.m * d.k;
    const int64_t *pb = b.data() + ib(bi) * d.k * d.n;
    int64_t *po = out.data() + bi * d.m * d.n;
    for (int64_t i = 0; i < d.m; ++i)
      for (int64_t j = 0; j < d.n; ++j) {
        uint32_t acc = 0;
        for (int64_t p = 0; p < d.k; ++p)
          acc += uint32_t(pa[i * d.k + p] * pb[p * d.n + j]);
        po[i * d.n + j] = int32_t(acc);
      }
  }
  return out;
}

// MatMulInteger(A, B, a_zp?, b_zp?): zero points per tensor, per row of A
// or per column of B.
void evalMatMulInteger(EvalContext &ctx) {
  requireQuant8(ctx, 0, "A");
  requireQuant8(ctx, 1, "B");
  const Tensor &a = ctx.input(0), &b = ctx.input(1);
  MatMulDims d = matmulDims(ctx, a, b);
  std::vector<int64_t> azp =
      readZeroPoints(ctx, 2, d.m, a.elementType(), "a_zero_point");
  std::vector<int64_t> bzp =
      readZeroPoints(ctx, 3, d.n, b.elementType(), "b_zero_point");
  std::vector<int64_t> acc =
      integerMatMul(shifted(a, azp, true, d), shifted(b, bzp, false, d), d);
  ctx.outputs[0] = storeInts(ElementType::I32, d.outShape, acc, false);
}

// QLinearMatMul(a, a_scale, a_zp, b, b_scale, b_zp, y_scale, y_zp):
// a's parameters per tensor or per row, b's per tensor or per column, y's
// per tensor or per row. y = round(acc * a_scale * b_scale / y_scale) + y_zp
// with the multiplier in float and the product in double, as ONNX's
// reference computes it.
void evalQLinearMatMul(EvalContext &ctx) {
  requireQuant8(ctx, 0, "a");
  requireQuant8(ctx, 3, "b");
  requireQuant8(ctx, 7, "y_zero_point");
  const Tensor &a = ctx.input(0), &b = ctx.input(3);
  ElementType outType = ctx.input(7).elementType();
  MatMulDims d = matmulDims(ctx, a, b);
  std::vector<float> as = readScales(ctx, 1, d.m, "a_scale");
  std::vector<int64_t> azp =
      readZeroPoints(ctx, 2, d.m, a.elementType(), "a_zero_point");
  std::vector<float> bs = readScales(ctx, 4, d.n, "b_scale");
  std::vector<int64_t> bzp =
      readZeroPoints(ctx, 5, d.n, b.elementType(), "b_zero_point");
  std::vector<float> ys = readScales(ctx, 6, d.m, "y_scale");
  std::vector<int64_t> yzp =
      readZeroPoints(ctx, 7, d.m, outType, "y_zero_point");
  std::vector<int64_t> acc =
      integerMatMul(shifted(a, azp, true, d), shifted(b, bzp, false, d), d);
  for (size_t i = 0; i < acc.size(); ++i) {
    int64_t row = (int64_t(i) / d.n) % d.m, col = int64_t(i) % d.n;
    float multiplier = paramAt(as, row) * paramAt(bs, col) / paramAt(ys, row);
    acc[i] = quantizeValue(double(acc[i]) * double(multiplier),
                           paramAt(yzp, row), outType);
  }
  ctx.outputs[0] = storeInts(outType, d.outShape, acc, false);
}

} // namespace kiln
