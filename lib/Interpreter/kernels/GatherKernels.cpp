//===- GatherKernels.cpp - Gather, GatherElements, GatherND ---------------===//
// Every index is wrapped (negative counts from the end) and bounds-checked
// before any data moves.
//===----------------------------------------------------------------------===//
#include "TensorKernelUtils.h"

namespace kiln {

using namespace tensorkernels;

void evalGather(EvalContext &ctx) {
  const Tensor &data = ctx.input(0);
  std::vector<int64_t> outShape = concreteResultShape(ctx);
  size_t axis =
      size_t(normalizeAxis(ctx.node.getInt("axis"), int64_t(data.rank())));
  std::vector<int64_t> indices = ctx.input(1).toIntVector();
  int64_t dim = data.dim(axis);
  for (int64_t &i : indices)
    i = wrapIndex(ctx, i, dim);
  int64_t outer = productOf(data.shape(), 0, axis);
  int64_t inner = productOf(data.shape(), axis + 1, data.rank());
  int64_t n = int64_t(indices.size());
  Tensor out(data.elementType(), outShape);
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t j = 0; j < n; ++j)
      copyElements(data, (o * dim + indices[size_t(j)]) * inner, out,
                   (o * n + j) * inner, inner);
  ctx.outputs[0] = std::move(out);
}

void evalGatherElements(EvalContext &ctx) {
  const Tensor &data = ctx.input(0);
  const Tensor &indexT = ctx.input(1);
  std::vector<int64_t> outShape = concreteResultShape(ctx);
  size_t rank = data.rank();
  size_t axis = size_t(normalizeAxis(ctx.node.getInt("axis"), int64_t(rank)));
  for (size_t d = 0; d < rank; ++d)
    if (d != axis && indexT.dim(d) > data.dim(d))
      ctx.error("indices shape {} exceeds data shape {} in dimension {}",
                shapeStr(indexT.shape()), shapeStr(data.shape()), d);
  std::vector<int64_t> indices = indexT.toIntVector();
  std::vector<int64_t> dataStrides = stridesOf(data.shape());
  // Source index of every output element.
  std::vector<int64_t> src(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) {
    std::vector<int64_t> coord = unravelIndex(int64_t(i), indexT.shape());
    coord[axis] = wrapIndex(ctx, indices[i], data.dim(axis));
    src[i] = ravelIndex(coord, dataStrides);
  }
  Tensor out(data.elementType(), outShape);
  copyMapped(data, out, [&](int64_t i) { return src[size_t(i)]; });
  ctx.outputs[0] = std::move(out);
}

void evalGatherND(EvalContext &ctx) {
  const Tensor &data = ctx.input(0);
  const Tensor &indexT = ctx.input(1);
  std::vector<int64_t> outShape = concreteResultShape(ctx);
  size_t b = size_t(ctx.node.getInt("batch_dims"));
  size_t q = indexT.rank();
  size_t k = size_t(indexT.dim(q - 1));
  for (size_t i = 0; i < b; ++i)
    if (data.dim(i) != indexT.dim(i))
      ctx.error("batch dimension {} differs: data {} vs indices {}", i,
                shapeStr(data.shape()), shapeStr(indexT.shape()));
  std::vector<int64_t> indices = indexT.toIntVector();
  std::vector<int64_t> strides = stridesOf(data.shape());
  int64_t batches = productOf(data.shape(), 0, b);
  int64_t batchSize = productOf(data.shape(), b, data.rank());
  int64_t tuples = productOf(indexT.shape(), b, q - 1);
  int64_t sliceSize = productOf(data.shape(), b + k, data.rank());
  Tensor out(data.elementType(), outShape);
  for (int64_t bi = 0; bi < batches; ++bi) {
    for (int64_t t = 0; t < tuples; ++t) {
      const int64_t *tuple = indices.data() + (bi * tuples + t) * int64_t(k);
      int64_t offset = bi * batchSize;
      for (size_t j = 0; j < k; ++j)
        offset += wrapIndex(ctx, tuple[j], data.dim(b + j)) * strides[b + j];
      copyElements(data, offset, out, (bi * tuples + t) * sliceSize, sliceSize);
    }
  }
  ctx.outputs[0] = std::move(out);
}

} // namespace kiln
