//===- If.cpp - the If kernel ---------------------------------------------===//
// Runs the branch the condition selects; the branch may read outer values.
//===----------------------------------------------------------------------===//
#include "kiln/IR/Function.h"
#include "kiln/Interpreter/EvalContext.h"

namespace kiln {

void evalIf(EvalContext &ctx) {
  const Tensor &cond = ctx.input(0);
  if (cond.numElements() != 1)
    ctx.error("condition must have one element, not {} (shape {})",
              cond.numElements(), shapeStr(cond.shape()));
  const Function &branch =
      ctx.node.getGraph(cond.getDouble(0) != 0 ? "then_branch" : "else_branch");
  std::vector<Tensor> results = ctx.interp.runSubgraph(branch, {}, ctx.env);
  if (results.size() != ctx.numOutputs())
    ctx.error("branch '{}' produced {} values, expected {}", branch.name(),
              results.size(), ctx.numOutputs());
  ctx.outputs = std::move(results);
}

} // namespace kiln
