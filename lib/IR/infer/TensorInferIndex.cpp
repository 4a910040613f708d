//===- TensorInferIndex.cpp - inference for indexing ops ------------------===//
// Gather, GatherElements, GatherND, OneHot, Compress, NonZero and Unique.
//===----------------------------------------------------------------------===//
#include "TensorInferUtils.h"

namespace kiln {

using namespace tensorinfer;

static void checkIndices(const InferContext &ctx, size_t i) {
  ElementType e = ctx.input(i).elementType();
  if (e != ElementType::I32 && e != ElementType::I64)
    ctx.error("indices must be i32 or i64, not {}", toString(e));
}

void inferGather(InferContext &ctx) {
  const TensorType &data = ctx.input(0);
  const TensorType &indices = ctx.input(1);
  checkIndices(ctx, 1);
  if (!data.isRanked() || !indices.isRanked()) {
    ctx.setResult(0, unrankedLike(data));
    return;
  }
  if (data.rank() == 0)
    ctx.error("cannot gather from a scalar");
  size_t axis =
      size_t(normalizeAxis(ctx.node.getInt("axis"), int64_t(data.rank())));
  std::vector<Dim> out(data.dims().begin(), data.dims().begin() + axis);
  out.insert(out.end(), indices.dims().begin(), indices.dims().end());
  out.insert(out.end(), data.dims().begin() + axis + 1, data.dims().end());
  ctx.setResult(0, withDims(data, out));
}

void inferGatherElements(InferContext &ctx) {
  const TensorType &data = ctx.input(0);
  const TensorType &indices = ctx.input(1);
  checkIndices(ctx, 1);
  if (!indices.isRanked()) {
    ctx.setResult(0, unrankedLike(data));
    return;
  }
  if (data.isRanked()) {
    if (data.rank() == 0)
      ctx.error("cannot gather from a scalar");
    if (data.rank() != indices.rank())
      ctx.error("indices have rank {} but data has rank {}", indices.rank(),
                data.rank());
    normalizeAxis(ctx.node.getInt("axis"), int64_t(data.rank()));
  }
  ctx.setResult(0, withDims(data, indices.dims()));
}

void inferGatherND(InferContext &ctx) {
  const TensorType &data = ctx.input(0);
  const TensorType &indices = ctx.input(1);
  if (indices.elementType() != ElementType::I64 &&
      indices.elementType() != ElementType::I32)
    ctx.error("indices must be i64, not {}", toString(indices.elementType()));
  int64_t b = ctx.node.getInt("batch_dims");
  if (!data.isRanked() || !indices.isRanked() || indices.rank() == 0 ||
      !indices.dims().back().isStatic()) {
    if (indices.isRanked() && indices.rank() == 0)
      ctx.error("indices must have rank >= 1");
    ctx.setResult(0, unrankedLike(data));
    return;
  }
  int64_t r = int64_t(data.rank()), q = int64_t(indices.rank());
  int64_t k = indices.dims().back().size();
  if (b < 0 || b >= std::min(r, q))
    ctx.error("batch_dims {} must be in [0, {})", b, std::min(r, q));
  if (k < 1 || k > r - b)
    ctx.error("index tuples of length {} do not fit data of rank {} with {} "
              "batch dims",
              k, r, b);
  for (int64_t i = 0; i < b; ++i) {
    const Dim &x = data.dim(size_t(i)), &y = indices.dim(size_t(i));
    if (x.isStatic() && y.isStatic() && x.size() != y.size())
      ctx.error("batch dimension {} differs: {} vs {}", i, x.size(), y.size());
  }
  std::vector<Dim> out(indices.dims().begin(), indices.dims().end() - 1);
  for (int64_t i = 0; i < b && i < q - 1; ++i)
    if (!out[size_t(i)].isStatic() && data.dim(size_t(i)).isStatic())
      out[size_t(i)] = data.dim(size_t(i));
  out.insert(out.end(), data.dims().begin() + b + k, data.dims().end());
  ctx.setResult(0, withDims(data, out));
}

void inferOneHot(InferContext &ctx) {
  const TensorType &indices = ctx.input(0);
  const TensorType &values = ctx.input(2);
  if (values.isRanked() && values.numElements() >= 0 &&
      values.numElements() != 2)
    ctx.error("values must hold two elements [off, on], not {}", values.str());
  if (ctx.input(1).isRanked() && ctx.input(1).numElements() > 1)
    ctx.error("depth must be a scalar, not {}", ctx.input(1).str());
  if (!indices.isRanked()) {
    ctx.setResult(0, TensorType::unranked(values.elementType()));
    return;
  }
  int64_t outRank = int64_t(indices.rank()) + 1;
  size_t axis = size_t(normalizeAxis(ctx.node.getInt("axis"), outRank));
  Dim depth = Dim::unknown();
  if (const Tensor *d = ctx.constant(1)) {
    if (d->numElements() != 1)
      ctx.error("depth must be a scalar");
    int64_t v = d->getInt(0);
    if (v < 1)
      ctx.error("depth must be positive, not {}", v);
    depth = Dim(v);
  }
  std::vector<Dim> out = indices.dims();
  out.insert(out.begin() + axis, depth);
  ctx.setResult(0, TensorType(values.elementType(), out));
}

void inferCompress(InferContext &ctx) {
  const TensorType &data = ctx.input(0);
  const TensorType &cond = ctx.input(1);
  if (cond.elementType() != ElementType::Bool)
    ctx.error("condition must be bool, not {}", toString(cond.elementType()));
  if (cond.isRanked() && cond.rank() != 1)
    ctx.error("condition must be 1-D, not {}", cond.str());
  Dim count = Dim::unknown();
  if (const Tensor *c = ctx.constant(1)) {
    int64_t n = 0;
    for (int64_t i = 0; i < c->numElements(); ++i)
      n += c->getInt(i) != 0;
    count = Dim(n);
  }
  const Attribute *axisAttr = ctx.node.findAttr("axis");
  if (!axisAttr) {
    ctx.setResult(0, withDims(data, {count}));
    return;
  }
  if (!data.isRanked()) {
    ctx.setResult(0, unrankedLike(data));
    return;
  }
  size_t axis = size_t(normalizeAxis(axisAttr->getInt(), int64_t(data.rank())));
  std::vector<Dim> out = data.dims();
  out[axis] = count;
  ctx.setResult(0, withDims(data, out));
}

void inferNonZero(InferContext &ctx) {
  const TensorType &data = ctx.input(0);
  Dim rank = data.isRanked() ? Dim(int64_t(data.rank())) : Dim::unknown();
  ctx.setResult(0, TensorType(ElementType::I64, {rank, Dim::unknown()}));
}

void inferUnique(InferContext &ctx) {
  const TensorType &data = ctx.input(0);
  const Attribute *axisAttr = ctx.node.findAttr("axis");
  TensorType y = withDims(data, {Dim::unknown()});
  TensorType vec(ElementType::I64, {Dim::unknown()});
  TensorType inverse(ElementType::I64, {Dim::unknown()});
  if (axisAttr) {
    if (!data.isRanked()) {
      y = unrankedLike(data);
    } else {
      size_t axis =
          size_t(normalizeAxis(axisAttr->getInt(), int64_t(data.rank())));
      std::vector<Dim> dims = data.dims();
      inverse = TensorType(ElementType::I64, {dims[axis]});
      dims[axis] = Dim::unknown();
      y = withDims(data, dims);
    }
  } else if (data.isRanked()) {
    inverse =
        TensorType(ElementType::I64, {productOf(data.dims(), 0, data.rank())});
  }
  TensorType results[] = {y, vec, inverse, vec};
  for (size_t i = 0; i < ctx.numResults() && i < 4; ++i)
    ctx.setResult(i, results[i]);
}

} // namespace kiln
