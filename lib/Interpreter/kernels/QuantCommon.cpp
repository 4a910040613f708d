//===- QuantCommon.cpp - helpers of the quantization kernels --------------===//
#include "QuantCommon.h"

#include <cmath>

namespace kiln {

static void checkParamShape(const EvalContext &ctx, const Tensor &t,
                            int64_t channels, const char *what) {
  if (t.numElements() == 1 && t.rank() <= 1)
    return;
  if (t.rank() != 1 || t.dim(0) != channels)
    ctx.error("{} must be a scalar or have shape [{}], not {}", what, channels,
              shapeStr(t.shape()));
}

std::vector<float> readScales(const EvalContext &ctx, size_t i,
                              int64_t channels, const char *what) {
  const Tensor &t = ctx.input(i);
  if (!isFloat(t.elementType()))
    ctx.error("{} must have a float element type, not {}", what,
              toString(t.elementType()));
  checkParamShape(ctx, t, channels, what);
  std::vector<float> out;
  for (double v : loadDoubles(t))
    out.push_back(float(v));
  return out;
}

std::vector<int64_t> readZeroPoints(const EvalContext &ctx, size_t i,
                                    int64_t channels, ElementType type,
                                    const char *what) {
  if (!ctx.hasInput(i))
    return {0};
  const Tensor &t = ctx.input(i);
  if (t.elementType() != type)
    ctx.error("{} has element type {}, expected {}", what,
              toString(t.elementType()), toString(type));
  checkParamShape(ctx, t, channels, what);
  return loadInts(t);
}

void requireQuant8(const EvalContext &ctx, size_t i, const char *what) {
  ElementType e = ctx.input(i).elementType();
  if (e != ElementType::U8 && e != ElementType::I8)
    ctx.error("{} must be u8 or i8, not {}", what, toString(e));
}

int64_t quantizeValue(double v, int64_t zeroPoint, ElementType type) {
  int64_t lo = type == ElementType::U8 ? 0 : -128;
  int64_t hi = type == ElementType::U8 ? 255 : 127;
  if (std::isnan(v))
    return std::min(hi, std::max(lo, zeroPoint));
  double r = roundHalfToEven(v) + double(zeroPoint);
  if (r <= double(lo))
    return lo;
  if (r >= double(hi))
    return hi;
  return int64_t(r);
}

} // namespace kiln
