//===- Quantizer.h - post-training int8 quantization of a graph -*- C++ -*-===//
// Turns a float graph into a QDQ graph: Conv/Gemm/MatMul weights become
// per-channel symmetric int8 constants behind DequantizeLinear, activations
// get per-tensor QuantizeLinear/DequantizeLinear pairs from calibrated ranges.
//===----------------------------------------------------------------------===//
#ifndef KILN_QUANTIZATION_QUANTIZER_H
#define KILN_QUANTIZATION_QUANTIZER_H

#include "kiln/Quantization/Calibration.h"

#include <string>
#include <vector>

namespace kiln {

struct QuantizeOptions {
  /// Activation element type: u8 (default) or i8, asymmetric per tensor.
  ElementType activationType = ElementType::U8;
  CalibrationMethod method = CalibrationMethod::MinMax;
  /// The percentile of |x| kept by CalibrationMethod::Percentile.
  double percentile = 99.99;
  /// Node names or op kinds (e.g. "Gemm") left in float.
  std::vector<std::string> keepFloat;
};

/// Scale and zero point of one per-tensor quantized activation.
struct ActivationParams {
  float scale = 1;
  int64_t zeroPoint = 0;
  ElementType type = ElementType::U8;
};

/// Affine parameters for [lo, hi] widened to include 0, so that 0.0 is
/// exactly the zero point: scale = (hi - lo) / (qmax - qmin), zero point =
/// round(qmin - lo / scale) within [qmin, qmax]. An empty range [0, 0] gets
/// scale 1. The scale is relative to the range's own magnitude, with no
/// floor but the smallest normal float (so a tensor of values ~1e-10 still
/// gets 8 bits of resolution). `type` is u8 or i8.
ActivationParams activationParams(Range range, ElementType type);

/// A weight quantized symmetrically per slice along `axis`: int8 values in
/// [-127, 127], scale[c] = max |w| over slice c / 127 (1 for an all-zero
/// slice; at least the smallest normal float), zero points 0.
struct QuantizedWeight {
  Tensor values; // i8, the weight's shape
  std::vector<float> scales;
  int64_t axis = 0;
};
QuantizedWeight quantizeWeightPerChannel(const Tensor &weight, int64_t axis);

/// What the quantizer did (counts for --stats and tests).
struct QuantizeSummary {
  int64_t quantizedOps = 0;   // Conv/Gemm/MatMul given DQ inputs
  int64_t passThroughOps = 0; // MaxPool/Reshape/... kept in the integer domain
  int64_t fusedActivations = 0;
  int64_t quantizeNodes = 0;
  int64_t dequantizeNodes = 0;
  int64_t keptFloat = 0; // quantizable ops left in float
};

/// Checks options against f before calibration: every --keep-float entry
/// names a node or an op kind of f, and at least one op will be quantized.
/// Throws kiln::Error otherwise.
void checkQuantizable(const Function &f, const QuantizeOptions &options);

/// Rewrites f (whose values `stats` describes, by name) into a QDQ graph.
QuantizeSummary quantizeFunction(Function &f, const CalibrationStats &stats,
                                 const QuantizeOptions &options);

} // namespace kiln

#endif
