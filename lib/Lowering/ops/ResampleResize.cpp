//===- ResampleResize.cpp - the Resize lowering ---------------------------===//
// Resize is separable: every axis maps an output coordinate to weighted
// input taps (the interpreter's tapsFor). The taps depend only on constant
// scales/sizes/roi, so they are computed at compile time into per-axis
// tables (index, weight, outside flag); the kernel sums the product of the
// axes' taps. Axes that are unchanged read the output index directly, and
// single-tap unit-weight axes (nearest) skip the weight table.
//===----------------------------------------------------------------------===//
#include "ElementwiseUtils.h"

#include <algorithm>
#include <cmath>

namespace kiln {

using namespace loop;
using namespace lower;

namespace {

struct ResizeParams {
  std::string mode, ctm, nearestMode;
  double cubicA = -0.75;
  bool excludeOutside = false;
};

struct AxisTaps {
  bool outside = false; // tf_crop_and_resize: extrapolation_value
  std::vector<std::pair<int64_t, double>> taps;
};

double sourceCoordinate(const LowerContext &ctx, const std::string &ctm,
                        double x, double scale, int64_t in, int64_t out,
                        double roiStart, double roiEnd) {
  double outLen = scale * double(in);
  if (ctm == "half_pixel")
    return (x + 0.5) / scale - 0.5;
  if (ctm == "pytorch_half_pixel")
    return outLen == 1 ? -0.5 : (x + 0.5) / scale - 0.5;
  if (ctm == "align_corners")
    return outLen == 1 ? 0.0 : x * double(in - 1) / (outLen - 1);
  if (ctm == "asymmetric")
    return x / scale;
  if (ctm == "tf_half_pixel_for_nn")
    return (x + 0.5) / scale;
  if (ctm == "tf_crop_and_resize") {
    double span = (roiEnd - roiStart) * double(in - 1);
    double v = out == 1 ? span / 2 : x * span / double(out - 1);
    return v + roiStart * double(in - 1);
  }
  if (ctm == "half_pixel_symmetric") {
    double adjustment = double(out) / outLen;
    double center = double(in) / 2;
    double offset = center * (1 - adjustment);
    return offset + (x + 0.5) / scale - 0.5;
  }
  ctx.error("unknown coordinate_transformation_mode '{}'", ctm);
}

// Keys cubic convolution weights of the four taps around `ratio`.
std::vector<double> cubicCoeffs(double ratio, double a) {
  auto outer = [a](double t) {
    return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  };
  auto inner = [a](double t) { return ((a + 2) * t - (a + 3)) * t * t + 1; };
  return {outer(ratio + 1), inner(ratio), inner(1 - ratio), outer(2 - ratio)};
}

AxisTaps tapsFor(const LowerContext &ctx, const ResizeParams &p, double xOrig,
                 int64_t in) {
  AxisTaps result;
  if (p.ctm == "tf_crop_and_resize" &&
      !(xOrig >= 0 && xOrig <= double(in - 1))) {
    result.outside = true;
    result.taps.emplace_back(0, 0.0);
    return result;
  }
  xOrig = std::isnan(xOrig) ? 0.0 : std::clamp(xOrig, -1e15, 1e15);
  double base = std::floor(xOrig);
  // An integral coordinate has ratio 1 to the point before it.
  double ratio = xOrig - base;
  if (ratio == 0) {
    ratio = 1;
    base -= 1;
  }
  std::vector<double> coeffs;
  int64_t first = int64_t(base);
  if (p.mode == "nearest") {
    const std::string &nm = p.nearestMode;
    bool up;
    if (ratio == 1)
      up = true;
    else if (nm == "round_prefer_floor")
      up = ratio > 0.5;
    else if (nm == "round_prefer_ceil")
      up = ratio >= 0.5;
    else if (nm == "floor")
      up = false;
    else if (nm == "ceil")
      up = true;
    else
      ctx.error("unknown nearest_mode '{}'", nm);
    coeffs = {up ? 0.0 : 1.0, up ? 1.0 : 0.0};
  } else if (p.mode == "linear") {
    coeffs = {1 - ratio, ratio};
  } else if (p.mode == "cubic") {
    coeffs = cubicCoeffs(ratio, p.cubicA);
    first -= 1;
  } else {
    ctx.error("unknown mode '{}'", p.mode);
  }
  if (p.excludeOutside) {
    double sum = 0;
    for (size_t i = 0; i < coeffs.size(); ++i) {
      int64_t idx = first + int64_t(i);
      if (idx < 0 || idx >= in)
        coeffs[i] = 0;
      sum += coeffs[i];
    }
    if (sum != 0)
      for (double &c : coeffs)
        c /= sum;
  }
  for (size_t i = 0; i < coeffs.size(); ++i) {
    if (coeffs[i] == 0)
      continue;
    int64_t idx = std::clamp<int64_t>(first + int64_t(i), 0, in - 1);
    result.taps.emplace_back(idx, coeffs[i]);
  }
  if (result.taps.empty()) // every tap excluded: contributes nothing
    result.taps.emplace_back(std::clamp<int64_t>(first, 0, in - 1), 0.0);
  return result;
}

// Per-axis scales and output sizes from the constant scales/sizes operands.
void resizeScales(const LowerContext &ctx, const Buffer &x,
                  std::vector<double> &scales) {
  size_t rank = x->rank();
  const Buffer &out = ctx.output(0);
  scales.assign(rank, 1.0);
  bool hasScales = ctx.hasInput(2) && ctx.input(2)->numElements() > 0;
  bool hasSizes = ctx.hasInput(3) && ctx.input(3)->numElements() > 0;
  if (hasSizes && !hasScales) {
    const Tensor &sizes = ctx.requireConstant(3, "sizes");
    if (size_t(sizes.numElements()) != rank)
      ctx.error("sizes has {} elements, expected {}", sizes.numElements(),
                rank);
    for (size_t i = 0; i < rank; ++i)
      scales[i] = x->shape[i] ? double(sizes.getInt(int64_t(i))) /
                                    double(x->shape[i])
                              : 1.0;
  } else if (hasScales) {
    if (hasSizes)
      ctx.error("only one of scales and sizes may be given");
    const Tensor &s = ctx.requireConstant(2, "scales");
    if (size_t(s.numElements()) != rank)
      ctx.error("scales has {} elements, expected {}", s.numElements(), rank);
    for (size_t i = 0; i < rank; ++i) {
      scales[i] = s.getDouble(int64_t(i));
      if (!(scales[i] > 0) || !std::isfinite(scales[i]))
        ctx.error("scales[{}] must be positive, not {}", i, scales[i]);
    }
  } else {
    ctx.error("one of scales and sizes must be given");
  }
  for (size_t i = 0; i < rank; ++i)
    if (x->shape[i] == 0 && out->shape[i] != 0)
      ctx.error("cannot resize an empty axis {}", i);
}

} // namespace

void lowerResize(LowerContext &ctx) {
  const Buffer &x = ctx.input(0);
  const Buffer &out = ctx.output(0);
  size_t rank = x->rank();
  ResizeParams p;
  p.mode = ctx.node.getString("mode");
  p.ctm = ctx.node.getString("coordinate_transformation_mode");
  p.nearestMode = ctx.node.getString("nearest_mode");
  p.cubicA = ctx.node.getFloat("cubic_coeff_a");
  p.excludeOutside = ctx.node.getInt("exclude_outside") != 0;
  double extrapolation = ctx.node.getFloat("extrapolation_value");
  std::vector<double> scales;
  resizeScales(ctx, x, scales);
  std::vector<double> roi;
  if (ctx.hasInput(1) && ctx.input(1)->numElements() > 0)
    roi = ctx.requireConstant(1, "roi").toDoubleVector();
  if (p.ctm == "tf_crop_and_resize" && roi.size() != 2 * rank)
    ctx.error("tf_crop_and_resize needs roi with {} elements, got {}",
              2 * rank, roi.size());
  if (out->numElements() == 0)
    return;

  // Integers resample in f64, as the interpreter's doubles.
  ElementType ct = isFloat(x->elem) ? computeType(x->elem) : ElementType::F64;
  // Per axis: identity, or tables [outLen, numTaps] of indices and weights.
  struct AxisTable {
    bool identity = true, unitWeights = true, anyOutside = false;
    int64_t numTaps = 1;
    Buffer index, weight, outside;
  };
  std::vector<AxisTable> tables(rank);
  for (size_t a = 0; a < rank; ++a) {
    int64_t in = x->shape[a], len = out->shape[a];
    std::vector<AxisTaps> taps;
    AxisTable &t = tables[a];
    for (int64_t o = 0; o < len; ++o) {
      double roiStart = roi.size() == 2 * rank ? roi[a] : 0.0;
      double roiEnd = roi.size() == 2 * rank ? roi[a + rank] : 1.0;
      double xOrig = sourceCoordinate(ctx, p.ctm, double(o), scales[a], in,
                                      len, roiStart, roiEnd);
      taps.push_back(tapsFor(ctx, p, xOrig, in));
      const AxisTaps &tp = taps.back();
      t.numTaps = std::max<int64_t>(t.numTaps, int64_t(tp.taps.size()));
      t.anyOutside |= tp.outside;
      bool unit = !tp.outside && tp.taps.size() == 1 && tp.taps[0].second == 1;
      t.unitWeights &= unit;
      t.identity &= unit && tp.taps[0].first == o;
    }
    if (t.identity)
      continue;
    std::string suffix = std::to_string(a);
    Tensor index(ElementType::I64, {len, t.numTaps});
    Tensor weight(ElementType::F64, {len, t.numTaps});
    Tensor outside(ElementType::Bool, {len});
    for (int64_t o = 0; o < len; ++o) {
      const AxisTaps &tp = taps[size_t(o)];
      outside.setInt(o, tp.outside);
      for (size_t k = 0; k < tp.taps.size(); ++k) {
        index.setInt(o * t.numTaps + int64_t(k), tp.taps[k].first);
        weight.setDouble(o * t.numTaps + int64_t(k), tp.taps[k].second);
      }
    }
    t.index = ctx.allocate("resize_index" + suffix, ElementType::I64,
                           {len, t.numTaps});
    emitConstantData(ctx, t.index, index);
    if (!t.unitWeights) {
      t.weight = ctx.allocate("resize_weight" + suffix, ct, {len, t.numTaps});
      emitConstantData(ctx, t.weight, weight.castTo(ct));
    }
    if (t.anyOutside) {
      t.outside = ctx.allocate("resize_outside" + suffix, ElementType::Bool,
                               {len});
      emitConstantData(ctx, t.outside, outside);
    }
  }

  // Reduction axes: the tap position of every multi-tap axis.
  std::vector<int64_t> tapShape;
  std::vector<int> tapAxis(rank, -1);
  for (size_t a = 0; a < rank; ++a)
    if (!tables[a].identity && tables[a].numTaps > 1) {
      tapAxis[a] = int(tapShape.size());
      tapShape.push_back(tables[a].numTaps);
    }
  auto term = [&, ct](const Indices &o, const Indices &r) {
    Indices src(rank);
    Expr w;
    for (size_t a = 0; a < rank; ++a) {
      const AxisTable &t = tables[a];
      if (t.identity) {
        src[a] = o[a];
        continue;
      }
      Expr k = tapAxis[a] >= 0 ? r[size_t(tapAxis[a])] : Expr(0);
      src[a] = load(t.index, {o[a], k});
      if (!t.unitWeights) {
        Expr wa = load(t.weight, {o[a], k});
        w = w ? w * wa : wa;
      }
    }
    Expr v = cast(ct, load(x, src));
    return w ? v * w : v;
  };
  auto finalize = [&, ct](Expr acc, const Indices &o) {
    Expr outside;
    for (size_t a = 0; a < rank; ++a)
      if (tables[a].anyOutside) {
        Expr f = load(tables[a].outside, {o[a]});
        outside = outside ? logicalOr(outside, f) : f;
      }
    if (!outside)
      return acc;
    return select(outside, floatImm(DType(ct), extrapolation), acc);
  };
  if (tapShape.empty()) {
    ctx.emit(compute(out, [&](const Indices &o) {
      return finalize(term(o, {}), o);
    }));
    return;
  }
  Reduction red;
  red.shape = tapShape;
  red.accType = ct;
  red.init = floatImm(DType(ct), 0);
  red.combine = [](Expr acc, Expr v) { return acc + v; };
  red.value = term;
  red.finalize = finalize;
  ctx.emit(reduce(out, red));
}

} // namespace kiln
