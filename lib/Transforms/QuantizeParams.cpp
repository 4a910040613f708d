//===- QuantizeParams.cpp - scales and zero points of the quantizer -------===//
// Per-tensor asymmetric activation parameters from a calibrated range, and
// per-channel symmetric int8 weights.
//===----------------------------------------------------------------------===//
#include "kiln/Quantization/Quantizer.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kiln {

// A scale is relative to its tensor's own magnitude: (hi - lo) / levels is
// at least max(|lo|, |hi|) / levels, so no absolute floor is needed (one,
// such as 1e-9, zeroes every value of a tensor whose values are all tiny).
// The only floor is the smallest normal float, below which the scale itself
// and QuantizeLinear's x / scale lose precision. Any ratio of such scales is
// handled by qdq-to-integer (docs/quantization.md, "Scale range").
static double scaleFloor() { return double(std::numeric_limits<float>::min()); }

/// `width / levels` as a float scale, at least the smallest normal float.
static float relativeScale(double width, double levels) {
  return float(std::max(width / levels, scaleFloor()));
}

ActivationParams activationParams(Range range, ElementType type) {
  check(type == ElementType::U8 || type == ElementType::I8,
        "activations are quantized to u8 or i8, not {}", toString(type));
  check(std::isfinite(range.lo) && std::isfinite(range.hi) &&
            range.lo <= range.hi,
        "invalid calibration range [{}, {}]", range.lo, range.hi);
  double qmin = type == ElementType::U8 ? 0 : -128;
  double qmax = type == ElementType::U8 ? 255 : 127;
  double lo = std::min(range.lo, 0.0), hi = std::max(range.hi, 0.0);
  ActivationParams p;
  p.type = type;
  if (hi - lo <= 0) {
    p.scale = 1; // all values are 0: zero point 0 represents them
    return p;
  }
  p.scale = relativeScale(hi - lo, qmax - qmin);
  // The zero point is an integer in range, so 0.0 quantizes to it and
  // dequantizes back to exactly 0.
  double zp = std::nearbyint(qmin - lo / double(p.scale));
  p.zeroPoint = int64_t(std::clamp(zp, qmin, qmax));
  return p;
}

QuantizedWeight quantizeWeightPerChannel(const Tensor &weight, int64_t axis) {
  check(weight.elementType() == ElementType::F32,
        "weights are quantized from f32, not {}",
        toString(weight.elementType()));
  check(axis >= 0 && size_t(axis) < weight.rank(),
        "weight channel axis {} is outside the rank of shape {}", axis,
        shapeStr(weight.shape()));
  int64_t channels = weight.dim(size_t(axis));
  int64_t inner = 1;
  for (size_t d = size_t(axis) + 1; d < weight.rank(); ++d)
    inner *= weight.dim(d);
  auto channelOf = [&](int64_t i) { return (i / inner) % channels; };

  const float *w = weight.data<float>();
  int64_t n = weight.numElements();
  std::vector<double> absMax(size_t(channels), 0.0);
  for (int64_t i = 0; i < n; ++i) {
    check(std::isfinite(w[i]), "weight element {} is {}", i, w[i]);
    double &m = absMax[size_t(channelOf(i))];
    m = std::max(m, std::fabs(double(w[i])));
  }
  QuantizedWeight q;
  q.axis = axis;
  for (double m : absMax)
    q.scales.push_back(m > 0 ? relativeScale(m, 127.0) : 1.0f);
  q.values = Tensor(ElementType::I8, weight.shape());
  int8_t *out = q.values.data<int8_t>();
  for (int64_t i = 0; i < n; ++i) {
    // w / scale in float, as QuantizeLinear computes it.
    float scaled = w[i] / q.scales[size_t(channelOf(i))];
    out[i] = int8_t(std::clamp(std::nearbyint(double(scaled)), -127.0, 127.0));
  }
  return q;
}

} // namespace kiln
