//===- Winograd.cpp - Winograd F(4x4, 3x3) transforms and geometry --------===//
#include "kiln/IR/Winograd.h"

#include "kiln/IR/InferUtils.h"
#include "kiln/IR/Node.h"
#include "kiln/IR/Tensor.h"

namespace kiln::winograd {

const double kInputTransform[kInput][kInput] = {
    {4, 0, -5, 0, 1, 0},  {0, -4, -4, 1, 1, 0}, {0, 4, -4, -1, 1, 0},
    {0, -2, -1, 2, 1, 0}, {0, 2, -1, -2, 1, 0}, {0, 4, 0, -5, 0, 1}};

const double kKernelTransform[kInput][kKernel] = {
    {1.0 / 4, 0, 0},
    {-1.0 / 6, -1.0 / 6, -1.0 / 6},
    {-1.0 / 6, 1.0 / 6, -1.0 / 6},
    {1.0 / 24, 1.0 / 12, 1.0 / 6},
    {1.0 / 24, -1.0 / 12, 1.0 / 6},
    {0, 0, 1}};

const double kOutputTransform[kTile][kInput] = {{1, 1, 1, 1, 1, 0},
                                                {0, 1, -1, 2, -2, 0},
                                                {0, 1, 1, 4, 4, 0},
                                                {0, 1, -1, 8, -8, 1}};

Geometry geometry(const Node &node, const std::vector<int64_t> &x,
                  const std::vector<int64_t> &u) {
  check(x.size() == 5, "input must have rank 5 ([N, C/ib, H, W, ib]), not {}",
        shapeStr(x));
  check(u.size() == 3, "weight must have rank 3 ([36, C, M]), not {}",
        shapeStr(u));
  check(u[0] == kPositions && u[1] >= 1 && u[2] >= 1,
        "weight shape {} must be [36, C, M] with static, non-empty C and M",
        shapeStr(u));
  for (int64_t d : x)
    check(d >= 1, "input shape {} must be static and non-empty", shapeStr(x));
  Geometry g;
  g.n = x[0];
  g.cBlocks = x[1];
  g.h = x[2];
  g.w = x[3];
  g.ib = x[4];
  g.channels = u[1];
  g.outChannels = u[2];
  check(g.cBlocks * g.ib == g.channels, "input has {} channels, the weight {}",
        g.cBlocks * g.ib, g.channels);
  g.ob = node.getInt("out_block");
  check(g.ob >= 1 && g.outChannels % g.ob == 0,
        "out_block {} must divide the weight's {} output channels", g.ob,
        g.outChannels);
  g.mBlocks = g.outChannels / g.ob;
  std::vector<int64_t> pads = node.getInts("pads");
  if (pads.empty())
    pads = {0, 0, 0, 0};
  check(pads.size() == 4, "pads must have 4 entries, not {}", pads.size());
  for (int64_t p : pads)
    check(p >= 0 && p <= 2, "pads {} must lie in [0, 2]", p);
  g.padTop = pads[0];
  g.padLeft = pads[1];
  g.padBottom = pads[2];
  g.padRight = pads[3];
  g.oh = g.h + g.padTop + g.padBottom - (kKernel - 1);
  g.ow = g.w + g.padLeft + g.padRight - (kKernel - 1);
  check(g.oh >= 1 && g.ow >= 1, "input {}x{} is smaller than the kernel", g.h,
        g.w);
  g.tilesH = (g.oh + kTile - 1) / kTile;
  g.tilesW = (g.ow + kTile - 1) / kTile;
  return g;
}

Tensor transformWeights(const Tensor &packed) {
  const std::vector<int64_t> &s = packed.shape();
  check(packed.elementType() == ElementType::F32 && s.size() == 6 &&
            s[2] == kKernel && s[3] == kKernel,
        "weight {} must be f32 [M/ob, C/ib, 3, 3, ib, ob]", shapeStr(s));
  int64_t mBlocks = s[0], cBlocks = s[1], ib = s[4], ob = s[5];
  int64_t c = cBlocks * ib, m = mBlocks * ob;
  Tensor u(ElementType::F32, {kPositions, c, m});
  const float *w = packed.data<float>();
  float *out = u.data<float>();
  for (int64_t mb = 0; mb < mBlocks; ++mb)
    for (int64_t cb = 0; cb < cBlocks; ++cb)
      for (int64_t i = 0; i < ib; ++i)
        for (int64_t o = 0; o < ob; ++o) {
          double g[kKernel][kKernel], t[kInput][kInput];
          for (int64_t ky = 0; ky < kKernel; ++ky)
            for (int64_t kx = 0; kx < kKernel; ++kx)
              g[ky][kx] =
                  w[((((mb * cBlocks + cb) * kKernel + ky) * kKernel + kx) *
                         ib +
                     i) *
                        ob +
                    o];
          sandwich(kKernelTransform, g, t);
          for (int64_t a = 0; a < kInput; ++a)
            for (int64_t b = 0; b < kInput; ++b)
              out[((a * kInput + b) * c + cb * ib + i) * m + mb * ob + o] =
                  float(t[a][b]);
        }
  return u;
}

} // namespace kiln::winograd
