//===- NNInfer.cpp - inference for matrix products and normalizations -----===//
#include "kiln/IR/Einsum.h"
#include "kiln/IR/InferUtils.h"

namespace kiln {

static void requireSameElementType(InferContext &ctx, size_t i, size_t j) {
  ElementType a = ctx.input(i).elementType(), b = ctx.input(j).elementType();
  if (a != b)
    ctx.error("operands {} and {} have different element types {} and {}", i, j,
              toString(a), toString(b));
}

// Two dims that must be equal: returns the more specific one, or throws if
// both are static and differ.
static Dim unifyDims(const Dim &a, const Dim &b, bool &ok) {
  ok = true;
  if (a.isStatic() && b.isStatic()) {
    ok = a.size() == b.size();
    return a;
  }
  if (a.isStatic())
    return a;
  if (b.isStatic())
    return b;
  return a.isSymbol() ? a : b;
}

void inferMatMul(InferContext &ctx) {
  requireSameElementType(ctx, 0, 1);
  const TensorType &a = ctx.input(0);
  const TensorType &b = ctx.input(1);
  ElementType e = a.elementType();
  if (!isFloat(e) && e != ElementType::I32 && e != ElementType::I64 &&
      e != ElementType::U32 && e != ElementType::U64)
    ctx.error("unsupported element type {}", toString(e));
  if (!a.isRanked() || !b.isRanked()) {
    ctx.setResult(0, TensorType::unranked(e));
    return;
  }
  if (a.rank() == 0 || b.rank() == 0)
    ctx.error("operands must have rank >= 1, not {} and {}", a.str(), b.str());
  std::vector<Dim> ad = a.dims(), bd = b.dims();
  if (ad.size() == 1)
    ad.insert(ad.begin(), Dim(1));
  if (bd.size() == 1)
    bd.push_back(Dim(1));
  bool ok;
  unifyDims(ad.back(), bd[bd.size() - 2], ok);
  if (!ok)
    ctx.error("inner dimensions differ: A {} vs B {}", a.str(), b.str());
  std::vector<Dim> batch;
  try {
    batch = broadcastDims(std::vector<Dim>(ad.begin(), ad.end() - 2),
                          std::vector<Dim>(bd.begin(), bd.end() - 2));
  } catch (const Error &err) {
    ctx.error("batch dimensions of A {} and B {} do not broadcast", a.str(),
              b.str());
  }
  if (a.rank() > 1)
    batch.push_back(ad[ad.size() - 2]);
  if (b.rank() > 1)
    batch.push_back(bd.back());
  ctx.setResult(0, TensorType(e, batch));
}

void inferGemm(InferContext &ctx) {
  requireSameElementType(ctx, 0, 1);
  const TensorType &a = ctx.input(0);
  const TensorType &b = ctx.input(1);
  ElementType e = a.elementType();
  if (!isFloat(e) && e != ElementType::I32 && e != ElementType::I64 &&
      e != ElementType::U32 && e != ElementType::U64)
    ctx.error("unsupported element type {}", toString(e));
  if (ctx.hasInput(2))
    requireSameElementType(ctx, 0, 2);
  if (!a.isRanked() || !b.isRanked()) {
    ctx.setResult(0, TensorType(e, std::vector<Dim>(2)));
    return;
  }
  if (a.rank() != 2 || b.rank() != 2)
    ctx.error("A {} and B {} must be matrices", a.str(), b.str());
  bool transA = ctx.node.getInt("transA") != 0;
  bool transB = ctx.node.getInt("transB") != 0;
  Dim m = a.dim(transA ? 1 : 0), ka = a.dim(transA ? 0 : 1);
  Dim kb = b.dim(transB ? 1 : 0), n = b.dim(transB ? 0 : 1);
  bool ok;
  unifyDims(ka, kb, ok);
  if (!ok)
    ctx.error("inner dimensions differ: A {}{} vs B {}{}", a.str(),
              transA ? " (transposed)" : "", b.str(),
              transB ? " (transposed)" : "");
  std::vector<Dim> out = {m, n};
  if (ctx.hasInput(2) && ctx.input(2).isRanked()) {
    const TensorType &c = ctx.input(2);
    if (c.rank() > 2)
      ctx.error("C {} must have rank <= 2", c.str());
    // C must broadcast to [M, N] without changing it.
    for (size_t i = 0; i < c.rank(); ++i) {
      const Dim &cd = c.dim(i);
      const Dim &od = out[i + 2 - c.rank()];
      if (cd.isStatic() && cd.size() != 1 && od.isStatic() &&
          cd.size() != od.size())
        ctx.error("C {} does not broadcast to [{}, {}]", c.str(), m.str(),
                  n.str());
    }
  }
  ctx.setResult(0, TensorType(e, out));
}

void inferEinsum(InferContext &ctx) {
  ElementType e = ctx.input(0).elementType();
  std::vector<int64_t> ranks;
  bool ranked = true;
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    requireSameElementType(ctx, 0, i);
    const TensorType &t = ctx.input(i);
    ranked = ranked && t.isRanked();
    ranks.push_back(int64_t(t.rank()));
  }
  if (!ranked) {
    ctx.setResult(0, TensorType::unranked(e));
    return;
  }
  EinsumEquation eq;
  try {
    eq = parseEinsum(ctx.node.getString("equation"), ranks);
  } catch (const Error &err) {
    ctx.error("{}", err.what());
  }
  std::vector<Dim> sizes(eq.numLabels);
  std::vector<bool> seen(eq.numLabels, false);
  for (size_t i = 0; i < eq.inputs.size(); ++i) {
    for (size_t j = 0; j < eq.inputs[i].size(); ++j) {
      int l = eq.inputs[i][j];
      const Dim &d = ctx.input(i).dim(j);
      bool isEllipsis = l >= 52;
      if (!seen[l]) {
        seen[l] = true;
        sizes[l] = d;
        continue;
      }
      // Ellipsis dims broadcast; letter dims must agree.
      if (isEllipsis && d.isStatic() && d.size() == 1)
        continue;
      if (isEllipsis && sizes[l].isStatic() && sizes[l].size() == 1) {
        sizes[l] = d;
        continue;
      }
      bool ok;
      sizes[l] = unifyDims(sizes[l], d, ok);
      if (!ok)
        ctx.error("operand {} dimension {} has size {}, but its label was "
                  "bound to {}",
                  i, j, d.size(), sizes[l].size());
    }
  }
  std::vector<Dim> out;
  for (int l : eq.output)
    out.push_back(sizes[l]);
  ctx.setResult(0, TensorType(e, out));
}

void inferLayerNorm(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  if (!isFloat(x.elementType()))
    ctx.error("unsupported element type {}", toString(x.elementType()));
  std::optional<ElementType> stash =
      fromOnnxDataType(int(ctx.node.getInt("stash_type")));
  if (!stash || !isFloat(*stash))
    ctx.error("stash_type {} is not a float type",
              ctx.node.getInt("stash_type"));
  ctx.setResult(0, x);
  if (!x.isRanked()) {
    for (size_t i = 1; i < ctx.numResults(); ++i)
      ctx.setResult(i, TensorType::unranked(*stash));
    return;
  }
  int64_t rank = int64_t(x.rank());
  if (rank == 0)
    ctx.error("input must have rank >= 1");
  int64_t axis = normalizeAxis(ctx.node.getInt("axis"), rank);
  for (size_t i = 1; i < 3 && ctx.hasInput(i); ++i) {
    const TensorType &t = ctx.input(i);
    if (t.isRanked() && int64_t(t.rank()) > rank - axis)
      ctx.error("operand {} {} does not broadcast to the normalized shape of "
                "{}",
                i, t.str(), x.str());
  }
  std::vector<Dim> dims = x.dims();
  for (int64_t i = axis; i < rank; ++i)
    dims[i] = Dim(1);
  for (size_t i = 1; i < ctx.numResults(); ++i)
    ctx.setResult(i, TensorType(*stash, dims));
}

void inferBatchNorm(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  if (!isFloat(x.elementType()))
    ctx.error("unsupported element type {}", toString(x.elementType()));
  if (x.isRanked() && x.rank() < 2)
    ctx.error("input must have rank >= 2 ([N, C, ...]), not {}", x.str());
  for (size_t i = 1; i < 5; ++i) {
    const TensorType &t = ctx.input(i);
    if (!isFloat(t.elementType()))
      ctx.error("operand {} must be float, not {}", i,
                toString(t.elementType()));
    if (!t.isRanked())
      continue;
    if (t.rank() != 1)
      ctx.error("operand {} must be 1-D, not {}", i, t.str());
    if (x.isRanked() && x.dim(1).isStatic() && t.dim(0).isStatic() &&
        t.dim(0).size() != x.dim(1).size())
      ctx.error("operand {} {} does not match {} channels", i, t.str(),
                x.dim(1).size());
  }
  bool training = ctx.node.getInt("training_mode") != 0;
  if (!training && ctx.numResults() > 1)
    ctx.error("running mean and variance results need training_mode = 1");
  ctx.setResult(0, x);
  for (size_t i = 1; i < ctx.numResults(); ++i)
    ctx.setResult(i, ctx.input(i + 2));
}

void inferDropout(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  if (ctx.hasInput(1) && !isFloat(ctx.input(1).elementType()))
    ctx.error("ratio must be float, not {}",
              toString(ctx.input(1).elementType()));
  if (ctx.hasInput(2) && ctx.input(2).elementType() != ElementType::Bool)
    ctx.error("training_mode must be bool, not {}",
              toString(ctx.input(2).elementType()));
  ctx.setResult(0, x);
  if (ctx.numResults() > 1) {
    TensorType mask = x;
    mask.setElementType(ElementType::Bool);
    mask.setQuant(std::nullopt);
    ctx.setResult(1, mask);
  }
}

void inferInstanceNorm(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  if (!isFloat(x.elementType()))
    ctx.error("unsupported element type {}", toString(x.elementType()));
  if (x.isRanked() && x.rank() < 3)
    ctx.error("input must have rank >= 3 ([N, C, spatial...]), not {}",
              x.str());
  for (size_t i = 1; i < 3; ++i) {
    requireSameElementType(ctx, 0, i);
    const TensorType &t = ctx.input(i);
    if (!t.isRanked())
      continue;
    if (t.rank() != 1)
      ctx.error("operand {} must be 1-D, not {}", i, t.str());
    if (x.isRanked() && x.dim(1).isStatic() && t.dim(0).isStatic() &&
        t.dim(0).size() != x.dim(1).size())
      ctx.error("operand {} {} does not match {} channels", i, t.str(),
                x.dim(1).size());
  }
  ctx.setResult(0, x);
}

void inferLpNorm(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  if (!isFloat(x.elementType()))
    ctx.error("unsupported element type {}", toString(x.elementType()));
  int64_t p = ctx.node.getInt("p");
  if (p != 1 && p != 2)
    ctx.error("p = {} must be 1 or 2", p);
  if (x.isRanked())
    normalizeAxis(ctx.node.getInt("axis"), int64_t(x.rank()));
  ctx.setResult(0, x);
}

void inferLRN(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  if (!isFloat(x.elementType()))
    ctx.error("unsupported element type {}", toString(x.elementType()));
  if (x.isRanked() && x.rank() < 3)
    ctx.error("input must have rank >= 3 ([N, C, spatial...]), not {}",
              x.str());
  if (ctx.node.getInt("size") < 1)
    ctx.error("size = {} must be positive", ctx.node.getInt("size"));
  ctx.setResult(0, x);
}

void inferMVN(InferContext &ctx) {
  const TensorType &x = ctx.input(0);
  if (!isFloat(x.elementType()))
    ctx.error("unsupported element type {}", toString(x.elementType()));
  if (x.isRanked()) {
    std::vector<int64_t> axes = ctx.node.getInts("axes");
    if (!ctx.node.hasAttr("axes"))
      axes = {0, 2, 3};
    normalizeAxes(axes, int64_t(x.rank()));
  }
  ctx.setResult(0, x);
}

} // namespace kiln
