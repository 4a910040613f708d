//===- Loop.cpp - the Loop kernel -----------------------------------------===//
// Loop(M?, cond?, v...) runs its body while i < M and cond hold. The body
// takes (i, cond, v...) and returns (cond, v..., scan outputs...); scan
// outputs are stacked along a new axis 0. Following the ONNX spec, the
// body's condition output is ignored when the cond operand is absent, and
// the only bound on the iteration count is M: a loop with neither M nor cond
// can never end and is rejected instead of hanging.
//===----------------------------------------------------------------------===//
#include "SubgraphUtils.h"

#include "kiln/IR/Function.h"
#include "kiln/Interpreter/EvalContext.h"

namespace kiln {

void evalLoop(EvalContext &ctx) {
  const Function &body = ctx.node.getGraph("body");
  if (ctx.numInputs() < 2)
    ctx.error("needs operand slots for max_trip_count and cond");
  size_t numCarried = ctx.numInputs() - 2;
  size_t numScan = ctx.numOutputs() - numCarried;
  if (ctx.numOutputs() < numCarried || body.inputs().size() != numCarried + 2 ||
      body.outputs().size() != ctx.numOutputs() + 1)
    ctx.error("body signature does not match the node's operands and "
              "results");

  bool hasTripCount = ctx.hasInput(0), hasCond = ctx.hasInput(1);
  if (!hasTripCount && !hasCond)
    ctx.error("has neither max_trip_count nor cond, so it never terminates");
  int64_t tripCount = 0;
  if (hasTripCount) {
    const Tensor &m = ctx.input(0);
    if (m.numElements() != 1 || !isInteger(m.elementType()))
      ctx.error("max_trip_count must be an integer scalar");
    tripCount = m.getInt(0);
  }
  bool cond = true;
  if (hasCond) {
    const Tensor &c = ctx.input(1);
    if (c.numElements() != 1)
      ctx.error("cond must be a scalar");
    cond = c.getDouble(0) != 0;
  }

  std::vector<Tensor> carried;
  for (size_t i = 0; i < numCarried; ++i)
    carried.push_back(ctx.input(i + 2));
  std::vector<std::vector<Tensor>> scans(numScan);

  for (int64_t iter = 0; (!hasTripCount || iter < tripCount) && cond; ++iter) {
    std::vector<Tensor> args;
    args.push_back(Tensor::scalar<int64_t>(iter));
    args.push_back(Tensor::scalar<bool>(cond));
    for (Tensor &v : carried)
      args.push_back(std::move(v));
    std::vector<Tensor> outs = ctx.interp.runSubgraph(body, args, ctx.env);
    if (outs.size() != body.outputs().size())
      ctx.error("body produced {} values, expected {}", outs.size(),
                body.outputs().size());
    if (hasCond) {
      if (outs[0].numElements() != 1)
        ctx.error("body's condition output must be a scalar, not shape {}",
                  shapeStr(outs[0].shape()));
      cond = outs[0].getDouble(0) != 0;
    }
    for (size_t i = 0; i < numCarried; ++i) {
      if (outs[i + 1].elementType() != ctx.input(i + 2).elementType())
        ctx.error("loop-carried value {} changed element type from {} to {}", i,
                  toString(ctx.input(i + 2).elementType()),
                  toString(outs[i + 1].elementType()));
      carried[i] = std::move(outs[i + 1]);
    }
    for (size_t k = 0; k < numScan; ++k) {
      const Tensor &part = outs[numCarried + 1 + k];
      if (!scans[k].empty() && scans[k].front().shape() != part.shape())
        ctx.error("scan output {} has shape {} in iteration {} but {} before",
                  k, shapeStr(part.shape()), iter,
                  shapeStr(scans[k].front().shape()));
      scans[k].push_back(part);
    }
  }

  for (size_t i = 0; i < numCarried; ++i)
    ctx.outputs[i] = std::move(carried[i]);
  for (size_t k = 0; k < numScan; ++k) {
    const TensorType &elemType = body.outputs()[numCarried + 1 + k]->type();
    ctx.outputs[numCarried + k] = stackAlongAxis(
        scans[k], 0, elemType.elementType(), emptyElementShape(elemType));
  }
}

} // namespace kiln
