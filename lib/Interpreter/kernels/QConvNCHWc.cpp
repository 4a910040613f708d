//===- QConvNCHWc.cpp - 8-bit convolution in the NCHW<b>c layout ----------===//
// The reference for the integer kernels: exact wrapping i32 accumulation of
// the packed operands plus bias, then kiln::requantize per channel.
//===----------------------------------------------------------------------===//
#include "ElementwiseCommon.h"
#include "NNKernelUtils.h"
#include "kiln/IR/Layout.h"
#include "kiln/IR/Requantize.h"
#include "kiln/Support/FixedPoint.h"

namespace kiln {

void evalQConvNCHWc(EvalContext &ctx) {
  const Tensor &x = ctx.input(0), &w = ctx.input(1), &b = ctx.input(2);
  const Tensor &mul = ctx.input(3), &shift = ctx.input(4);
  ConvNCHWcGeometry g;
  RequantizeAttrs attrs;
  try {
    g = qconvNCHWcGeometry(ctx.node, x.shape(), w.shape());
    attrs = readRequantizeAttrs(ctx.node);
    checkRequantizeMultipliers(mul);
    checkRequantizeShifts(shift);
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  int64_t m = g.outChannels();
  auto perChannel = [&](const Tensor &t, const char *what, bool scalarOk) {
    if (t.rank() != 1 || (t.dim(0) != m && !(scalarOk && t.dim(0) == 1)))
      ctx.error("{} shape {} does not match {} output channels", what,
                shapeStr(t.shape()), m);
    return t.dim(0) == m;
  };
  perChannel(b, "bias", false);
  bool mulPer = perChannel(mul, "multiplier", true);
  bool shiftPer = perChannel(shift, "shift", true);
  if (b.elementType() != ElementType::I32)
    ctx.error("bias must be i32");
  std::vector<int64_t> xv = loadInts(x), wv = loadInts(w), bv = loadInts(b);
  std::vector<int64_t> mv = loadInts(mul), sv = loadInts(shift);
  std::vector<int64_t> outShape = {g.n, g.mBlocks, g.oh, g.ow, g.ob};
  std::vector<int64_t> y(size_t(checkedNumElements(outShape)));
  const WindowParams &p = g.window;
  auto xAt = [&](int64_t img, int64_t cb, int64_t row, int64_t col) {
    return (((img * g.cBlocks + cb) * g.h + row) * g.w + col) * g.ib;
  };
  size_t out = 0;
  for (int64_t img = 0; img < g.n; ++img)
    for (int64_t mb = 0; mb < g.mBlocks; ++mb)
      for (int64_t oy = 0; oy < g.oh; ++oy)
        for (int64_t ox = 0; ox < g.ow; ++ox)
          for (int64_t o = 0; o < g.ob; ++o, ++out) {
            int64_t ch = mb * g.ob + o;
            // uint32 arithmetic wraps like the generated code's i32.
            uint32_t acc = uint32_t(bv[size_t(ch)]);
            for (int64_t ky = 0; ky < g.kh; ++ky) {
              int64_t row = oy * p.strides[0] - g.pads[0] + ky;
              if (row < 0 || row >= g.h)
                continue;
              for (int64_t kx = 0; kx < g.kw; ++kx) {
                int64_t col = ox * p.strides[1] - g.pads[1] + kx;
                if (col < 0 || col >= g.w)
                  continue;
                if (g.depthwise) {
                  acc += uint32_t(
                      xv[size_t(xAt(img, mb, row, col) + o)] *
                      wv[size_t(((mb * g.kh + ky) * g.kw + kx) * g.ob + o)]);
                  continue;
                }
                int64_t first = mb / g.outBlocksPerGroup * g.inBlocksPerGroup;
                for (int64_t cb = 0; cb < g.inBlocksPerGroup; ++cb) {
                  size_t xBase = size_t(xAt(img, first + cb, row, col));
                  // w[mb, cb, ky, kx, i / 4, o, i % 4]
                  size_t wBase = size_t(
                      (((mb * g.inBlocksPerGroup + cb) * g.kh + ky) * g.kw +
                       kx) *
                      g.ib * g.ob);
                  for (int64_t i = 0; i < g.ib; ++i)
                    acc += uint32_t(
                        xv[xBase + size_t(i)] *
                        wv[wBase + size_t((i / 4 * g.ob + o) * 4 + i % 4)]);
                }
              }
            }
            y[out] = requantize(int32_t(acc),
                                int32_t(mv[mulPer ? size_t(ch) : 0]),
                                int32_t(sv[shiftPer ? size_t(ch) : 0]),
                                attrs.zeroPoint, attrs.qmin, attrs.qmax);
          }
  ctx.outputs[0] = storeInts(attrs.outputType, outShape, y, false);
}

} // namespace kiln
