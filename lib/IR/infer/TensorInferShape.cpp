//===- TensorInferShape.cpp - inference for reshape-like ops --------------===//
// Constant, Reshape, Transpose, Squeeze, Unsqueeze, Flatten, Concat, Split,
// DepthToSpace, SpaceToDepth, Expand and Tile.
//===----------------------------------------------------------------------===//
#include "TensorInferUtils.h"

#include <algorithm>

namespace kiln {

using namespace tensorinfer;

void inferConstant(InferContext &ctx) {
  ctx.setResult(0, ctx.node.getTensor("value").type());
}

static void checkShapeOperand(const InferContext &ctx, size_t i,
                              const char *what) {
  const TensorType &t = ctx.input(i);
  if (!isInteger(t.elementType()))
    ctx.error("{} must be an integer tensor, not {}", what, t.str());
  if (t.isRanked() && t.rank() > 1)
    ctx.error("{} must be 1-D, not {}", what, t.str());
}

// Resolves a -1 entry when the static parts of data and result differ only
// by the same symbolic dims, e.g. [N,3,4] -> [N,-1] gives [N,12].
static Dim inferMinusOne(const std::vector<Dim> &data,
                         const std::vector<Dim> &out, size_t at) {
  std::vector<std::string> symIn, symOut;
  int64_t prodIn = 1, prodOut = 1;
  for (const Dim &d : data) {
    if (d.isStatic())
      prodIn = checkedMul(prodIn, d.size());
    else if (d.isSymbol())
      symIn.push_back(d.symbolName());
    else
      return Dim::unknown();
  }
  for (size_t i = 0; i < out.size(); ++i) {
    if (i == at)
      continue;
    if (out[i].isStatic())
      prodOut = checkedMul(prodOut, out[i].size());
    else if (out[i].isSymbol())
      symOut.push_back(out[i].symbolName());
    else
      return Dim::unknown();
  }
  std::sort(symIn.begin(), symIn.end());
  std::sort(symOut.begin(), symOut.end());
  if (symIn != symOut)
    return Dim::unknown();
  if (prodOut == 0) {
    if (prodIn != 0 || symIn.empty())
      fail("cannot infer the -1 dimension: the other dimensions have no "
           "elements");
    return Dim::unknown();
  }
  if (prodIn % prodOut != 0)
    fail("cannot reshape {} elements into a multiple of {}", prodIn, prodOut);
  return Dim(prodIn / prodOut);
}

void inferReshape(InferContext &ctx) {
  const TensorType &data = ctx.input(0);
  checkShapeOperand(ctx, 1, "the shape operand");
  bool allowZero = ctx.node.getInt("allowzero") != 0;
  std::optional<std::vector<int64_t>> target = constInts(ctx, 1);
  if (!target) {
    std::optional<int64_t> n = staticLength(ctx.input(1));
    ctx.setResult(0, n ? withDims(data, unknownDims(size_t(*n)))
                       : unrankedLike(data));
    return;
  }
  std::vector<Dim> out;
  int64_t minusOne = -1;
  bool hasZero = false;
  for (size_t i = 0; i < target->size(); ++i) {
    int64_t v = (*target)[i];
    if (v == 0 && !allowZero) {
      if (!data.isRanked())
        out.push_back(Dim::unknown());
      else if (i < data.rank())
        out.push_back(data.dim(i));
      else
        ctx.error("shape entry {} is 0 but the input has rank {}", i,
                  data.rank());
    } else if (v == -1) {
      if (minusOne >= 0)
        ctx.error("shape {} has more than one -1", shapeStr(*target));
      minusOne = int64_t(i);
      out.push_back(Dim::unknown());
    } else if (v < 0) {
      ctx.error("invalid shape entry {} in {}", v, shapeStr(*target));
    } else {
      hasZero |= v == 0;
      out.push_back(Dim(v));
    }
  }
  if (allowZero && hasZero && minusOne >= 0)
    ctx.error("shape {} has both 0 and -1 with allowzero set",
              shapeStr(*target));
  if (!data.isRanked()) {
    ctx.setResult(0, withDims(data, out));
    return;
  }
  if (minusOne >= 0) {
    out[size_t(minusOne)] = inferMinusOne(data.dims(), out, size_t(minusOne));
  } else {
    Dim in = productOf(data.dims(), 0, data.rank());
    Dim res = productOf(out, 0, out.size());
    if (in.isStatic() && res.isStatic() && in.size() != res.size())
      ctx.error("cannot reshape {} to {}: {} elements vs {}", data.str(),
                shapeStr(*target), in.size(), res.size());
  }
  ctx.setResult(0, withDims(data, out));
}

void inferTranspose(InferContext &ctx) {
  const TensorType &data = ctx.input(0);
  std::vector<int64_t> perm = ctx.node.getInts("perm");
  if (!data.isRanked()) {
    ctx.setResult(0, perm.empty() ? unrankedLike(data)
                                  : withDims(data, unknownDims(perm.size())));
    return;
  }
  size_t rank = data.rank();
  if (!ctx.node.hasAttr("perm")) {
    perm.resize(rank);
    for (size_t i = 0; i < rank; ++i)
      perm[i] = int64_t(rank - 1 - i);
  }
  if (perm.size() != rank)
    ctx.error("perm has {} entries for an input of rank {}", perm.size(), rank);
  std::vector<bool> seen(rank, false);
  std::vector<Dim> out;
  for (int64_t p : perm) {
    if (p < 0 || p >= int64_t(rank) || seen[size_t(p)])
      ctx.error("perm {} is not a permutation of 0..{}", shapeStr(perm),
                int64_t(rank) - 1);
    seen[size_t(p)] = true;
    out.push_back(data.dim(size_t(p)));
  }
  ctx.setResult(0, withDims(data, out));
}

void inferSqueeze(InferContext &ctx) {
  const TensorType &data = ctx.input(0);
  if (ctx.hasInput(1))
    checkShapeOperand(ctx, 1, "axes");
  if (!data.isRanked()) {
    ctx.setResult(0, unrankedLike(data));
    return;
  }
  std::vector<bool> drop(data.rank(), false);
  if (!ctx.hasInput(1)) {
    for (size_t i = 0; i < data.rank(); ++i) {
      // An unknown dim might be 1 at run time, so the rank is unknown.
      if (!data.dim(i).isStatic()) {
        ctx.setResult(0, unrankedLike(data));
        return;
      }
      drop[i] = data.dim(i).size() == 1;
    }
  } else if (const Tensor *axesT = ctx.constant(1)) {
    for (int64_t a : resolveAxes(axesT->toIntVector(), int64_t(data.rank()))) {
      const Dim &d = data.dim(size_t(a));
      if (d.isStatic() && d.size() != 1)
        ctx.error("cannot squeeze axis {} of size {}", a, d.size());
      drop[size_t(a)] = true;
    }
  } else {
    std::optional<int64_t> n = staticLength(ctx.input(1));
    if (!n || *n > int64_t(data.rank()))
      ctx.setResult(0, unrankedLike(data));
    else
      ctx.setResult(0, withDims(data, unknownDims(data.rank() - size_t(*n))));
    return;
  }
  std::vector<Dim> out;
  for (size_t i = 0; i < data.rank(); ++i)
    if (!drop[i])
      out.push_back(data.dim(i));
  ctx.setResult(0, withDims(data, out));
}

void inferUnsqueeze(InferContext &ctx) {
  const TensorType &data = ctx.input(0);
  checkShapeOperand(ctx, 1, "axes");
  const Tensor *axesT = ctx.constant(1);
  std::optional<int64_t> n = staticLength(ctx.input(1));
  if (axesT)
    n = axesT->numElements();
  if (!data.isRanked() || !n) {
    ctx.setResult(0, unrankedLike(data));
    return;
  }
  size_t outRank = data.rank() + size_t(*n);
  if (!axesT) {
    ctx.setResult(0, withDims(data, unknownDims(outRank)));
    return;
  }
  std::vector<bool> inserted(outRank, false);
  for (int64_t a : resolveAxes(axesT->toIntVector(), int64_t(outRank)))
    inserted[size_t(a)] = true;
  std::vector<Dim> out;
  size_t next = 0;
  for (size_t i = 0; i < outRank; ++i)
    out.push_back(inserted[i] ? Dim(1) : data.dim(next++));
  ctx.setResult(0, withDims(data, out));
}

void inferFlatten(InferContext &ctx) {
  const TensorType &data = ctx.input(0);
  int64_t axis = ctx.node.getInt("axis");
  if (!data.isRanked()) {
    ctx.setResult(0, withDims(data, unknownDims(2)));
    return;
  }
  int64_t rank = int64_t(data.rank());
  if (axis < -rank || axis > rank)
    ctx.error("axis {} is out of range for rank {}", axis, rank);
  if (axis < 0)
    axis += rank;
  ctx.setResult(
      0, withDims(data, {productOf(data.dims(), 0, size_t(axis)),
                         productOf(data.dims(), size_t(axis), data.rank())}));
}

void inferConcat(InferContext &ctx) {
  const TensorType *first = nullptr;
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    if (!ctx.hasInput(i))
      continue;
    const TensorType &t = ctx.input(i);
    if (first && t.elementType() != first->elementType())
      ctx.error("operand {} has element type {}, expected {}", i,
                toString(t.elementType()), toString(first->elementType()));
    if (!first || (!first->isRanked() && t.isRanked()))
      first = &t;
  }
  if (!first)
    ctx.error("needs at least one operand");
  if (!first->isRanked()) {
    ctx.setResult(0, unrankedLike(*first));
    return;
  }
  size_t rank = first->rank();
  if (rank == 0)
    ctx.error("cannot concatenate scalars");
  size_t axis = size_t(normalizeAxis(ctx.node.getInt("axis"), int64_t(rank)));
  std::vector<Dim> out = first->dims();
  int64_t axisSum = 0;
  bool axisKnown = true;
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    if (!ctx.hasInput(i))
      continue;
    const TensorType &t = ctx.input(i);
    if (!t.isRanked()) {
      axisKnown = false;
      continue;
    }
    if (t.rank() != rank)
      ctx.error("operand {} has rank {}, expected {}", i, t.rank(), rank);
    for (size_t d = 0; d < rank; ++d) {
      const Dim &x = t.dim(d);
      if (d == axis) {
        if (x.isStatic())
          axisSum += x.size();
        else
          axisKnown = false;
        continue;
      }
      if (x.isStatic() && out[d].isStatic() && x.size() != out[d].size())
        ctx.error("operand {} has shape {}, which does not match {} outside "
                  "axis {}",
                  i, t.str(), first->str(), axis);
      if (x.isStatic())
        out[d] = x;
    }
  }
  out[axis] = axisKnown ? Dim(axisSum) : Dim::unknown();
  ctx.setResult(0, withDims(*first, out));
}

void inferSplit(InferContext &ctx) {
  const TensorType &data = ctx.input(0);
  size_t n = ctx.numResults();
  if (ctx.hasInput(1))
    checkShapeOperand(ctx, 1, "split");
  if (!data.isRanked()) {
    for (size_t i = 0; i < n; ++i)
      ctx.setResult(i, unrankedLike(data));
    return;
  }
  size_t axis =
      size_t(normalizeAxis(ctx.node.getInt("axis"), int64_t(data.rank())));
  const Dim &d = data.dim(axis);
  std::vector<Dim> sizes(n, Dim::unknown());
  if (std::optional<std::vector<int64_t>> split = constInts(ctx, 1)) {
    if (split->size() != n)
      ctx.error("split has {} entries for {} results", split->size(), n);
    int64_t sum = 0;
    for (size_t i = 0; i < n; ++i) {
      if ((*split)[i] < 0)
        ctx.error("negative split size {}", (*split)[i]);
      sum += (*split)[i];
      sizes[i] = Dim((*split)[i]);
    }
    if (d.isStatic() && sum != d.size())
      ctx.error("split sizes {} do not add up to dimension {} of size {}",
                shapeStr(*split), axis, d.size());
  } else if (!ctx.hasInput(1) && d.isStatic()) {
    // Equal parts; an uneven remainder goes to the last part (opset 18).
    int64_t chunk = (d.size() + int64_t(n) - 1) / int64_t(n);
    int64_t last = d.size() - chunk * int64_t(n - 1);
    if (last < 0)
      ctx.error("cannot split dimension {} of size {} into {} parts", axis,
                d.size(), n);
    for (size_t i = 0; i < n; ++i)
      sizes[i] = Dim(i + 1 == n ? last : chunk);
  }
  for (size_t i = 0; i < n; ++i) {
    std::vector<Dim> dims = data.dims();
    dims[axis] = sizes[i];
    ctx.setResult(i, withDims(data, dims));
  }
}

// Multiplies or divides a dim by the block size, unknown stays unknown.
static Dim scaleDim(const InferContext &ctx, const Dim &d, int64_t factor,
                    bool divide, const char *what) {
  if (!d.isStatic())
    return Dim::unknown();
  if (!divide)
    return Dim(checkedMul(d.size(), factor));
  if (d.size() % factor != 0)
    ctx.error("{} {} is not divisible by {}", what, d.size(), factor);
  return Dim(d.size() / factor);
}

static void inferSpaceDepth(InferContext &ctx, bool toSpace) {
  const TensorType &data = ctx.input(0);
  int64_t b = ctx.node.getInt("blocksize");
  if (b <= 0)
    ctx.error("blocksize must be positive, not {}", b);
  if (toSpace) {
    const std::string &mode = ctx.node.getString("mode");
    if (mode != "DCR" && mode != "CRD")
      ctx.error("mode must be DCR or CRD, not '{}'", mode);
  }
  if (!data.isRanked()) {
    ctx.setResult(0, withDims(data, unknownDims(4)));
    return;
  }
  if (data.rank() != 4)
    ctx.error("expects a 4-D input, not {}", data.str());
  int64_t bb = checkedMul(b, b);
  std::vector<Dim> out = data.dims();
  out[1] = scaleDim(ctx, data.dim(1), bb, toSpace, "channel count");
  out[2] = scaleDim(ctx, data.dim(2), b, !toSpace, "height");
  out[3] = scaleDim(ctx, data.dim(3), b, !toSpace, "width");
  ctx.setResult(0, withDims(data, out));
}

void inferDepthToSpace(InferContext &ctx) { inferSpaceDepth(ctx, true); }
void inferSpaceToDepth(InferContext &ctx) { inferSpaceDepth(ctx, false); }

void inferExpand(InferContext &ctx) {
  const TensorType &data = ctx.input(0);
  checkShapeOperand(ctx, 1, "the shape operand");
  if (!data.isRanked()) {
    ctx.setResult(0, unrankedLike(data));
    return;
  }
  if (std::optional<std::vector<int64_t>> shape = constInts(ctx, 1)) {
    std::vector<Dim> dims;
    for (int64_t s : *shape) {
      if (s < 0)
        ctx.error("invalid shape entry {} in {}", s, shapeStr(*shape));
      dims.push_back(Dim(s));
    }
    ctx.setResult(0, withDims(data, broadcastDims(data.dims(), dims)));
    return;
  }
  std::optional<int64_t> n = staticLength(ctx.input(1));
  if (!n) {
    ctx.setResult(0, unrankedLike(data));
    return;
  }
  // Input dims other than 1 survive whatever the shape says.
  size_t rank = std::max(data.rank(), size_t(*n));
  std::vector<Dim> dims = unknownDims(rank);
  for (size_t i = 0; i < data.rank(); ++i) {
    const Dim &d = data.dim(i);
    if (d.isStatic() && d.size() != 1)
      dims[rank - data.rank() + i] = d;
  }
  ctx.setResult(0, withDims(data, dims));
}

void inferTile(InferContext &ctx) {
  const TensorType &data = ctx.input(0);
  checkShapeOperand(ctx, 1, "repeats");
  if (!data.isRanked()) {
    ctx.setResult(0, unrankedLike(data));
    return;
  }
  std::optional<std::vector<int64_t>> repeats = constInts(ctx, 1);
  if (!repeats) {
    ctx.setResult(0, withDims(data, unknownDims(data.rank())));
    return;
  }
  if (repeats->size() != data.rank())
    ctx.error("repeats has {} entries for an input of rank {}", repeats->size(),
              data.rank());
  std::vector<Dim> dims = data.dims();
  for (size_t i = 0; i < dims.size(); ++i) {
    int64_t r = (*repeats)[i];
    if (r < 0)
      ctx.error("negative repeat count {}", r);
    if (r == 0)
      dims[i] = Dim(0);
    else if (dims[i].isStatic())
      dims[i] = Dim(checkedMul(dims[i].size(), r));
    else if (r != 1)
      dims[i] = Dim::unknown();
  }
  ctx.setResult(0, withDims(data, dims));
}

} // namespace kiln
