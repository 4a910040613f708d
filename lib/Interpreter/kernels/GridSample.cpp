//===- GridSample.cpp - the GridSample kernel (2-D) -----------------------===//
// Samples X [N,C,H,W] at the normalized positions of grid [N,Ho,Wo,2] (x,y
// in [-1,1]) with PyTorch's grid_sample semantics, which produced the ONNX
// expected outputs: padding applies to the source coordinate for nearest and
// bilinear, and to each integer tap for bicubic.
//===----------------------------------------------------------------------===//
#include "kiln/Interpreter/EvalContext.h"

#include <algorithm>
#include <cmath>

namespace kiln {

namespace {

enum class Padding { Zeros, Border, Reflection };

struct Sampler {
  const std::vector<double> *src;
  int64_t h, w;
  size_t planeOffset = 0;
  Padding padding;
  bool alignCorners;

  double unnormalize(double coord, int64_t size) const {
    return alignCorners ? (coord + 1) / 2 * double(size - 1)
                        : ((coord + 1) * double(size) - 1) / 2;
  }
  // Reflects into [low/2, high/2] (PyTorch's reflect_coordinates).
  static double reflect(double x, double twiceLow, double twiceHigh) {
    if (twiceLow == twiceHigh)
      return 0;
    double min = twiceLow / 2, span = (twiceHigh - twiceLow) / 2;
    x = std::fabs(x - min);
    double extra = std::fmod(x, span);
    double flips = std::floor(x / span);
    return std::fmod(flips, 2) == 0 ? extra + min : span - extra + min;
  }
  double pad(double x, int64_t size) const {
    if (!std::isfinite(x) || size <= 0)
      return -1; // out of range: reads zero
    if (padding == Padding::Border)
      return std::clamp(x, 0.0, double(size - 1));
    if (padding == Padding::Reflection) {
      x = alignCorners ? reflect(x, 0, 2 * double(size - 1))
                       : reflect(x, -1, 2 * double(size) - 1);
      return std::clamp(x, 0.0, double(size - 1));
    }
    return x;
  }
  // Zero outside the image.
  double at(int64_t y, int64_t x) const {
    if (y < 0 || y >= h || x < 0 || x >= w)
      return 0;
    return (*src)[planeOffset + size_t(y * w + x)];
  }
  double atPadded(int64_t y, int64_t x) const {
    double py = pad(double(y), h), px = pad(double(x), w);
    return at(int64_t(py), int64_t(px));
  }
  static void cubicCoeffs(double t, double c[4]) {
    const double a = -0.75;
    auto outer = [a](double s) {
      return ((a * s - 5 * a) * s + 8 * a) * s - 4 * a;
    };
    auto inner = [a](double s) { return ((a + 2) * s - (a + 3)) * s * s + 1; };
    c[0] = outer(t + 1);
    c[1] = inner(t);
    c[2] = inner(1 - t);
    c[3] = outer(2 - t);
  }
};

// Coordinates beyond this are outside any image; clamping them first keeps
// the float-to-int conversions defined.
double tame(double v) {
  if (std::isnan(v))
    return -1e9;
  return std::clamp(v, -1e9, 1e9);
}

} // namespace

void evalGridSample(EvalContext &ctx) {
  const Tensor &x = ctx.input(0);
  const Tensor &grid = ctx.input(1);
  if (x.rank() != 4)
    ctx.error("X must have rank 4, not {}", x.rank());
  if (grid.rank() != 4 || grid.dim(3) != 2 || grid.dim(0) != x.dim(0))
    ctx.error("grid has shape {}, expected [{},Ho,Wo,2]",
              shapeStr(grid.shape()), x.dim(0));
  const std::string &mode = ctx.node.getString("mode");
  const std::string &padMode = ctx.node.getString("padding_mode");
  Sampler s;
  s.alignCorners = ctx.node.getInt("align_corners") != 0;
  if (padMode == "zeros")
    s.padding = Padding::Zeros;
  else if (padMode == "border")
    s.padding = Padding::Border;
  else if (padMode == "reflection")
    s.padding = Padding::Reflection;
  else
    ctx.error("unknown padding_mode '{}'", padMode);
  if (mode != "bilinear" && mode != "nearest" && mode != "bicubic" &&
      mode != "linear" && mode != "cubic")
    ctx.error("unknown mode '{}'", mode);

  int64_t n = x.dim(0), c = x.dim(1), ho = grid.dim(1), wo = grid.dim(2);
  s.h = x.dim(2);
  s.w = x.dim(3);
  std::vector<double> src = x.toDoubleVector();
  std::vector<double> g = grid.toDoubleVector();
  s.src = &src;
  Tensor out(x.elementType(), {n, c, ho, wo});
  for (int64_t b = 0; b < n; ++b)
    for (int64_t ch = 0; ch < c; ++ch) {
      s.planeOffset = size_t((b * c + ch) * s.h * s.w);
      for (int64_t i = 0; i < ho; ++i)
        for (int64_t j = 0; j < wo; ++j) {
          size_t gi = size_t(((b * ho + i) * wo + j) * 2);
          double px = tame(s.unnormalize(g[gi], s.w));
          double py = tame(s.unnormalize(g[gi + 1], s.h));
          double v = 0;
          if (mode == "nearest") {
            px = s.pad(px, s.w);
            py = s.pad(py, s.h);
            v = s.at(int64_t(std::nearbyint(py)), int64_t(std::nearbyint(px)));
          } else if (mode == "bilinear" || mode == "linear") {
            px = s.pad(px, s.w);
            py = s.pad(py, s.h);
            double x0 = std::floor(px), y0 = std::floor(py);
            double fx = px - x0, fy = py - y0;
            int64_t ix = int64_t(x0), iy = int64_t(y0);
            v = s.at(iy, ix) * (1 - fx) * (1 - fy) +
                s.at(iy, ix + 1) * fx * (1 - fy) +
                s.at(iy + 1, ix) * (1 - fx) * fy +
                s.at(iy + 1, ix + 1) * fx * fy;
          } else {
            double x0 = std::floor(px), y0 = std::floor(py);
            double cx[4], cy[4];
            Sampler::cubicCoeffs(px - x0, cx);
            Sampler::cubicCoeffs(py - y0, cy);
            for (int dy = 0; dy < 4; ++dy)
              for (int dx = 0; dx < 4; ++dx)
                v += cy[dy] * cx[dx] *
                     s.atPadded(int64_t(y0) - 1 + dy, int64_t(x0) - 1 + dx);
          }
          out.setDouble(((b * c + ch) * ho + i) * wo + j, v);
        }
    }
  ctx.outputs[0] = std::move(out);
}

} // namespace kiln
