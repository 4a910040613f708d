//===- IndexGather.cpp - lowering of Gather, GatherElements, GatherND -----===//
// Indices come from a tensor at run time. They are wrapped (negative counts
// from the end) like the interpreter does; where the interpreter rejects an
// out-of-range index, the generated code clamps it into the dimension so it
// never reads outside the data buffer.
//===----------------------------------------------------------------------===//
#include "TensorLowerUtils.h"

namespace kiln {

using namespace loop;
using namespace lowerutil;

static Expr safeIndex(Expr raw, int64_t dim) {
  return clampIndex(wrapIndex(raw, dim), dim);
}

static void checkIndexType(const LowerContext &ctx, const Buffer &indices) {
  if (indices->elem != ElementType::I32 && indices->elem != ElementType::I64)
    ctx.error("indices must be i32 or i64, not {}", toString(indices->elem));
}

// A non-empty result that must read from empty data: no element is
// readable (the interpreter rejects every index here).
static void checkReadable(const LowerContext &ctx, const Buffer &data,
                          const Buffer &out) {
  if (!isEmpty(out->shape) && isEmpty(data->shape))
    ctx.error("cannot gather from empty data {}", toString(data->elem));
}

void lowerGather(LowerContext &ctx) {
  const Buffer &data = ctx.input(0);
  const Buffer &indices = ctx.input(1);
  const Buffer &out = ctx.output(0);
  checkIndexType(ctx, indices);
  size_t r = data->rank(), q = indices->rank();
  if (r == 0)
    ctx.error("cannot gather from a scalar");
  size_t axis = size_t(normAxis(ctx, ctx.node.getInt("axis"), int64_t(r)));
  if (out->rank() != r - 1 + q)
    ctx.error("result rank {} is not {}", out->rank(), r - 1 + q);
  checkReadable(ctx, data, out);
  int64_t dim = data->shape[axis];
  // out[o..., j..., i...] = data[o..., indices[j...], i...]
  ctx.emit(compute(out, [&](const Indices &o) {
    Indices j(o.begin() + long(axis), o.begin() + long(axis + q));
    Indices src(o.begin(), o.begin() + long(axis));
    src.push_back(safeIndex(loadIndex(indices, j), dim));
    src.insert(src.end(), o.begin() + long(axis + q), o.end());
    return load(data, src);
  }));
}

void lowerGatherElements(LowerContext &ctx) {
  const Buffer &data = ctx.input(0);
  const Buffer &indices = ctx.input(1);
  const Buffer &out = ctx.output(0);
  checkIndexType(ctx, indices);
  size_t rank = data->rank();
  if (rank == 0 || indices->rank() != rank)
    ctx.error("indices must have the rank {} of data", rank);
  size_t axis = size_t(normAxis(ctx, ctx.node.getInt("axis"), int64_t(rank)));
  for (size_t d = 0; d < rank; ++d)
    if (d != axis && indices->shape[d] > data->shape[d])
      ctx.error("indices dim {} of size {} exceeds data's {}", d,
                indices->shape[d], data->shape[d]);
  checkReadable(ctx, data, out);
  int64_t dim = data->shape[axis];
  ctx.emit(compute(out, [&](const Indices &o) {
    Indices src = o;
    src[axis] = safeIndex(loadIndex(indices, o), dim);
    return load(data, src);
  }));
}

void lowerGatherND(LowerContext &ctx) {
  const Buffer &data = ctx.input(0);
  const Buffer &indices = ctx.input(1);
  const Buffer &out = ctx.output(0);
  checkIndexType(ctx, indices);
  size_t b = size_t(ctx.node.getInt("batch_dims"));
  size_t r = data->rank(), q = indices->rank();
  if (q == 0)
    ctx.error("indices must have rank >= 1");
  size_t k = size_t(indices->shape[q - 1]);
  if (b >= q || b + k > r)
    ctx.error("index tuples of length {} with {} batch dims do not fit data "
              "of rank {}",
              k, b, r);
  for (size_t i = 0; i < b; ++i)
    if (data->shape[i] != indices->shape[i])
      ctx.error("batch dimension {} differs between data and indices", i);
  if (out->rank() != q - 1 + r - b - k)
    ctx.error("result rank {} is not {}", out->rank(), q - 1 + r - b - k);
  checkReadable(ctx, data, out);
  // out[batch..., tuple..., slice...] =
  //   data[batch..., indices[batch..., tuple..., 0..k-1], slice...]
  ctx.emit(compute(out, [&](const Indices &o) {
    Indices src(o.begin(), o.begin() + long(b));
    Indices at(o.begin(), o.begin() + long(q - 1));
    at.push_back(Expr(0));
    for (size_t j = 0; j < k; ++j) {
      at.back() = Expr(int64_t(j));
      src.push_back(safeIndex(loadIndex(indices, at), data->shape[b + j]));
    }
    src.insert(src.end(), o.begin() + long(q - 1), o.end());
    return load(data, src);
  }));
}

} // namespace kiln
