//===- Fused.cpp - the Fused kernel ---------------------------------------===//
// A fusion group means exactly what its body means.
//===----------------------------------------------------------------------===//
#include "kiln/IR/Function.h"
#include "kiln/Interpreter/EvalContext.h"

namespace kiln {

void evalFused(EvalContext &ctx) {
  const Function &body = ctx.node.getGraph("body");
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < ctx.numInputs(); ++i)
    inputs.push_back(ctx.input(i));
  std::vector<Tensor> results = ctx.interp.runSubgraph(body, inputs, ctx.env);
  if (results.size() != ctx.numOutputs())
    ctx.error("body '{}' produced {} values, expected {}", body.name(),
              results.size(), ctx.numOutputs());
  ctx.outputs = std::move(results);
}

} // namespace kiln
