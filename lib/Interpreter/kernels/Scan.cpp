//===- Scan.cpp - the Scan kernel (opset 9+ form) -------------------------===//
// Scan(states..., scan inputs...) slices each scan input along its scan axis
// (in its direction), runs the body on (states..., slices...) and stacks the
// body's scan outputs along their scan axes.
//===----------------------------------------------------------------------===//
#include "SubgraphUtils.h"

#include "kiln/IR/Function.h"
#include "kiln/IR/InferContext.h"
#include "kiln/Interpreter/EvalContext.h"

#include <algorithm>

namespace kiln {

// Attribute list entry `i`, or `fallback` when the list is absent.
static int64_t entryOr(const EvalContext &ctx, const std::vector<int64_t> &list,
                       size_t i, int64_t fallback, const char *name) {
  if (list.empty())
    return fallback;
  if (i >= list.size())
    ctx.error("{} has {} entries, too few", name, list.size());
  return list[i];
}

void evalScan(EvalContext &ctx) {
  const Function &body = ctx.node.getGraph("body");
  int64_t numScanIn = ctx.node.getInt("num_scan_inputs");
  if (numScanIn < 1 || size_t(numScanIn) > ctx.numInputs())
    ctx.error("num_scan_inputs {} is out of range", numScanIn);
  size_t numState = ctx.numInputs() - size_t(numScanIn);
  if (ctx.numOutputs() < numState || body.inputs().size() != ctx.numInputs() ||
      body.outputs().size() != ctx.numOutputs())
    ctx.error("body signature does not match the node's operands and "
              "results");
  size_t numScanOut = ctx.numOutputs() - numState;
  const auto &inAxes = ctx.node.getInts("scan_input_axes");
  const auto &inDirs = ctx.node.getInts("scan_input_directions");
  const auto &outAxes = ctx.node.getInts("scan_output_axes");
  const auto &outDirs = ctx.node.getInts("scan_output_directions");

  // Scan axis and direction of every scan input; all share one length.
  std::vector<size_t> axes;
  std::vector<bool> reversed;
  int64_t length = -1;
  for (size_t j = 0; j < size_t(numScanIn); ++j) {
    const Tensor &t = ctx.input(numState + j);
    int64_t axis = entryOr(ctx, inAxes, j, 0, "scan_input_axes");
    try {
      axis = normalizeAxis(axis, int64_t(t.rank()));
    } catch (const Error &e) {
      ctx.error("scan input {}: {}", j, e.what());
    }
    if (t.rank() == 0)
      ctx.error("scan input {} is a scalar", j);
    axes.push_back(size_t(axis));
    reversed.push_back(entryOr(ctx, inDirs, j, 0, "scan_input_directions"));
    int64_t len = t.dim(size_t(axis));
    if (length >= 0 && len != length)
      ctx.error("scan inputs have different lengths {} and {}", length, len);
    length = len;
  }

  std::vector<Tensor> states;
  for (size_t i = 0; i < numState; ++i)
    states.push_back(ctx.input(i));
  std::vector<std::vector<Tensor>> scans(numScanOut);
  for (int64_t step = 0; step < length; ++step) {
    std::vector<Tensor> args = states;
    for (size_t j = 0; j < size_t(numScanIn); ++j)
      args.push_back(sliceAlongAxis(ctx.input(numState + j), axes[j],
                                    reversed[j] ? length - 1 - step : step));
    std::vector<Tensor> outs = ctx.interp.runSubgraph(body, args, ctx.env);
    if (outs.size() != ctx.numOutputs())
      ctx.error("body produced {} values, expected {}", outs.size(),
                ctx.numOutputs());
    for (size_t i = 0; i < numState; ++i)
      states[i] = std::move(outs[i]);
    for (size_t k = 0; k < numScanOut; ++k) {
      Tensor &part = outs[numState + k];
      if (!scans[k].empty() && scans[k].front().shape() != part.shape())
        ctx.error("scan output {} has shape {} in step {} but {} before", k,
                  shapeStr(part.shape()), step,
                  shapeStr(scans[k].front().shape()));
      scans[k].push_back(std::move(part));
    }
  }

  for (size_t i = 0; i < numState; ++i)
    ctx.outputs[i] = std::move(states[i]);
  for (size_t k = 0; k < numScanOut; ++k) {
    const TensorType &elemType = body.outputs()[numState + k]->type();
    std::vector<int64_t> emptyShape = emptyElementShape(elemType);
    size_t elemRank =
        scans[k].empty() ? emptyShape.size() : scans[k].front().rank();
    int64_t axis = entryOr(ctx, outAxes, k, 0, "scan_output_axes");
    try {
      axis = normalizeAxis(axis, int64_t(elemRank) + 1);
    } catch (const Error &e) {
      ctx.error("scan output {}: {}", k, e.what());
    }
    if (entryOr(ctx, outDirs, k, 0, "scan_output_directions"))
      std::reverse(scans[k].begin(), scans[k].end());
    ctx.outputs[numState + k] = stackAlongAxis(
        scans[k], size_t(axis), elemType.elementType(), emptyShape);
  }
}

} // namespace kiln
