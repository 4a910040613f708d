//===- ResampleGridSample.cpp - the GridSample lowering (2-D) -------------===//
// Samples X [N,C,H,W] at grid [N,Ho,Wo,2] with PyTorch's grid_sample
// semantics, in f64 like the interpreter: padding applies to the source
// coordinate for nearest and bilinear, and to each integer tap for bicubic.
// Every read outside the image yields 0 and never touches memory.
//===----------------------------------------------------------------------===//
#include "ElementwiseUtils.h"

#include <cmath>

namespace kiln {

using namespace loop;
using namespace lower;

namespace {
enum class Padding { Zeros, Border, Reflection };
const ElementType F64 = ElementType::F64;

Expr f64(double v) { return floatImm(DType(F64), v); }

struct Sampler {
  Buffer x;
  Expr batch, channel;
  int64_t h, w;
  Padding padding;
  bool alignCorners;

  Expr unnormalize(Expr coord, int64_t size) const {
    return alignCorners
               ? (coord + 1.0) / 2.0 * double(size - 1)
               : ((coord + 1.0) * double(size) - 1.0) / 2.0;
  }
  // Reflects into [low/2, high/2] (PyTorch's reflect_coordinates).
  static Expr reflect(Expr v, double twiceLow, double twiceHigh) {
    if (twiceLow == twiceHigh)
      return f64(0);
    double lo = twiceLow / 2, span = (twiceHigh - twiceLow) / 2;
    v = mathCall("fabs", v - lo);
    Expr extra = mathCall("fmod", v, f64(span));
    Expr flips = mathCall("floor", v / span);
    return select(mathCall("fmod", flips, f64(2)) == f64(0), extra + lo,
                  (span - extra) + lo);
  }
  static Expr clampTo(Expr v, int64_t size) {
    Expr hi = f64(double(size - 1));
    return stdMin(stdMax(v, f64(0)), hi);
  }
  // Values are finite here (coordinates are tamed first).
  Expr pad(Expr v, int64_t size) const {
    if (padding == Padding::Border)
      return clampTo(v, size);
    if (padding == Padding::Reflection) {
      v = alignCorners ? reflect(v, 0, 2 * double(size - 1))
                       : reflect(v, -1, 2 * double(size) - 1);
      return clampTo(v, size);
    }
    return v;
  }
  // Zero outside the image.
  Expr at(Expr iy, Expr ix) const {
    Expr inside = logicalAnd(logicalAnd(iy >= Expr(0), iy < Expr(h)),
                             logicalAnd(ix >= Expr(0), ix < Expr(w)));
    Expr cy = max(Expr(0), min(iy, Expr(h - 1)));
    Expr cx = max(Expr(0), min(ix, Expr(w - 1)));
    return select(inside, cast(F64, load(x, {batch, channel, cy, cx})),
                  f64(0));
  }
  Expr atPadded(Expr iy, Expr ix) const {
    Expr py = pad(cast(F64, iy), h), px = pad(cast(F64, ix), w);
    return at(cast(ElementType::I64, py), cast(ElementType::I64, px));
  }
};

void cubicCoeffs(Expr t, Expr c[4]) {
  const double a = -0.75;
  auto outer = [a](Expr s) {
    return ((s * a - 5 * a) * s + 8 * a) * s - 4 * a;
  };
  auto inner = [a](Expr s) {
    return ((s * (a + 2) - (a + 3)) * s) * s + 1.0;
  };
  c[0] = outer(t + 1.0);
  c[1] = inner(t);
  c[2] = inner(1.0 - t);
  c[3] = outer(2.0 - t);
}

// Coordinates beyond +-1e9 are outside any image; NaN is far outside.
Expr tame(Expr v) {
  return select(mathCall("isnan", v), f64(-1e9),
                stdMin(stdMax(v, f64(-1e9)), f64(1e9)));
}
} // namespace

void lowerGridSample(LowerContext &ctx) {
  const Buffer &x = ctx.input(0), &grid = ctx.input(1);
  const Buffer &out = ctx.output(0);
  if (x->rank() != 4)
    ctx.error("X must have rank 4, not {}", x->rank());
  if (grid->rank() != 4 || grid->shape[3] != 2 ||
      grid->shape[0] != x->shape[0])
    ctx.error("grid must have shape [{},Ho,Wo,2]", x->shape[0]);
  const std::string &mode = ctx.node.getString("mode");
  const std::string &padMode = ctx.node.getString("padding_mode");
  Sampler s;
  s.x = x;
  s.alignCorners = ctx.node.getInt("align_corners") != 0;
  if (padMode == "zeros")
    s.padding = Padding::Zeros;
  else if (padMode == "border")
    s.padding = Padding::Border;
  else if (padMode == "reflection")
    s.padding = Padding::Reflection;
  else
    ctx.error("unknown padding_mode '{}'", padMode);
  bool nearest = mode == "nearest";
  bool linear = mode == "bilinear" || mode == "linear";
  if (!nearest && !linear && mode != "bicubic" && mode != "cubic")
    ctx.error("unknown mode '{}'", mode);
  s.h = x->shape[2];
  s.w = x->shape[3];
  if (s.h == 0 || s.w == 0) {
    ctx.emit(compute(out, [](const Indices &) { return f64(0); }));
    return;
  }

  ctx.emit(loopNest(out->shape, [&](const Indices &o) {
    // coord = {px, py}, computed once per output element.
    Buffer coord = makeBuffer("gs_coord", F64, {2}, MemoryScope::Stack);
    Expr gx = cast(F64, load(grid, {o[0], o[2], o[3], Expr(0)}));
    Expr gy = cast(F64, load(grid, {o[0], o[2], o[3], Expr(1)}));
    Sampler smp = s;
    smp.batch = o[0];
    smp.channel = o[1];
    Expr px = tame(smp.unnormalize(gx, s.w));
    Expr py = tame(smp.unnormalize(gy, s.h));
    if (!nearest && !linear) {
      // Bicubic pads each tap, not the coordinate.
    } else {
      px = smp.pad(px, s.w);
      py = smp.pad(py, s.h);
    }
    Stmt init = makeSeq({makeStore(coord, {Expr(0)}, px),
                         makeStore(coord, {Expr(1)}, py)});
    px = load(coord, {Expr(0)});
    py = load(coord, {Expr(1)});
    Expr v;
    const ElementType I64 = ElementType::I64;
    if (nearest) {
      v = smp.at(cast(I64, mathCall("round", py)),
                 cast(I64, mathCall("round", px)));
    } else if (linear) {
      Expr x0 = mathCall("floor", px), y0 = mathCall("floor", py);
      Expr fx = px - x0, fy = py - y0;
      Expr ix = cast(I64, x0), iy = cast(I64, y0);
      Expr one = f64(1);
      v = smp.at(iy, ix) * (one - fx) * (one - fy) +
          smp.at(iy, ix + Expr(1)) * fx * (one - fy) +
          smp.at(iy + Expr(1), ix) * (one - fx) * fy +
          smp.at(iy + Expr(1), ix + Expr(1)) * fx * fy;
    } else {
      Expr x0 = mathCall("floor", px), y0 = mathCall("floor", py);
      Expr cx[4], cy[4];
      cubicCoeffs(px - x0, cx);
      cubicCoeffs(py - y0, cy);
      Expr ix = cast(I64, x0), iy = cast(I64, y0);
      for (int dy = 0; dy < 4; ++dy)
        for (int dx = 0; dx < 4; ++dx) {
          Expr t = cy[dy] * cx[dx] *
                   smp.atPadded(iy + Expr(dy - 1), ix + Expr(dx - 1));
          v = v ? v + t : t;
        }
    }
    Stmt store = makeStore(out, o, cast(out->elem, v));
    return makeAllocate(coord, makeSeq({init, store}));
  }));
}

} // namespace kiln
