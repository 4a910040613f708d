//===- Einsum.cpp - the Einsum kernel -------------------------------------===//
// Enumerates every assignment of the equation's labels and adds the product
// of the operand elements into the output element: obviously right, and
// general (diagonals, reductions, ellipsis broadcasting). Floats compute in
// double, integers wrap modulo 2^64.
//===----------------------------------------------------------------------===//
#include "kiln/IR/Einsum.h"
#include "NNKernelUtils.h"

namespace kiln {

namespace {
// Label sizes and, per operand, the stride each label contributes.
struct EinsumPlan {
  std::vector<int> labels;                     // all labels in use
  std::vector<int64_t> sizes;                  // size of each entry of `labels`
  std::vector<std::vector<int64_t>> opStrides; // [operand][label entry]
  std::vector<int64_t> outStrides;             // [label entry]
  std::vector<int64_t> outShape;
};
} // namespace

static EinsumPlan planEinsum(const EvalContext &ctx, const EinsumEquation &eq) {
  EinsumPlan plan;
  std::vector<int64_t> size(eq.numLabels, -1);
  for (size_t i = 0; i < eq.inputs.size(); ++i) {
    const Tensor &t = ctx.input(i);
    for (size_t j = 0; j < eq.inputs[i].size(); ++j) {
      int l = eq.inputs[i][j];
      int64_t d = t.dim(j);
      if (size[l] < 0 || (l >= 52 && size[l] == 1))
        size[l] = d;
      else if (d != size[l] && !(l >= 52 && d == 1))
        ctx.error("operand {} dimension {} has size {}, but its label has "
                  "size {}",
                  i, j, d, size[l]);
    }
  }
  std::vector<int> entryOf(eq.numLabels, -1);
  for (int l = 0; l < eq.numLabels; ++l)
    if (size[l] >= 0) {
      entryOf[l] = int(plan.labels.size());
      plan.labels.push_back(l);
      plan.sizes.push_back(size[l]);
    }
  for (size_t i = 0; i < eq.inputs.size(); ++i) {
    const Tensor &t = ctx.input(i);
    std::vector<int64_t> tStrides = stridesOf(t.shape());
    std::vector<int64_t> strides(plan.labels.size(), 0);
    for (size_t j = 0; j < eq.inputs[i].size(); ++j)
      if (t.dim(j) != 1 || size[eq.inputs[i][j]] == 1)
        strides[size_t(entryOf[eq.inputs[i][j]])] += tStrides[j];
    plan.opStrides.push_back(strides);
  }
  for (int l : eq.output)
    plan.outShape.push_back(size[l]);
  std::vector<int64_t> oStrides = stridesOf(plan.outShape);
  plan.outStrides.assign(plan.labels.size(), 0);
  for (size_t j = 0; j < eq.output.size(); ++j)
    plan.outStrides[size_t(entryOf[eq.output[j]])] = oStrides[j];
  return plan;
}

template <typename T>
static Tensor einsum(const EvalContext &ctx, const EinsumPlan &plan) {
  using Acc = std::conditional_t<std::is_integral_v<T>, uint64_t, double>;
  Tensor out(ctx.input(0).elementType(), plan.outShape);
  std::vector<Acc> acc(size_t(out.numElements()), Acc(0));
  int64_t total = checkedNumElements(plan.sizes);
  std::vector<const T *> data;
  for (size_t i = 0; i < plan.opStrides.size(); ++i)
    data.push_back(ctx.input(i).data<T>());
  std::vector<int64_t> index(plan.sizes.size(), 0);
  for (int64_t it = 0; it < total; ++it, nextIndex(index, plan.sizes)) {
    Acc prod = 1;
    for (size_t i = 0; i < data.size(); ++i) {
      int64_t at = 0;
      for (size_t e = 0; e < index.size(); ++e)
        at += index[e] * plan.opStrides[i][e];
      prod *= Acc(ComputeType<T>(data[i][at]));
    }
    int64_t o = 0;
    for (size_t e = 0; e < index.size(); ++e)
      o += index[e] * plan.outStrides[e];
    acc[size_t(o)] += prod;
  }
  T *y = out.data<T>();
  for (size_t i = 0; i < acc.size(); ++i)
    y[i] = T(ComputeType<T>(acc[i]));
  return out;
}

void evalEinsum(EvalContext &ctx) {
  ElementType e = ctx.input(0).elementType();
  if (e == ElementType::Bool || (!isFloat(e) && !isInteger(e)))
    ctx.error("unsupported element type {}", toString(e));
  std::vector<int64_t> ranks;
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    if (ctx.input(i).elementType() != e)
      ctx.error("operand {} has element type {}, expected {}", i,
                toString(ctx.input(i).elementType()), toString(e));
    ranks.push_back(int64_t(ctx.input(i).rank()));
  }
  EinsumEquation eq;
  try {
    eq = parseEinsum(ctx.node.getString("equation"), ranks);
  } catch (const Error &err) {
    ctx.error("{}", err.what());
  }
  EinsumPlan plan = planEinsum(ctx, eq);
  ctx.outputs[0] = visitType(e, [&](auto tag) -> Tensor {
    using T = typename decltype(tag)::type;
    if constexpr (std::is_same_v<T, bool>)
      ctx.error("unsupported element type bool");
    else
      return einsum<T>(ctx, plan);
  });
}

} // namespace kiln
