//===- Fused.cpp - lowering of fusion groups ------------------------------===//
// A Fused node becomes one kernel: its body's nodes are lowered in order
// into one statement sequence, then the loop-IR inliner removes the buffers
// between them.
//===----------------------------------------------------------------------===//
#include "kiln/IR/Function.h"
#include "kiln/LoopIR/Inline.h"
#include "kiln/Lowering/LowerContext.h"

namespace kiln {

void lowerFused(LowerContext &ctx) {
  const Function &body = ctx.node.getGraph("body");
  std::vector<loop::Buffer> inputs(ctx.numInputs()), outputs(ctx.numOutputs());
  for (size_t i = 0; i < inputs.size(); ++i)
    inputs[i] = ctx.input(i);
  for (size_t i = 0; i < outputs.size(); ++i)
    if (ctx.hasOutput(i))
      outputs[i] = ctx.output(i);

  size_t firstTemp = ctx.temporaries.size();
  loop::Stmt stmts = ctx.lowerFusedBody(body, inputs, outputs);
  if (!stmts)
    stmts = loop::makeSeq({});
  // The inliner works on the temporaries wrapped around the whole body, so
  // they are wrapped here rather than by the driver.
  for (size_t i = ctx.temporaries.size(); i-- > firstTemp;)
    stmts = loop::makeAllocate(ctx.temporaries[i], stmts);
  ctx.temporaries.resize(firstTemp);
  ctx.emit(loop::inlineTemporaries(stmts, nullptr, ctx.resultTemporaries));
  ctx.resultTemporaries.clear();
  // Never in place: a body may read an operand after writing a result.
}

} // namespace kiln
