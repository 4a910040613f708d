//===- ControlFlowInfer.cpp - inference for If, Loop and Scan -------------===//
// Result types come from the bodies' output types; where two sources may
// disagree (the two If branches, a loop-carried value before and after an
// iteration) they are merged, keeping only what both agree on.
//===----------------------------------------------------------------------===//
#include "kiln/IR/Function.h"
#include "kiln/IR/InferContext.h"

namespace kiln {

// The most precise type that both `a` and `b` are instances of.
static TensorType mergeTypes(const InferContext &ctx, const TensorType &a,
                             const TensorType &b, const std::string &what) {
  if (a.elementType() != b.elementType())
    ctx.error("{} has element type {} in one place and {} in another", what,
              toString(a.elementType()), toString(b.elementType()));
  if (!a.isRanked() || !b.isRanked() || a.rank() != b.rank())
    return TensorType::unranked(a.elementType());
  std::vector<Dim> dims;
  for (size_t i = 0; i < a.rank(); ++i)
    dims.push_back(a.dim(i) == b.dim(i) ? a.dim(i) : Dim::unknown());
  return TensorType(a.elementType(), dims);
}

// A per-iteration output stacked along a new axis of size `extent`.
static TensorType stackedType(const TensorType &elem, int64_t axis,
                              Dim extent) {
  if (!elem.isRanked())
    return TensorType::unranked(elem.elementType());
  std::vector<Dim> dims = elem.dims();
  dims.insert(dims.begin() + axis, extent);
  return TensorType(elem.elementType(), dims);
}

void inferIf(InferContext &ctx) {
  const TensorType &cond = ctx.input(0);
  if (cond.elementType() != ElementType::Bool)
    ctx.error("condition must be bool, not {}", toString(cond.elementType()));
  const Function &thenF = ctx.node.getGraph("then_branch");
  const Function &elseF = ctx.node.getGraph("else_branch");
  if (thenF.outputs().size() != ctx.numResults() ||
      elseF.outputs().size() != ctx.numResults())
    ctx.error("has {} results but its branches have {} and {} outputs",
              ctx.numResults(), thenF.outputs().size(), elseF.outputs().size());
  for (size_t i = 0; i < ctx.numResults(); ++i)
    ctx.setResult(i, mergeTypes(ctx, thenF.outputs()[i]->type(),
                                elseF.outputs()[i]->type(),
                                fmt::format("branch output {}", i)));
}

void inferLoop(InferContext &ctx) {
  const Function &body = ctx.node.getGraph("body");
  if (ctx.numInputs() < 2)
    ctx.error("needs operand slots for max_trip_count and cond (either may "
              "be absent)");
  size_t numCarried = ctx.numInputs() - 2;
  if (body.inputs().size() != numCarried + 2)
    ctx.error("body takes {} inputs, expected {} (iteration number, "
              "condition and {} loop-carried values)",
              body.inputs().size(), numCarried + 2, numCarried);
  if (body.outputs().size() != ctx.numResults() + 1)
    ctx.error("body has {} outputs, expected {} (condition and one per "
              "result)",
              body.outputs().size(), ctx.numResults() + 1);
  if (ctx.numResults() < numCarried)
    ctx.error("has {} results but {} loop-carried values", ctx.numResults(),
              numCarried);
  if (ctx.hasInput(0) && !isInteger(ctx.input(0).elementType()))
    ctx.error("max_trip_count must be an integer");
  if (ctx.hasInput(1) && ctx.input(1).elementType() != ElementType::Bool)
    ctx.error("cond must be bool");
  if (body.outputs()[0]->type().elementType() != ElementType::Bool)
    ctx.error("body's first output (the condition) must be bool");

  for (size_t i = 0; i < numCarried; ++i)
    ctx.setResult(i, mergeTypes(ctx, ctx.input(i + 2),
                                body.outputs()[i + 1]->type(),
                                fmt::format("loop-carried value {}", i)));
  // With a constant trip count and no condition the scan length is known.
  Dim extent = Dim::unknown();
  if (!ctx.hasInput(1))
    if (const Tensor *m = ctx.constant(0))
      if (m->numElements() == 1)
        extent = Dim(std::max<int64_t>(m->getInt(0), 0));
  for (size_t k = numCarried; k < ctx.numResults(); ++k)
    ctx.setResult(k, stackedType(body.outputs()[k + 1]->type(), 0, extent));
}

void inferScan(InferContext &ctx) {
  const Function &body = ctx.node.getGraph("body");
  int64_t numScanIn = ctx.node.getInt("num_scan_inputs");
  int64_t numIn = int64_t(ctx.numInputs());
  if (numScanIn < 1 || numScanIn > numIn)
    ctx.error("num_scan_inputs {} is out of range for {} operands", numScanIn,
              numIn);
  size_t numState = size_t(numIn - numScanIn);
  if (ctx.numResults() < numState)
    ctx.error("has {} results but {} state variables", ctx.numResults(),
              numState);
  size_t numScanOut = ctx.numResults() - numState;
  if (body.inputs().size() != size_t(numIn))
    ctx.error("body takes {} inputs, expected {}", body.inputs().size(), numIn);
  if (body.outputs().size() != ctx.numResults())
    ctx.error("body has {} outputs, expected {}", body.outputs().size(),
              ctx.numResults());

  const auto &inAxes = ctx.node.getInts("scan_input_axes");
  const auto &outAxes = ctx.node.getInts("scan_output_axes");
  if (!inAxes.empty() && int64_t(inAxes.size()) != numScanIn)
    ctx.error("scan_input_axes has {} entries, expected {}", inAxes.size(),
              numScanIn);
  if (!outAxes.empty() && outAxes.size() != numScanOut)
    ctx.error("scan_output_axes has {} entries, expected {}", outAxes.size(),
              numScanOut);

  // The sequence length, if some scan input knows it.
  Dim extent = Dim::unknown();
  for (int64_t j = 0; j < numScanIn; ++j) {
    const TensorType &t = ctx.input(numState + size_t(j));
    if (!t.isRanked())
      continue;
    int64_t axis = inAxes.empty() ? 0 : inAxes[size_t(j)];
    try {
      axis = normalizeAxis(axis, int64_t(t.rank()));
    } catch (const Error &e) {
      ctx.error("scan input {}: {}", j, e.what());
    }
    if (t.dim(size_t(axis)).isStatic() || extent.isUnknown())
      extent = t.dim(size_t(axis));
  }

  for (size_t i = 0; i < numState; ++i)
    ctx.setResult(i, mergeTypes(ctx, ctx.input(i), body.outputs()[i]->type(),
                                fmt::format("state variable {}", i)));
  for (size_t k = 0; k < numScanOut; ++k) {
    const TensorType &elem = body.outputs()[numState + k]->type();
    int64_t axis = outAxes.empty() ? 0 : outAxes[k];
    if (elem.isRanked()) {
      try {
        axis = normalizeAxis(axis, int64_t(elem.rank()) + 1);
      } catch (const Error &e) {
        ctx.error("scan output {}: {}", k, e.what());
      }
    }
    ctx.setResult(numState + k, stackedType(elem, axis, extent));
  }
}

} // namespace kiln
