//===- FusedInfer.cpp - type inference of fusion groups -------------------===//
// A Fused node's results have its body's output types; the body's inputs are
// refined from the operand types first so the body stays consistent when a
// pass re-infers the graph.
//===----------------------------------------------------------------------===//
#include "kiln/IR/Function.h"
#include "kiln/IR/InferContext.h"

namespace kiln {

void inferFused(InferContext &ctx) {
  Function &body = ctx.node.getGraph("body");
  if (body.inputs().size() != ctx.numInputs())
    ctx.error("body '{}' takes {} inputs, the node has {} operands",
              body.name(), body.inputs().size(), ctx.numInputs());
  if (body.outputs().size() != ctx.numResults())
    ctx.error("body '{}' returns {} values, the node has {} results",
              body.name(), body.outputs().size(), ctx.numResults());
  for (size_t i = 0; i < ctx.numInputs(); ++i) {
    if (!ctx.hasInput(i))
      ctx.error("operand {} is absent; fused bodies take every operand", i);
    Value *in = body.inputs()[i];
    if (!ctx.input(i).isCompatibleWith(in->type()))
      ctx.error("operand {} is {}, body input '{}' is {}", i,
                ctx.input(i).str(), in->name(), in->type().str());
    in->setType(ctx.input(i));
  }
  for (auto &n : body.nodes())
    refineResultTypes(*n);
  for (size_t i = 0; i < ctx.numResults(); ++i)
    ctx.setResult(i, body.outputs()[i]->type());
}

} // namespace kiln
