//===- InferContext.cpp - running type inference --------------------------===//
#include "kiln/IR/InferContext.h"

namespace kiln {

const TensorType &InferContext::input(size_t i) const {
  if (!hasInput(i))
    error("operand {} is required", i);
  return *inputTypes_[i];
}

std::vector<Dim> broadcastDims(const std::vector<Dim> &a,
                               const std::vector<Dim> &b) {
  size_t rank = std::max(a.size(), b.size());
  std::vector<Dim> out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const Dim one(1);
    const Dim &x = i < rank - a.size() ? one : a[i - (rank - a.size())];
    const Dim &y = i < rank - b.size() ? one : b[i - (rank - b.size())];
    if (x == y)
      out[i] = x;
    else if (x.isStatic() && x.size() == 1)
      out[i] = y;
    else if (y.isStatic() && y.size() == 1)
      out[i] = x;
    else if (x.isStatic() && y.isStatic())
      fail("shapes cannot be broadcast: dimension {} vs {}", x.size(),
           y.size());
    else if (x.isStatic())
      out[i] = x; // the other side must be 1 or equal at run time
    else if (y.isStatic())
      out[i] = y;
    else
      out[i] = Dim::unknown();
  }
  return out;
}

int64_t normalizeAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= std::max<int64_t>(rank, 1))
    fail("axis {} is out of range for rank {}", axis, rank);
  return axis < 0 ? axis + rank : axis;
}

std::vector<TensorType> inferResultTypes(const Node &node) {
  std::vector<const TensorType *> types;
  std::vector<const Tensor *> values;
  for (Value *v : node.operands()) {
    types.push_back(v ? &v->type() : nullptr);
    values.push_back(v ? v->constantValue() : nullptr);
  }
  InferContext ctx(node, std::move(types), std::move(values));
  if (!node.info().infer)
    fail("{}: no type inference for {}", node.describe(), node.opName());
  try {
    node.info().infer(ctx);
  } catch (const Error &e) {
    std::string msg = e.what();
    std::string prefix = node.describe();
    if (msg.compare(0, prefix.size(), prefix) != 0)
      msg = prefix + ": " + msg;
    throw Error(msg);
  }
  return std::move(ctx.results);
}

// Keeps whatever the old type knew that the new one does not.
static TensorType merge(const TensorType &inferred, const TensorType &old) {
  if (!inferred.isRanked()) {
    if (old.isRanked() && old.elementType() == inferred.elementType())
      return old;
    return inferred;
  }
  TensorType out = inferred;
  if (old.isRanked() && old.rank() == inferred.rank() &&
      old.elementType() == inferred.elementType()) {
    std::vector<Dim> dims = inferred.dims();
    for (size_t i = 0; i < dims.size(); ++i)
      if (dims[i].isUnknown() && !old.dim(i).isUnknown())
        dims[i] = old.dim(i);
    out.setDims(dims);
  }
  if (!out.quant() && old.quant())
    out.setQuant(old.quant());
  return out;
}

void refineResultTypes(Node &node) {
  std::vector<TensorType> types = inferResultTypes(node);
  for (size_t i = 0; i < node.numResults() && i < types.size(); ++i)
    node.result(i)->setType(merge(types[i], node.result(i)->type()));
}

} // namespace kiln
