//===- DepthSpaceKernels.cpp - DepthToSpace, SpaceToDepth -----------------===//
// Both are a reshape to 6-D, a transpose and a reshape back; here the output
// is read as a 6-D strided view of the input.
//===----------------------------------------------------------------------===//
#include "TensorKernelUtils.h"

namespace kiln {

using namespace tensorkernels;

void evalDepthToSpace(EvalContext &ctx) {
  const Tensor &in = ctx.input(0);
  std::vector<int64_t> outShape = concreteResultShape(ctx);
  int64_t b = ctx.node.getInt("blocksize");
  int64_t n = in.dim(0), c = in.dim(1), h = in.dim(2), w = in.dim(3);
  int64_t oc = c / (b * b), hw = h * w;
  // Output viewed as [N, C/b^2, H, b, W, b].
  std::vector<int64_t> view = {n, oc, h, b, w, b};
  std::vector<int64_t> strides;
  if (ctx.node.getString("mode") == "DCR") // channel = (bh * b + bw) * oc + c
    strides = {c * hw, hw, w, b * oc * hw, 1, oc * hw};
  else // CRD: channel = c * b^2 + bh * b + bw
    strides = {c * hw, b * b * hw, w, b * hw, 1, hw};
  Tensor out(in.elementType(), outShape);
  copyStrided(in, 0, strides, out, view);
  ctx.outputs[0] = std::move(out);
}

void evalSpaceToDepth(EvalContext &ctx) {
  const Tensor &in = ctx.input(0);
  std::vector<int64_t> outShape = concreteResultShape(ctx);
  int64_t b = ctx.node.getInt("blocksize");
  int64_t n = in.dim(0), c = in.dim(1), h = in.dim(2), w = in.dim(3);
  // Output channel (bh * b + bw) * C + c reads in[c][oh * b + bh][ow * b + bw];
  // output viewed as [N, b, b, C, H/b, W/b].
  std::vector<int64_t> view = {n, b, b, c, h / b, w / b};
  std::vector<int64_t> strides = {c * h * w, w, 1, h * w, b * w, b};
  Tensor out(in.elementType(), outShape);
  copyStrided(in, 0, strides, out, view);
  ctx.outputs[0] = std::move(out);
}

} // namespace kiln
