//===- ConvTranspose.cpp - the N-D ConvTranspose kernel -------------------===//
// Scatters each input element times the kernel into the full transposed
// output and crops it by the resolved pads (negative pads add zeros), so
// output_shape, output_padding and auto_pad all reduce to one geometry.
//===----------------------------------------------------------------------===//
#include "NNKernelUtils.h"
#include "kiln/IR/InferUtils.h"

namespace kiln {

void evalConvTranspose(EvalContext &ctx) {
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
  int64_t n = x.dim(0), c = x.dim(1), mg = w.dim(1);
  if (group < 1 || w.dim(0) != c || c % group != 0)
    ctx.error("input shape {} and weight shape {} do not match group {}",
              shapeStr(x.shape()), shapeStr(w.shape()), group);
  int64_t m = mg * group, cg = c / group;
  if (b && (b->rank() != 1 || b->dim(0) != m))
    ctx.error("bias shape {} does not match {} output channels",
              shapeStr(b->shape()), m);
  size_t sp = rank - 2;
  std::vector<int64_t> kernel(w.shape().begin() + 2, w.shape().end());
  std::vector<int64_t> inSize(x.shape().begin() + 2, x.shape().end());
  WindowParams p;
  ConvTransposeGeometry geo;
  try {
    const std::vector<int64_t> &ks = ctx.node.getInts("kernel_shape");
    check(ks.empty() || ks == kernel,
          "kernel_shape {} does not match weight shape {}", shapeStr(ks),
          shapeStr(w.shape()));
    p = readWindowParams(ctx.node, kernel);
    geo = convTransposeGeometry(p, inSize, ctx.node.getInts("output_padding"),
                                ctx.node.getInts("output_shape"));
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  const std::vector<int64_t> &outSize = geo.outSizes;
  std::vector<int64_t> outShape = {n, m};
  outShape.insert(outShape.end(), outSize.begin(), outSize.end());
  std::vector<double> xv = toDoubles(x), wv = toDoubles(w);
  std::vector<double> y(size_t(checkedNumElements(outShape)), 0.0);

  int64_t inSpatial = product(inSize, 0, sp);
  int64_t outSpatial = product(outSize, 0, sp);
  int64_t kSpatial = product(kernel, 0, sp);
  std::vector<int64_t> outStrides = stridesOf(outSize);
  std::vector<int64_t> ii(sp, 0), ki(sp, 0);
  for (int64_t img = 0; img < n; ++img)
    for (int64_t ic = 0; ic < c; ++ic) {
      int64_t g = ic / cg;
      const double *xc = &xv[size_t((img * c + ic) * inSpatial)];
      std::fill(ii.begin(), ii.end(), 0);
      for (int64_t i = 0; i < inSpatial; ++i, nextIndex(ii, inSize)) {
        double xval = xc[i];
        std::fill(ki.begin(), ki.end(), 0);
        for (int64_t k = 0; k < kSpatial; ++k, nextIndex(ki, kernel)) {
          int64_t at = 0;
          bool inside = true;
          for (size_t d = 0; d < sp && inside; ++d) {
            int64_t pos =
                ii[d] * p.strides[d] + ki[d] * p.dilations[d] - geo.pads[d];
            inside = pos >= 0 && pos < outSize[d];
            at += pos * outStrides[d];
          }
          if (!inside)
            continue;
          for (int64_t ocg = 0; ocg < mg; ++ocg) {
            int64_t oc = g * mg + ocg;
            y[size_t((img * m + oc) * outSpatial + at)] +=
                xval * wv[size_t((ic * mg + ocg) * kSpatial + k)];
          }
        }
      }
    }
  if (b) {
    std::vector<double> bv = toDoubles(*b);
    for (int64_t img = 0; img < n; ++img)
      for (int64_t oc = 0; oc < m; ++oc)
        for (int64_t o = 0; o < outSpatial; ++o)
          y[size_t((img * m + oc) * outSpatial + o)] += bv[size_t(oc)];
  }
  ctx.outputs[0] = fromDoubles(x.elementType(), outShape, y);
}

} // namespace kiln
