//===- Resize.cpp - the Resize kernel -------------------------------------===//
// Separable N-D resampling, as ONNX's reference defines it: every axis maps
// an output coordinate to an input coordinate (coordinate_transformation_mode)
// and picks weighted taps (nearest, linear or cubic); the output is the sum
// over the product of all axes' taps. Out-of-range taps read the edge value.
// Note the reference uses the unrounded output length `scale * input` in the
// align_corners and pytorch_half_pixel formulas, so Kiln does too.
//===----------------------------------------------------------------------===//
#include "kiln/Interpreter/KernelUtils.h"

#include <algorithm>
#include <cmath>

namespace kiln {

namespace {

struct Taps {
  bool outside = false; // tf_crop_and_resize: use extrapolation_value
  std::vector<std::pair<int64_t, double>> taps;
};

struct ResizeParams {
  std::string mode, ctm, nearestMode;
  double cubicA = -0.75;
  bool excludeOutside = false;
};

// Maps output coordinate `x` on an axis of input length `in` to the input.
double sourceCoordinate(const EvalContext &ctx, const std::string &ctm,
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

std::vector<double> cubicCoeffs(double ratio, double a) {
  auto outer = [a](double t) { // |t| in [1, 2]
    return ((a * t - 5 * a) * t + 8 * a) * t - 4 * a;
  };
  auto inner = [a](double t) { // |t| in [0, 1]
    return ((a + 2) * t - (a + 3)) * t * t + 1;
  };
  return {outer(ratio + 1), inner(ratio), inner(1 - ratio), outer(2 - ratio)};
}

Taps tapsFor(const EvalContext &ctx, const ResizeParams &p, double xOrig,
             int64_t in) {
  Taps result;
  // Written so that a NaN coordinate (from a NaN roi) counts as outside.
  if (p.ctm == "tf_crop_and_resize" &&
      !(xOrig >= 0 && xOrig <= double(in - 1))) {
    result.outside = true;
    return result;
  }
  // Taps are clamped to the edge anyway; this keeps float-to-int defined.
  xOrig = std::isnan(xOrig) ? 0.0 : std::clamp(xOrig, -1e15, 1e15);
  double base = std::floor(xOrig);
  // The reference prefers the left neighbor: an integral coordinate has
  // ratio 1 to the point before it.
  double ratio = xOrig - base;
  if (ratio == 0) {
    ratio = 1;
    base -= 1;
  }
  std::vector<double> coeffs;
  int64_t first;
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
    first = int64_t(base);
  } else if (p.mode == "linear") {
    coeffs = {1 - ratio, ratio};
    first = int64_t(base);
  } else if (p.mode == "cubic") {
    coeffs = cubicCoeffs(ratio, p.cubicA);
    first = int64_t(base) - 1;
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

} // namespace

void evalResize(EvalContext &ctx) {
  const Tensor &x = ctx.input(0);
  size_t rank = x.rank();
  ResizeParams p;
  p.mode = ctx.node.getString("mode");
  p.ctm = ctx.node.getString("coordinate_transformation_mode");
  p.nearestMode = ctx.node.getString("nearest_mode");
  p.cubicA = ctx.node.getFloat("cubic_coeff_a");
  p.excludeOutside = ctx.node.getInt("exclude_outside") != 0;
  double extrapolation = ctx.node.getFloat("extrapolation_value");

  std::vector<double> scales(rank);
  std::vector<int64_t> outShape(rank);
  const Tensor *scalesT = ctx.inputOrNull(2);
  const Tensor *sizesT = ctx.inputOrNull(3);
  if (scalesT && scalesT->numElements() == 0)
    scalesT = nullptr;
  if (sizesT && sizesT->numElements() == 0 && scalesT)
    sizesT = nullptr;
  if (sizesT) {
    if (scalesT)
      ctx.error("only one of scales and sizes may be given");
    if (size_t(sizesT->numElements()) != rank)
      ctx.error("sizes has {} elements, expected {}", sizesT->numElements(),
                rank);
    for (size_t i = 0; i < rank; ++i) {
      outShape[i] = sizesT->getInt(int64_t(i));
      if (outShape[i] < 0)
        ctx.error("sizes[{}] is negative ({})", i, outShape[i]);
      if (x.dim(i) == 0 && outShape[i] != 0)
        ctx.error("cannot resize an empty axis {} to {}", i, outShape[i]);
      scales[i] = x.dim(i) ? double(outShape[i]) / double(x.dim(i)) : 1.0;
    }
  } else if (scalesT) {
    if (size_t(scalesT->numElements()) != rank)
      ctx.error("scales has {} elements, expected {}", scalesT->numElements(),
                rank);
    for (size_t i = 0; i < rank; ++i) {
      scales[i] = scalesT->getDouble(int64_t(i));
      if (!(scales[i] > 0) || !std::isfinite(scales[i]))
        ctx.error("scales[{}] must be positive, not {}", i, scales[i]);
      double out = std::floor(double(x.dim(i)) * scales[i]);
      if (out > double(int64_t(1) << 40))
        ctx.error("scales[{}] = {} gives an absurd output size", i, scales[i]);
      outShape[i] = int64_t(out);
    }
  } else {
    ctx.error("one of scales and sizes must be given");
  }

  std::vector<double> roi;
  if (const Tensor *roiT = ctx.inputOrNull(1))
    roi = roiT->toDoubleVector();
  if (p.ctm == "tf_crop_and_resize" && roi.size() != 2 * rank)
    ctx.error("tf_crop_and_resize needs roi with {} elements, got {}", 2 * rank,
              roi.size());

  // Allocating first rejects absurd sizes before any per-axis work.
  Tensor out(x.elementType(), outShape);
  if (out.numElements() == 0) {
    ctx.outputs[0] = std::move(out);
    return;
  }
  // Taps of every output coordinate of every axis.
  std::vector<std::vector<Taps>> axisTaps(rank);
  for (size_t a = 0; a < rank; ++a) {
    int64_t in = x.dim(a);
    for (int64_t o = 0; o < outShape[a]; ++o) {
      double roiStart = roi.size() == 2 * rank ? roi[a] : 0.0;
      double roiEnd = roi.size() == 2 * rank ? roi[a + rank] : 1.0;
      double xOrig = sourceCoordinate(ctx, p.ctm, double(o), scales[a], in,
                                      outShape[a], roiStart, roiEnd);
      axisTaps[a].push_back(tapsFor(ctx, p, xOrig, in));
    }
  }

  std::vector<double> src = x.toDoubleVector();
  std::vector<int64_t> inStrides = stridesOf(x.shape());
  std::vector<size_t> tapPos(rank);
  for (int64_t o = 0; o < out.numElements(); ++o) {
    std::vector<int64_t> coord = unravelIndex(o, outShape);
    bool outside = false;
    for (size_t a = 0; a < rank; ++a)
      outside |= axisTaps[a][size_t(coord[a])].outside;
    if (outside) {
      out.setDouble(o, extrapolation);
      continue;
    }
    // Odometer over the cartesian product of the axes' taps.
    double sum = 0;
    std::fill(tapPos.begin(), tapPos.end(), 0);
    while (true) {
      double weight = 1;
      int64_t offset = 0;
      for (size_t a = 0; a < rank; ++a) {
        const auto &tap = axisTaps[a][size_t(coord[a])].taps[tapPos[a]];
        weight *= tap.second;
        offset += tap.first * inStrides[a];
      }
      sum += weight * src[size_t(offset)];
      size_t a = rank;
      for (; a > 0; --a) {
        if (++tapPos[a - 1] < axisTaps[a - 1][size_t(coord[a - 1])].taps.size())
          break;
        tapPos[a - 1] = 0;
      }
      if (a == 0)
        break;
    }
    out.setDouble(o, sum);
  }
  ctx.outputs[0] = std::move(out);
}

} // namespace kiln
