//===- Conv.cpp - the N-D Conv kernel -------------------------------------===//
// Direct convolution over any number of spatial dims, with groups, strides,
// dilations, explicit or automatic padding and an optional bias. Computes in
// double.
//===----------------------------------------------------------------------===//
#include "NNKernelUtils.h"
#include "kiln/IR/InferUtils.h"

namespace kiln {

void evalConv(EvalContext &ctx) {
  const Tensor &x = floatInput(ctx, 0);
  const Tensor &w = floatInput(ctx, 1);
  const Tensor *b = ctx.inputOrNull(2);
  size_t rank = x.rank();
  if (rank < 3)
    ctx.error("input must have rank >= 3, not {}", shapeStr(x.shape()));
  if (w.rank() != rank)
    ctx.error("weight shape {} has another rank than input shape {}",
              shapeStr(w.shape()), shapeStr(x.shape()));
  int64_t group = ctx.node.getInt("group");
  int64_t n = x.dim(0), c = x.dim(1), m = w.dim(0), cg = w.dim(1);
  if (group < 1 || c != cg * group || m % group != 0)
    ctx.error("input shape {} and weight shape {} do not match group {}",
              shapeStr(x.shape()), shapeStr(w.shape()), group);
  if (b && (b->rank() != 1 || b->dim(0) != m))
    ctx.error("bias shape {} does not match {} output channels",
              shapeStr(b->shape()), m);
  size_t sp = rank - 2;
  std::vector<int64_t> kernel(w.shape().begin() + 2, w.shape().end());
  std::vector<int64_t> inSize(x.shape().begin() + 2, x.shape().end());
  std::vector<int64_t> outSize(sp), pads;
  WindowParams p;
  try {
    const std::vector<int64_t> &ks = ctx.node.getInts("kernel_shape");
    check(ks.empty() || ks == kernel,
          "kernel_shape {} does not match weight shape {}", shapeStr(ks),
          shapeStr(w.shape()));
    p = readWindowParams(ctx.node, kernel);
    for (size_t i = 0; i < sp; ++i)
      outSize[i] = convOutputSize(p, i, inSize[i]);
    pads = resolvePads(p, inSize);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }

  std::vector<int64_t> outShape = {n, m};
  outShape.insert(outShape.end(), outSize.begin(), outSize.end());
  std::vector<double> xv = toDoubles(x), wv = toDoubles(w);
  std::vector<double> bv = b ? toDoubles(*b) : std::vector<double>();
  std::vector<double> y(size_t(checkedNumElements(outShape)), 0.0);

  int64_t inSpatial = product(inSize, 0, sp);
  int64_t outSpatial = product(outSize, 0, sp);
  int64_t kSpatial = product(p.kernel, 0, sp);
  std::vector<int64_t> inStrides = stridesOf(inSize);
  int64_t mg = m / group;
  // Per output position, the input offset of every kernel tap inside the
  // input (-1 for taps in the padding); shared by all channels.
  std::vector<int64_t> taps(static_cast<size_t>(kSpatial));
  std::vector<int64_t> oi(sp, 0), ki(sp, 0);
  for (int64_t o = 0; o < outSpatial; ++o, nextIndex(oi, outSize)) {
    std::fill(ki.begin(), ki.end(), 0);
    for (int64_t k = 0; k < kSpatial; ++k, nextIndex(ki, p.kernel)) {
      int64_t at = 0;
      bool inside = true;
      for (size_t d = 0; d < sp && inside; ++d) {
        int64_t pos = oi[d] * p.strides[d] - pads[d] + ki[d] * p.dilations[d];
        inside = pos >= 0 && pos < inSize[d];
        at += pos * inStrides[d];
      }
      taps[size_t(k)] = inside ? at : -1;
    }
    for (int64_t img = 0; img < n; ++img)
      for (int64_t oc = 0; oc < m; ++oc) {
        int64_t g = oc / mg;
        double acc = bv.empty() ? 0.0 : bv[size_t(oc)];
        for (int64_t icg = 0; icg < cg; ++icg) {
          int64_t ic = g * cg + icg;
          const double *xc = &xv[size_t((img * c + ic) * inSpatial)];
          const double *wc = &wv[size_t((oc * cg + icg) * kSpatial)];
          for (int64_t k = 0; k < kSpatial; ++k)
            if (taps[size_t(k)] >= 0)
              acc += xc[taps[size_t(k)]] * wc[k];
        }
        y[size_t((img * m + oc) * outSpatial + o)] = acc;
      }
  }
  ctx.outputs[0] = fromDoubles(x.elementType(), outShape, y);
}

} // namespace kiln
