//===- Calibration.h - activation statistics and range choice ---*- C++ -*-===//
// Per-tensor statistics of float activations (min, max and a histogram of
// |x|) gathered over calibration runs, and the three range choices of the
// post-training quantizer: min/max, percentile and entropy (KL divergence).
//===----------------------------------------------------------------------===//
#ifndef KILN_QUANTIZATION_CALIBRATION_H
#define KILN_QUANTIZATION_CALIBRATION_H

#include "kiln/IR/Function.h"
#include "kiln/IR/Tensor.h"

#include <map>
#include <string>
#include <vector>

namespace kiln {

enum class CalibrationMethod { MinMax, Percentile, Entropy };

/// "minmax", "percentile" or "entropy"; throws for anything else.
CalibrationMethod parseCalibrationMethod(const std::string &name);
const char *toString(CalibrationMethod method);

/// A histogram of |x| over [0, range()) with a fixed number of equal bins.
/// The range starts at the first nonzero |x| seen and grows by an integer
/// factor k when a larger value arrives, merging each k neighbouring bins
/// into one, so counts are never split or interpolated.
class AbsHistogram {
public:
  explicit AbsHistogram(size_t bins = 2048) : counts_(bins, 0) {}

  void add(const float *values, int64_t count);
  void add(const std::vector<float> &values) {
    add(values.data(), int64_t(values.size()));
  }

  size_t numBins() const { return counts_.size(); }
  /// Bin width; 0 while every value seen was 0 (all counted in bin 0).
  double binWidth() const { return width_; }
  double range() const { return width_ * double(counts_.size()); }
  const std::vector<uint64_t> &counts() const { return counts_; }
  uint64_t total() const { return total_; }

private:
  std::vector<uint64_t> counts_;
  double width_ = 0;
  uint64_t total_ = 0;
};

/// Statistics of one value over all calibration runs. Each sign has its own
/// histogram of magnitudes, so an asymmetric range clips each end by what
/// lies beyond it (a dense peak at one end does not move the other).
struct TensorStats {
  double min = 0, max = 0;
  bool seen = false;
  AbsHistogram positive; // x >= 0
  AbsHistogram negative; // -x for x < 0

  /// Adds the elements of a float tensor; throws on NaN or infinity.
  void observe(const Tensor &t);
};

/// The smallest threshold t (an upper bin edge) such that at least
/// `percent` % of the histogram's values have |x| <= t. 0 for an empty one.
double percentileThreshold(const AbsHistogram &h, double percent);

/// The clipping threshold of |x| that minimizes KL(P || Q), where P is the
/// histogram cut at the threshold (the clipped mass added to its last bin)
/// and Q is P represented with `levels` quantization levels. Every
/// threshold from `levels` bins up to the whole histogram is tried.
double entropyThreshold(const AbsHistogram &h, int levels);

/// A float range [lo, hi] chosen for one value.
struct Range {
  double lo = 0, hi = 0;
};

/// The calibrated range of a value: [min, max] for MinMax; for the others
/// [max(min, -tn), min(max, tp)] with tp and tn the percentile / entropy
/// thresholds of the positive and the negative values' magnitudes. Entropy
/// uses 256 levels for a value of one sign and 128 per sign otherwise.
Range chooseRange(const TensorStats &stats, CalibrationMethod method,
                  double percentile = 99.99);

/// Statistics by value name.
using CalibrationStats = std::map<std::string, TensorStats>;

/// Runs `f` in the reference interpreter on one sample (one tensor per
/// input) and adds every f32 input and non-constant f32 node result of f
/// (subgraph values excluded) to `stats`. f is left unchanged.
void calibrateOnSample(Function &f, const std::vector<Tensor> &inputs,
                       CalibrationStats &stats);

} // namespace kiln

#endif
