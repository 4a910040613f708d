//===- QuantCommon.h - helpers of the quantization kernels ------*- C++ -*-===//
// Reading per-tensor or per-channel scales and zero points, and the
// round-half-to-even + saturate step every quantizing kernel ends with.
//===----------------------------------------------------------------------===//
#ifndef KILN_INTERPRETER_KERNELS_QUANTCOMMON_H
#define KILN_INTERPRETER_KERNELS_QUANTCOMMON_H

#include "ElementwiseCommon.h"

namespace kiln {

/// Scales (as float, the type ONNX computes them in) of operand i: one
/// value per tensor, or `channels` values. Throws unless the operand is a
/// float scalar/1-element tensor or a 1-D tensor of `channels` elements.
std::vector<float> readScales(const EvalContext &ctx, size_t i,
                              int64_t channels, const char *what);

/// Zero points of operand i (absent: a single 0), shaped like readScales.
/// When present, the operand must have element type `type`.
std::vector<int64_t> readZeroPoints(const EvalContext &ctx, size_t i,
                                    int64_t channels, ElementType type,
                                    const char *what);

/// Entry c of a per-tensor (size 1) or per-channel parameter list.
template <typename T> T paramAt(const std::vector<T> &v, int64_t c) {
  return v.size() == 1 ? v[0] : v[size_t(c)];
}

/// Throws unless the tensor's type is u8 or i8.
void requireQuant8(const EvalContext &ctx, size_t i, const char *what);

/// round_half_to_even(v) + zeroPoint, saturated to the range of `type`
/// (u8 or i8); NaN gives the zero point.
int64_t quantizeValue(double v, int64_t zeroPoint, ElementType type);

} // namespace kiln

#endif
