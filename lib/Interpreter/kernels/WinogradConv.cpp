//===- WinogradConv.cpp - WinogradConvNCHWc by its own algorithm ----------===//
// Tile by tile, as the definition reads: V = B^T d B per input channel,
// the products summed over channels per position, Y = A^T M A, all in
// double; padding and the tiles' overhang read as zero.
//===----------------------------------------------------------------------===//
#include "NNKernelUtils.h"
#include "kiln/IR/Winograd.h"

namespace kiln {

using namespace winograd;

void evalWinogradConvNCHWc(EvalContext &ctx) {
  const Tensor &x = ctx.input(0);
  const Tensor &u = ctx.input(1);
  const Tensor *b = ctx.inputOrNull(2);
  if (x.elementType() != ElementType::F32 ||
      u.elementType() != ElementType::F32 ||
      (b && b->elementType() != ElementType::F32))
    ctx.error("operands must be f32");
  Geometry g;
  try {
    g = geometry(ctx.node, x.shape(), u.shape());
  } catch (const Error &e) {
    ctx.error("{}", e.what());
  }
  if (b && (b->rank() != 1 || b->dim(0) != g.outChannels))
    ctx.error("bias shape {} does not match {} output channels",
              shapeStr(b->shape()), g.outChannels);
  std::vector<double> xv = toDoubles(x), uv = toDoubles(u);
  std::vector<double> bv = b ? toDoubles(*b) : std::vector<double>();
  std::vector<int64_t> outShape = {g.n, g.mBlocks, g.oh, g.ow, g.ob};
  std::vector<double> y(size_t(checkedNumElements(outShape)), 0.0);
  int64_t c = g.channels, m = g.outChannels;
  // v[p * c + ch]: one tile's transformed input.
  std::vector<double> v(static_cast<size_t>(kPositions * c));
  for (int64_t img = 0; img < g.n; ++img)
    for (int64_t ty = 0; ty < g.tilesH; ++ty)
      for (int64_t tx = 0; tx < g.tilesW; ++tx) {
        int64_t row0 = ty * kTile - g.padTop, col0 = tx * kTile - g.padLeft;
        for (int64_t ch = 0; ch < c; ++ch) {
          double d[kInput][kInput], t[kInput][kInput];
          int64_t cb = ch / g.ib, lane = ch % g.ib;
          for (int64_t i = 0; i < kInput; ++i)
            for (int64_t j = 0; j < kInput; ++j) {
              int64_t row = row0 + i, col = col0 + j;
              bool inside = row >= 0 && row < g.h && col >= 0 && col < g.w;
              d[i][j] =
                  inside
                      ? xv[size_t(
                            (((img * g.cBlocks + cb) * g.h + row) * g.w + col) *
                                g.ib +
                            lane)]
                      : 0.0;
            }
          sandwich(kInputTransform, d, t);
          for (int64_t p = 0; p < kPositions; ++p)
            v[size_t(p * c + ch)] = t[p / kInput][p % kInput];
        }
        for (int64_t oc = 0; oc < m; ++oc) {
          double prod[kInput][kInput], out[kTile][kTile];
          for (int64_t p = 0; p < kPositions; ++p) {
            double s = 0;
            for (int64_t ch = 0; ch < c; ++ch)
              s += v[size_t(p * c + ch)] * uv[size_t((p * c + ch) * m + oc)];
            prod[p / kInput][p % kInput] = s;
          }
          sandwich(kOutputTransform, prod, out);
          for (int64_t i = 0; i < kTile; ++i)
            for (int64_t j = 0; j < kTile; ++j) {
              int64_t oy = ty * kTile + i, ox = tx * kTile + j;
              if (oy < g.oh && ox < g.ow)
                y[size_t(
                    (((img * g.mBlocks + oc / g.ob) * g.oh + oy) * g.ow + ox) *
                        g.ob +
                    oc % g.ob)] =
                    out[i][j] + (bv.empty() ? 0.0 : bv[size_t(oc)]);
            }
        }
      }
  ctx.outputs[0] = fromDoubles(ElementType::F32, outShape, y);
}

} // namespace kiln
