//===- TensorInferSlice.cpp - inference for Slice and Pad -----------------===//
#include "TensorInferUtils.h"

namespace kiln {

using namespace tensorinfer;

// Integer 1-D operand i, its values if constant.
static std::optional<std::vector<int64_t>>
intOperand(const InferContext &ctx, size_t i, const char *what) {
  if (!ctx.hasInput(i))
    return std::nullopt;
  const TensorType &t = ctx.input(i);
  if (!isInteger(t.elementType()))
    ctx.error("{} must be an integer tensor, not {}", what, t.str());
  if (t.isRanked() && t.rank() > 1)
    ctx.error("{} must be 1-D, not {}", what, t.str());
  return constInts(ctx, i);
}

void inferSlice(InferContext &ctx) {
  const TensorType &data = ctx.input(0);
  auto starts = intOperand(ctx, 1, "starts");
  auto ends = intOperand(ctx, 2, "ends");
  auto axes = intOperand(ctx, 3, "axes");
  auto steps = intOperand(ctx, 4, "steps");
  if (!data.isRanked()) {
    ctx.setResult(0, unrankedLike(data));
    return;
  }
  int64_t rank = int64_t(data.rank());
  std::optional<int64_t> n = staticLength(ctx.input(1));
  if (starts)
    n = int64_t(starts->size());
  if (ends && n && int64_t(ends->size()) != *n)
    ctx.error("starts has {} entries but ends has {}", *n, ends->size());
  if (axes && n && int64_t(axes->size()) != *n)
    ctx.error("starts has {} entries but axes has {}", *n, axes->size());
  if (steps && n && int64_t(steps->size()) != *n)
    ctx.error("starts has {} entries but steps has {}", *n, steps->size());
  // Without the axes, any dim may change.
  if (!n || (ctx.hasInput(3) && !axes)) {
    ctx.setResult(0, withDims(data, unknownDims(data.rank())));
    return;
  }
  std::vector<int64_t> axisList;
  if (axes)
    axisList = resolveAxes(*axes, rank);
  else
    axisList = resolveAxes(nullptr, size_t(*n), rank);
  std::vector<Dim> dims = data.dims();
  bool known = starts && ends && (steps || !ctx.hasInput(4));
  for (size_t i = 0; i < axisList.size(); ++i) {
    size_t axis = size_t(axisList[i]);
    if (!known || !dims[axis].isStatic()) {
      dims[axis] = Dim::unknown();
      if (steps && (*steps)[i] == 0)
        ctx.error("slice step must not be 0");
      continue;
    }
    int64_t step = steps ? (*steps)[i] : 1;
    if (step == 0)
      ctx.error("slice step must not be 0");
    dims[axis] =
        Dim(resolveSliceDim((*starts)[i], (*ends)[i], step, dims[axis].size())
                .count);
  }
  ctx.setResult(0, withDims(data, dims));
}

void inferPad(InferContext &ctx) {
  const TensorType &data = ctx.input(0);
  const std::string &mode = ctx.node.getString("mode");
  if (mode != "constant" && mode != "reflect" && mode != "edge" &&
      mode != "wrap")
    ctx.error("unsupported pad mode '{}'", mode);
  auto pads = intOperand(ctx, 1, "pads");
  auto axes = intOperand(ctx, 3, "axes");
  if (ctx.hasInput(2)) {
    const TensorType &v = ctx.input(2);
    if (v.elementType() != data.elementType())
      ctx.error("constant_value has element type {}, expected {}",
                toString(v.elementType()), toString(data.elementType()));
  }
  if (!data.isRanked()) {
    ctx.setResult(0, unrankedLike(data));
    return;
  }
  int64_t rank = int64_t(data.rank());
  if (ctx.hasInput(3) && !axes) {
    ctx.setResult(0, withDims(data, unknownDims(data.rank())));
    return;
  }
  std::vector<int64_t> axisList =
      axes ? resolveAxes(*axes, rank)
           : resolveAxes(nullptr, size_t(rank), rank);
  std::vector<Dim> dims = data.dims();
  if (!pads) {
    for (int64_t a : axisList)
      dims[size_t(a)] = Dim::unknown();
    ctx.setResult(0, withDims(data, dims));
    return;
  }
  size_t n = axisList.size();
  if (pads->size() != 2 * n)
    ctx.error("pads has {} entries, expected {} (two per padded axis)",
              pads->size(), 2 * n);
  for (size_t i = 0; i < n; ++i) {
    size_t a = size_t(axisList[i]);
    int64_t before = (*pads)[i], after = (*pads)[i + n];
    if (!dims[a].isStatic())
      continue;
    int64_t size = dims[a].size();
    if ((mode == "reflect" || mode == "edge" || mode == "wrap") && size == 0 &&
        (before > 0 || after > 0))
      ctx.error("cannot {}-pad axis {} of size 0", mode, a);
    int64_t out;
    if (__builtin_add_overflow(size, before, &out) ||
        __builtin_add_overflow(out, after, &out) || out < 0)
      ctx.error("pads {} and {} make axis {} of size {} invalid", before, after,
                a, size);
    dims[a] = Dim(out);
  }
  ctx.setResult(0, withDims(data, dims));
}

} // namespace kiln
