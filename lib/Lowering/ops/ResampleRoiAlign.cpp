//===- ResampleRoiAlign.cpp - the RoiAlign lowering -----------------------===//
// Pools each region [x1,y1,x2,y2] of image batch_indices[r] into an
// output_height x output_width grid by bilinear sampling, as the interpreter
// (ONNX Runtime's semantics, incl. "max of weighted corners"). Per-ROI
// parameters are computed first; the per-bin sample grid size depends on the
// ROI data, so the sampling loops have data-dependent extents (capped).
//===----------------------------------------------------------------------===//
#include "ElementwiseUtils.h"

#include <cmath>

namespace kiln {

using namespace loop;
using namespace lower;

namespace {
const ElementType F64 = ElementType::F64, I64 = ElementType::I64;
Expr f64(double v) { return floatImm(DType(F64), v); }
} // namespace

void lowerRoiAlign(LowerContext &ctx) {
  const Buffer &x = ctx.input(0), &rois = ctx.input(1);
  const Buffer &batchIndices = ctx.input(2);
  const Buffer &out = ctx.output(0);
  if (x->rank() != 4)
    ctx.error("X must have rank 4, not {}", x->rank());
  if (rois->rank() != 2 || rois->shape[1] != 4)
    ctx.error("rois must have shape [num_rois,4]");
  int64_t numRois = rois->shape[0];
  if (batchIndices->shape != std::vector<int64_t>{numRois})
    ctx.error("batch_indices must have shape [{}]", numRois);
  const std::string &mode = ctx.node.getString("mode");
  const std::string &ctm = ctx.node.getString("coordinate_transformation_mode");
  if (mode != "avg" && mode != "max")
    ctx.error("unknown mode '{}'", mode);
  if (ctm != "half_pixel" && ctm != "output_half_pixel")
    ctx.error("unknown coordinate_transformation_mode '{}'", ctm);
  bool halfPixel = ctm == "half_pixel", avg = mode == "avg";
  int64_t oh = ctx.node.getInt("output_height");
  int64_t ow = ctx.node.getInt("output_width");
  int64_t samplingRatio = ctx.node.getInt("sampling_ratio");
  double scale = ctx.node.getFloat("spatial_scale");
  if (oh <= 0 || ow <= 0)
    ctx.error("output_height and output_width must be positive");
  if (samplingRatio < 0)
    ctx.error("sampling_ratio must not be negative");
  int64_t n = x->shape[0], h = x->shape[2], w = x->shape[3];
  if (out->numElements() == 0)
    return;
  if (h == 0 || w == 0 || n == 0) {
    ctx.emit(compute(out, [](const Indices &) { return f64(0); }));
    return;
  }

  // Per ROI: [x1, y1, binH, binW] and [gridH, gridW, batch].
  Buffer geom = ctx.allocate("roi_geom", F64, {numRois, 4});
  Buffer grid = ctx.allocate("roi_grid", I64, {numRois, 3});
  const double maxGrid = 1024;
  ctx.emit(loopNest({numRois}, [&](const Indices &r) {
    Expr ri = r[0];
    double offset = halfPixel ? 0.5 : 0.0;
    auto coord = [&](int k) {
      return cast(F64, load(rois, {ri, Expr(k)})) * scale - offset;
    };
    Expr x1 = coord(0), y1 = coord(1);
    Expr roiW = coord(2) - x1, roiH = coord(3) - y1;
    if (!halfPixel) {
      roiW = stdMax(roiW, f64(1));
      roiH = stdMax(roiH, f64(1));
    }
    Expr binH = roiH / double(oh), binW = roiW / double(ow);
    auto gridSize = [&](Expr roiLen, int64_t bins) {
      Expr g = samplingRatio > 0 ? f64(double(samplingRatio))
                                 : mathCall("ceil", roiLen / double(bins));
      // NaN (non-finite ROIs, an interpreter error) samples nothing.
      g = select(mathCall("isnan", g), f64(0), g);
      return cast(I64, stdMin(stdMax(g, f64(0)), f64(maxGrid)));
    };
    Expr b = cast(I64, load(batchIndices, {ri}));
    b = max(Expr(0), min(b, Expr(n - 1)));
    return makeSeq({makeStore(geom, {ri, Expr(0)}, x1),
                    makeStore(geom, {ri, Expr(1)}, y1),
                    makeStore(geom, {ri, Expr(2)}, binH),
                    makeStore(geom, {ri, Expr(3)}, binW),
                    makeStore(grid, {ri, Expr(0)}, gridSize(roiH, oh)),
                    makeStore(grid, {ri, Expr(1)}, gridSize(roiW, ow)),
                    makeStore(grid, {ri, Expr(2)}, b)});
  }));

  ctx.emit(loopNest(out->shape, [&](const Indices &o) {
    Expr ri = o[0], ch = o[1], ph = o[2], pw = o[3];
    Expr x1 = load(geom, {ri, Expr(0)}), y1 = load(geom, {ri, Expr(1)});
    Expr binH = load(geom, {ri, Expr(2)}), binW = load(geom, {ri, Expr(3)});
    Expr gridH = load(grid, {ri, Expr(0)}), gridW = load(grid, {ri, Expr(1)});
    Expr b = load(grid, {ri, Expr(2)});
    Buffer acc = makeBuffer("roi_acc", F64, {1}, MemoryScope::Stack);
    Expr accV = load(acc, {Expr(0)});
    Var iy("iy"), ix("ix");
    Expr yy = y1 + cast(F64, ph) * binH +
              (cast(F64, iy) + 0.5) * binH / cast(F64, gridH);
    Expr xx = x1 + cast(F64, pw) * binW +
              (cast(F64, ix) + 0.5) * binW / cast(F64, gridW);
    Expr valid = logicalNot(
        logicalOr(logicalOr(yy < f64(-1), yy > f64(double(h))),
                  logicalOr(xx < f64(-1), xx > f64(double(w)))));
    // Low/high neighbour and fraction along one axis of size `size`.
    auto axis = [&](Expr v, int64_t size, Expr &lo, Expr &hi, Expr &frac) {
      Expr pos = stdMax(v, f64(0));
      Expr raw = cast(I64, stdMin(pos, f64(double(size))));
      Expr edge = raw >= Expr(size - 1);
      lo = select(edge, Expr(size - 1), raw);
      hi = select(edge, Expr(size - 1), raw + Expr(1));
      frac = select(edge, f64(0), pos - cast(F64, raw));
      lo = select(valid, lo, Expr(0));
      hi = select(valid, hi, Expr(0));
    };
    Expr yLo, yHi, ly, xLo, xHi, lx;
    axis(yy, h, yLo, yHi, ly);
    axis(xx, w, xLo, xHi, lx);
    Expr one = f64(1), zero = f64(0);
    Expr hy = one - ly, hx = one - lx;
    auto weight = [&](Expr a, Expr c) { return select(valid, a * c, zero); };
    auto value = [&](Expr yi, Expr xi) {
      return cast(F64, load(x, {b, ch, yi, xi}));
    };
    Expr t1 = weight(hy, hx) * value(yLo, xLo);
    Expr t2 = weight(hy, lx) * value(yLo, xHi);
    Expr t3 = weight(ly, hx) * value(yHi, xLo);
    Expr t4 = weight(ly, lx) * value(yHi, xHi);
    Expr sample = avg ? t1 + t2 + t3 + t4
                      : stdMax(stdMax(t1, t2), stdMax(t3, t4));
    Expr first = logicalAnd(iy == Expr(0), ix == Expr(0));
    Expr next = avg ? accV + sample : select(first, sample, stdMax(accV, sample));
    Stmt loops = makeFor(
        iy, Expr(0), gridH, ForKind::Serial,
        makeFor(ix, Expr(0), gridW, ForKind::Serial,
                makeStore(acc, {Expr(0)}, next)));
    Expr result = accV;
    if (avg) {
      Expr count = max(gridH * gridW, Expr(1));
      result = accV / cast(F64, count);
    }
    return makeAllocate(
        acc, makeSeq({makeStore(acc, {Expr(0)}, zero), loops,
                      makeStore(out, o, cast(out->elem, result))}));
  }));
}

} // namespace kiln
