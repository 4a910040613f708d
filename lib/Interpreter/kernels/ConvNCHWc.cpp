//===- ConvNCHWc.cpp - 2-D convolution in the NCHW<b>c layout -------------===//
// Direct convolution on channel-blocked tensors (any group or depthwise),
// computed in double like the Conv kernel it must agree with.
//===----------------------------------------------------------------------===//
#include "NNKernelUtils.h"
#include "kiln/IR/Layout.h"

namespace kiln {

void evalConvNCHWc(EvalContext &ctx) {
  const Tensor &x = ctx.input(0);
  const Tensor &w = ctx.input(1);
  const Tensor *b = ctx.inputOrNull(2);
  if (x.elementType() != ElementType::F32 ||
      w.elementType() != ElementType::F32 ||
      (b && b->elementType() != ElementType::F32))
    ctx.error("operands must be f32");
  ConvNCHWcGeometry g;
  try {
    g = convNCHWcGeometry(ctx.node, x.shape(), w.shape());
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  int64_t m = g.outChannels();
  if (b && (b->rank() != 1 || b->dim(0) != m))
    ctx.error("bias shape {} does not match {} output channels",
              shapeStr(b->shape()), m);
  std::vector<double> xv = toDoubles(x), wv = toDoubles(w);
  std::vector<double> bv = b ? toDoubles(*b) : std::vector<double>();
  std::vector<int64_t> outShape = {g.n, g.mBlocks, g.oh, g.ow, g.ob};
  std::vector<double> y(size_t(checkedNumElements(outShape)), 0.0);
  const WindowParams &p = g.window;
  // Offset of x[img, cb, row, col, 0].
  auto xAt = [&](int64_t img, int64_t cb, int64_t row, int64_t col) {
    return (((img * g.cBlocks + cb) * g.h + row) * g.w + col) * g.ib;
  };
  size_t out = 0;
  for (int64_t img = 0; img < g.n; ++img)
    for (int64_t mb = 0; mb < g.mBlocks; ++mb)
      for (int64_t oy = 0; oy < g.oh; ++oy)
        for (int64_t ox = 0; ox < g.ow; ++ox)
          for (int64_t o = 0; o < g.ob; ++o, ++out) {
            double acc = bv.empty() ? 0.0 : bv[size_t(mb * g.ob + o)];
            for (int64_t ky = 0; ky < g.kh; ++ky) {
              int64_t row = oy * p.strides[0] - g.pads[0] + ky * p.dilations[0];
              if (row < 0 || row >= g.h)
                continue;
              for (int64_t kx = 0; kx < g.kw; ++kx) {
                int64_t col =
                    ox * p.strides[1] - g.pads[1] + kx * p.dilations[1];
                if (col < 0 || col >= g.w)
                  continue;
                if (g.depthwise) {
                  // Channel mb * ob + o reads its own input lane.
                  acc += xv[size_t(xAt(img, mb, row, col) + o)] *
                         wv[size_t(((mb * g.kh + ky) * g.kw + kx) * g.ob + o)];
                  continue;
                }
                // A group's output blocks read only its input blocks.
                int64_t first =
                    mb / g.outBlocksPerGroup * g.inBlocksPerGroup;
                for (int64_t cb = 0; cb < g.inBlocksPerGroup; ++cb) {
                  const double *xp =
                      &xv[size_t(xAt(img, first + cb, row, col))];
                  size_t wBase = size_t(
                      (((mb * g.inBlocksPerGroup + cb) * g.kh + ky) * g.kw +
                       kx) *
                      g.ib * g.ob);
                  for (int64_t i = 0; i < g.ib; ++i)
                    acc += xp[i] * wv[wBase + size_t(i * g.ob + o)];
                }
              }
            }
            y[out] = acc;
          }
  ctx.outputs[0] = fromDoubles(ElementType::F32, outShape, y);
}

} // namespace kiln
