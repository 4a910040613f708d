//===- MelWeightMatrix.cpp - the MelWeightMatrix kernel (opset 17) --------===//
// Triangular mel filters as ONNX's reference builds them: num_mel_bins + 2
// points evenly spaced on the mel scale between the edge frequencies, mapped
// to DFT bin indices; output [dft_length / 2 + 1, num_mel_bins].
//===----------------------------------------------------------------------===//
#include "kiln/Interpreter/EvalContext.h"

#include <cmath>

namespace kiln {

void evalMelWeightMatrix(EvalContext &ctx) {
  auto scalar = [&](size_t i, const char *name) -> const Tensor & {
    const Tensor &t = ctx.input(i);
    if (t.numElements() != 1)
      ctx.error("{} must be a scalar", name);
    return t;
  };
  int64_t numMel = scalar(0, "num_mel_bins").getInt(0);
  int64_t dftLength = scalar(1, "dft_length").getInt(0);
  int64_t sampleRate = scalar(2, "sample_rate").getInt(0);
  double lower = scalar(3, "lower_edge_hertz").getDouble(0);
  double upper = scalar(4, "upper_edge_hertz").getDouble(0);
  if (numMel <= 0 || dftLength <= 0 || sampleRate <= 0)
    ctx.error("num_mel_bins, dft_length and sample_rate must be positive");
  if (!(lower >= 0 && lower <= upper && std::isfinite(upper)))
    ctx.error("edge frequencies must satisfy 0 <= lower <= upper, not {} "
              "and {}",
              lower, upper);
  std::optional<ElementType> elem =
      fromOnnxDataType(int(ctx.node.getInt("output_datatype")));
  if (!elem)
    ctx.error("unsupported output_datatype {}",
              ctx.node.getInt("output_datatype"));

  int64_t numBins = dftLength / 2 + 1;
  // Allocating first rejects absurd sizes before any other work.
  Tensor out(*elem, {numBins, numMel});
  auto toMel = [](double hz) { return 2595 * std::log10(1 + hz / 700); };
  double lowMel = toMel(lower), highMel = toMel(upper);
  double melStep = (highMel - lowMel) / double(numMel + 2);
  std::vector<int64_t> points(static_cast<size_t>(numMel + 2));
  for (int64_t i = 0; i < numMel + 2; ++i) {
    double hz = 700 * (std::pow(10, (double(i) * melStep + lowMel) / 2595) - 1);
    double bin = std::floor(double(dftLength + 1) * hz / double(sampleRate));
    if (!(bin >= 0 && bin < double(numBins)))
      ctx.error("mel point {} falls outside the {} DFT bins; the edge "
                "frequencies exceed the Nyquist frequency",
                i, numBins);
    points[size_t(i)] = int64_t(bin);
  }

  for (int64_t m = 0; m < numMel; ++m) {
    int64_t left = points[size_t(m)], center = points[size_t(m + 1)],
            right = points[size_t(m + 2)];
    if (center == left) {
      out.setDouble(center * numMel + m, 1.0);
    } else {
      for (int64_t j = left; j <= center; ++j)
        out.setDouble(j * numMel + m, double(j - left) / double(center - left));
    }
    for (int64_t j = center; j < right; ++j)
      out.setDouble(j * numMel + m, double(right - j) / double(right - center));
  }
  ctx.outputs[0] = std::move(out);
}

} // namespace kiln
