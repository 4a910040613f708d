//===- ReshapeKernels.cpp - Reshape, Squeeze, Unsqueeze, Flatten ----------===//
// These only reinterpret the data with the shape their type inference
// computes from the concrete operands; the bytes are shared, not copied.
//===----------------------------------------------------------------------===//
#include "TensorKernelUtils.h"

namespace kiln {

using namespace tensorkernels;

static void evalReshapeLike(EvalContext &ctx) {
  ctx.outputs[0] = ctx.input(0).reshaped(concreteResultShape(ctx));
}

void evalReshape(EvalContext &ctx) { evalReshapeLike(ctx); }
void evalSqueeze(EvalContext &ctx) { evalReshapeLike(ctx); }
void evalUnsqueeze(EvalContext &ctx) { evalReshapeLike(ctx); }
void evalFlatten(EvalContext &ctx) { evalReshapeLike(ctx); }

} // namespace kiln
