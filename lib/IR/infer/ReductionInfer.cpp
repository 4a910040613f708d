//===- ReductionInfer.cpp - inference for reductions and TopK -------------===//
#include "kiln/IR/InferUtils.h"

#include <algorithm>

namespace kiln {

void inferReduce(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  ElementType elem = x.elementType();
  bool keepdims = ctx.node.getInt("keepdims") != 0;
  bool noop = ctx.node.getInt("noop_with_empty_axes") != 0;
  if (!x.isRanked()) {
    ctx.setResult(0, TensorType::unranked(elem));
    return;
  }
  int64_t rank = int64_t(x.rank());
  std::vector<int64_t> axes;
  if (ctx.hasInput(1)) {
    const TensorType &a = ctx.input(1);
    if (!isInteger(a.elementType()))
      ctx.error("axes must be an integer tensor, not {}",
                toString(a.elementType()));
    if (a.isRanked() && a.rank() > 1)
      ctx.error("axes must be a 1-D tensor, not {}", a.str());
    std::optional<std::vector<int64_t>> known = constantInts(ctx, 1);
    if (!known) {
      // Unknown axes: with keepdims the rank is kept, sizes are unknown.
      if (keepdims) {
        ctx.setResult(0, TensorType(elem, std::vector<Dim>(x.rank())));
        return;
      }
      if (a.isRanked() && a.rank() == 1 && a.dim(0).isStatic() &&
          a.dim(0).size() > 0) {
        int64_t n = a.dim(0).size();
        if (n > rank)
          ctx.error("{} axes for a tensor of rank {}", n, rank);
        ctx.setResult(0, TensorType(elem, std::vector<Dim>(rank - n)));
        return;
      }
      ctx.setResult(0, TensorType::unranked(elem));
      return;
    }
    axes = normalizeAxes(*known, rank);
  }
  if (axes.empty()) {
    if (noop) {
      ctx.setResult(0, x);
      return;
    }
    for (int64_t i = 0; i < rank; ++i)
      axes.push_back(i);
  }
  std::vector<Dim> dims;
  for (int64_t i = 0; i < rank; ++i) {
    bool reduced = std::find(axes.begin(), axes.end(), i) != axes.end();
    if (!reduced)
      dims.push_back(x.dim(i));
    else if (keepdims)
      dims.push_back(Dim(1));
  }
  ctx.setResult(0, TensorType(elem, dims));
}

void inferArgReduce(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  if (!x.isRanked()) {
    ctx.setResult(0, TensorType::unranked(ElementType::I64));
    return;
  }
  if (x.rank() == 0)
    ctx.error("input must have rank at least 1");
  int64_t axis = normalizeAxis(ctx.node.getInt("axis"), int64_t(x.rank()));
  bool keepdims = ctx.node.getInt("keepdims") != 0;
  std::vector<Dim> dims;
  for (int64_t i = 0; i < int64_t(x.rank()); ++i) {
    if (i != axis)
      dims.push_back(x.dim(i));
    else if (keepdims)
      dims.push_back(Dim(1));
  }
  ctx.setResult(0, TensorType(ElementType::I64, dims));
}

void inferTopK(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  const TensorType &k = ctx.input(1);
  if (k.elementType() != ElementType::I64)
    ctx.error("k must be i64, not {}", toString(k.elementType()));
  if (k.isRanked() && k.numElements() > 1)
    ctx.error("k must hold a single value, not {}", k.str());
  if (!x.isRanked()) {
    ctx.setResult(0, TensorType::unranked(x.elementType()));
    ctx.setResult(1, TensorType::unranked(ElementType::I64));
    return;
  }
  if (x.rank() == 0)
    ctx.error("input must have rank at least 1");
  int64_t axis = normalizeAxis(ctx.node.getInt("axis"), int64_t(x.rank()));
  std::vector<Dim> dims = x.dims();
  Dim kDim;
  if (std::optional<std::vector<int64_t>> kv = constantInts(ctx, 1)) {
    if (kv->size() != 1)
      ctx.error("k must hold a single value");
    int64_t kval = (*kv)[0];
    if (kval < 0)
      ctx.error("k = {} must not be negative", kval);
    if (dims[axis].isStatic() && kval > dims[axis].size())
      ctx.error("k = {} exceeds the size {} of axis {}", kval,
                dims[axis].size(), axis);
    kDim = Dim(kval);
  }
  dims[axis] = kDim;
  ctx.setResult(0, TensorType(x.elementType(), dims));
  ctx.setResult(1, TensorType(ElementType::I64, dims));
}

// Softmax, LogSoftmax, Hardmax: float input, axis within its rank.
void inferSoftmax(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  if (!isFloat(x.elementType()))
    ctx.error("unsupported element type {}", toString(x.elementType()));
  if (x.isRanked())
    normalizeAxis(ctx.node.getInt("axis"), int64_t(x.rank()));
  ctx.setResult(0, x);
}

void inferCumSum(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  const TensorType &axis = ctx.input(1);
  ElementType e = x.elementType();
  if (!isFloat(e) && !isInteger(e))
    ctx.error("unsupported element type {}", toString(e));
  if (axis.elementType() != ElementType::I32 &&
      axis.elementType() != ElementType::I64)
    ctx.error("axis must be i32 or i64, not {}", toString(axis.elementType()));
  if (axis.isRanked() && (axis.rank() > 1 || axis.numElements() > 1))
    ctx.error("axis must be a scalar, not {}", axis.str());
  if (std::optional<std::vector<int64_t>> a = constantInts(ctx, 1))
    if (x.isRanked() && a->size() == 1)
      normalizeAxis((*a)[0], int64_t(x.rank()));
  ctx.setResult(0, x);
}

} // namespace kiln
