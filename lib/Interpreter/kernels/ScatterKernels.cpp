//===- ScatterKernels.cpp - ScatterElements, ScatterND --------------------===//
// The result is a copy of data with updates written (or combined with the
// reduction none/add/mul/max/min) at the indexed positions. Indices are
// wrapped and bounds-checked first.
//===----------------------------------------------------------------------===//
#include "TensorKernelUtils.h"

#include <algorithm>

namespace kiln {

using namespace tensorkernels;

namespace {
enum class Reduction { None, Add, Mul, Max, Min };
} // namespace

static Reduction parseReduction(const EvalContext &ctx) {
  const std::string &r = ctx.node.getString("reduction");
  if (r == "none")
    return Reduction::None;
  if (r == "add")
    return Reduction::Add;
  if (r == "mul")
    return Reduction::Mul;
  if (r == "max")
    return Reduction::Max;
  if (r == "min")
    return Reduction::Min;
  ctx.error("unsupported reduction '{}'", r);
}

// For each (destination offset in out, source offset in updates, count)
// block, writes or combines the updates into out.
static void applyUpdates(const EvalContext &ctx, Tensor &out,
                         const Tensor &updates,
                         const std::vector<int64_t> &dstOffsets,
                         int64_t blockSize) {
  if (updates.elementType() != out.elementType())
    ctx.error("updates have element type {}, expected {}",
              toString(updates.elementType()), toString(out.elementType()));
  Reduction red = parseReduction(ctx);
  if (red == Reduction::None) {
    for (size_t i = 0; i < dstOffsets.size(); ++i)
      copyElements(updates, int64_t(i) * blockSize, out, dstOffsets[i],
                   blockSize);
    return;
  }
  visitType(out.elementType(), [&](auto tag) {
    using T = typename decltype(tag)::type;
    using C = ComputeType<T>;
    T *dst = out.data<T>();
    const T *src = updates.data<T>();
    for (size_t i = 0; i < dstOffsets.size(); ++i) {
      for (int64_t j = 0; j < blockSize; ++j) {
        T &d = dst[dstOffsets[i] + j];
        C u = C(src[int64_t(i) * blockSize + j]), v = C(d);
        switch (red) {
        case Reduction::Add:
          d = T(v + u);
          break;
        case Reduction::Mul:
          d = T(v * u);
          break;
        case Reduction::Max:
          d = T(std::max(v, u));
          break;
        case Reduction::Min:
          d = T(std::min(v, u));
          break;
        case Reduction::None:
          break;
        }
      }
    }
  });
}

void evalScatterElements(EvalContext &ctx) {
  const Tensor &data = ctx.input(0);
  const Tensor &indexT = ctx.input(1);
  const Tensor &updates = ctx.input(2);
  size_t rank = data.rank();
  check(rank > 0, "cannot scatter into a scalar");
  size_t axis = size_t(normalizeAxis(ctx.node.getInt("axis"), int64_t(rank)));
  if (indexT.rank() != rank || updates.shape() != indexT.shape())
    ctx.error("indices {} and updates {} must have the same shape and the "
              "rank of data {}",
              shapeStr(indexT.shape()), shapeStr(updates.shape()),
              shapeStr(data.shape()));
  for (size_t d = 0; d < rank; ++d)
    if (d != axis && indexT.dim(d) > data.dim(d))
      ctx.error("indices shape {} exceeds data shape {} in dimension {}",
                shapeStr(indexT.shape()), shapeStr(data.shape()), d);
  std::vector<int64_t> indices = indexT.toIntVector();
  std::vector<int64_t> strides = stridesOf(data.shape());
  std::vector<int64_t> offsets(indices.size());
  for (size_t i = 0; i < indices.size(); ++i) {
    std::vector<int64_t> coord = unravelIndex(int64_t(i), indexT.shape());
    coord[axis] = wrapIndex(ctx, indices[i], data.dim(axis));
    offsets[i] = ravelIndex(coord, strides);
  }
  Tensor out = data;
  applyUpdates(ctx, out, updates, offsets, 1);
  ctx.outputs[0] = std::move(out);
}

void evalScatterND(EvalContext &ctx) {
  const Tensor &data = ctx.input(0);
  const Tensor &indexT = ctx.input(1);
  const Tensor &updates = ctx.input(2);
  size_t q = indexT.rank();
  if (q == 0)
    ctx.error("indices must have rank >= 1");
  int64_t k = indexT.dim(q - 1);
  if (k > int64_t(data.rank()))
    ctx.error("index tuples of length {} do not fit data of rank {}", k,
              data.rank());
  // updates.shape must be indices.shape[:-1] + data.shape[k:].
  std::vector<int64_t> want(indexT.shape().begin(), indexT.shape().end() - 1);
  want.insert(want.end(), data.shape().begin() + k, data.shape().end());
  if (updates.shape() != want)
    ctx.error("updates have shape {}, expected {}", shapeStr(updates.shape()),
              shapeStr(want));
  std::vector<int64_t> indices = indexT.toIntVector();
  std::vector<int64_t> strides = stridesOf(data.shape());
  int64_t tuples = productOf(indexT.shape(), 0, q - 1);
  std::vector<int64_t> offsets(static_cast<size_t>(tuples), 0);
  for (int64_t t = 0; t < tuples; ++t)
    for (int64_t j = 0; j < k; ++j)
      offsets[size_t(t)] +=
          wrapIndex(ctx, indices[size_t(t * k + j)], data.dim(size_t(j))) *
          strides[size_t(j)];
  Tensor out = data;
  applyUpdates(ctx, out, updates, offsets,
               productOf(data.shape(), size_t(k), data.rank()));
  ctx.outputs[0] = std::move(out);
}

} // namespace kiln
