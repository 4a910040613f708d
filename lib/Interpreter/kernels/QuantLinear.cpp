//===- QuantLinear.cpp - QuantizeLinear, DequantizeLinear, dynamic --------===//
// Affine (de)quantization per tensor or per axis. As in ONNX's reference,
// x / scale and (x - zp) * scale are computed in float (double for f64).
//===----------------------------------------------------------------------===//
#include "QuantCommon.h"
#include "kiln/IR/InferContext.h"

#include <cmath>

namespace kiln {

namespace {
// Maps a linear element index of x to its channel along `axis`.
struct ChannelMap {
  int64_t channels = 1, inner = 1;
  int64_t operator()(int64_t i) const { return (i / inner) % channels; }
};
} // namespace

// Per-axis when a parameter has more than one element (or is 1-D of the
// axis size, which may be 1); otherwise per tensor.
static ChannelMap channelMap(const EvalContext &ctx, const Tensor &x,
                             const Tensor &scale) {
  ChannelMap map;
  if (scale.rank() == 0 || (scale.numElements() == 1 && x.rank() == 0))
    return map;
  int64_t axis = normalizeAxis(ctx.node.getInt("axis"), int64_t(x.rank()));
  if (scale.numElements() == 1 && x.dim(size_t(axis)) != 1)
    return map; // a 1-element vector is per tensor
  map.channels = x.dim(size_t(axis));
  for (size_t d = size_t(axis) + 1; d < x.rank(); ++d)
    map.inner *= x.dim(d);
  return map;
}

void evalQuantizeLinear(EvalContext &ctx) {
  const Tensor &x = ctx.input(0);
  if (!isFloat(x.elementType()) && x.elementType() != ElementType::I32)
    ctx.error("input must be a float or i32 tensor, not {}",
              toString(x.elementType()));
  ElementType outType = ElementType::U8;
  if (ctx.hasInput(2)) {
    requireQuant8(ctx, 2, "y_zero_point");
    outType = ctx.input(2).elementType();
  }
  ChannelMap map = channelMap(ctx, x, ctx.input(1));
  std::vector<float> scales = readScales(ctx, 1, map.channels, "y_scale");
  std::vector<int64_t> zps =
      readZeroPoints(ctx, 2, map.channels, outType, "y_zero_point");
  bool wide = x.elementType() == ElementType::F64;
  std::vector<double> v = loadDoubles(x);
  std::vector<int64_t> q(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    int64_t c = map(int64_t(i));
    float s = paramAt(scales, c);
    double scaled = wide ? v[i] / double(s) : double(float(v[i]) / s);
    q[i] = quantizeValue(scaled, paramAt(zps, c), outType);
  }
  ctx.outputs[0] = storeInts(outType, x.shape(), q, false);
}

void evalDequantizeLinear(EvalContext &ctx) {
  const Tensor &x = ctx.input(0);
  ElementType xe = x.elementType();
  if (xe != ElementType::U8 && xe != ElementType::I8 && xe != ElementType::I32)
    ctx.error("input must be u8, i8 or i32, not {}", toString(xe));
  ElementType outType = ctx.input(1).elementType();
  ChannelMap map = channelMap(ctx, x, ctx.input(1));
  std::vector<float> scales = readScales(ctx, 1, map.channels, "x_scale");
  std::vector<int64_t> zps =
      readZeroPoints(ctx, 2, map.channels, xe, "x_zero_point");
  bool wide = outType == ElementType::F64;
  std::vector<double> scalesWide = loadDoubles(ctx.input(1));
  std::vector<int64_t> v = loadInts(x);
  std::vector<double> y(v.size());
  for (size_t i = 0; i < v.size(); ++i) {
    int64_t c = map(int64_t(i));
    int64_t shifted = v[i] - paramAt(zps, c); // no overflow: 33 bits at most
    y[i] = wide ? double(shifted) * paramAt(scalesWide, c)
                : double(float(shifted) * paramAt(scales, c));
  }
  ctx.outputs[0] = storeDoubles(outType, x.shape(), y);
}

// y_scale = (max(0, max x) - min(0, min x)) / 255, u8 zero point, and y.
void evalDynamicQuantizeLinear(EvalContext &ctx) {
  const Tensor &x = ctx.input(0);
  if (!isFloat(x.elementType()))
    ctx.error("input must be a float tensor, not {}",
              toString(x.elementType()));
  std::vector<double> v = loadDoubles(x);
  float lo = 0, hi = 0;
  for (double e : v) {
    if (std::isnan(e))
      ctx.error("input contains NaN");
    lo = std::min(lo, float(e));
    hi = std::max(hi, float(e));
  }
  float scale = (hi - lo) / 255.0f;
  int64_t zp = 0;
  std::vector<int64_t> q(v.size(), 0);
  // All zeros: scale 0; every value quantizes to zero point 0.
  if (scale != 0) {
    zp = quantizeValue(double(0.0f - lo / scale), 0, ElementType::U8);
    for (size_t i = 0; i < v.size(); ++i)
      q[i] = quantizeValue(double(float(v[i]) / scale), zp, ElementType::U8);
  }
  ctx.outputs[0] = storeInts(ElementType::U8, x.shape(), q, false);
  ctx.outputs[1] = Tensor::scalar<float>(scale);
  ctx.outputs[2] = Tensor::scalar<uint8_t>(uint8_t(zp));
}

} // namespace kiln
