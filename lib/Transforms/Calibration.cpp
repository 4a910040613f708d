//===- Calibration.cpp - activation statistics and range choice -----------===//
// Histograms of |x| collected by running the float model in the reference
// interpreter, and the min/max, percentile and entropy (KL) range choices.
//===----------------------------------------------------------------------===//
#include "kiln/Quantization/Calibration.h"
#include "kiln/Interpreter/Interpreter.h"

#include <algorithm>
#include <cmath>
#include <limits>

namespace kiln {

CalibrationMethod parseCalibrationMethod(const std::string &name) {
  if (name == "minmax")
    return CalibrationMethod::MinMax;
  if (name == "percentile")
    return CalibrationMethod::Percentile;
  if (name == "entropy")
    return CalibrationMethod::Entropy;
  fail("unknown calibration method '{}' (expected minmax, percentile or "
       "entropy)",
       name);
}

const char *toString(CalibrationMethod method) {
  switch (method) {
  case CalibrationMethod::MinMax:
    return "minmax";
  case CalibrationMethod::Percentile:
    return "percentile";
  case CalibrationMethod::Entropy:
    return "entropy";
  }
  return "?";
}

void AbsHistogram::add(const float *values, int64_t count) {
  size_t bins = counts_.size();
  double amax = 0;
  for (int64_t i = 0; i < count; ++i)
    amax = std::max(amax, std::fabs(double(values[i])));
  if (width_ == 0 && amax > 0) {
    // The first nonzero value fixes the range; earlier zeros stay in bin 0.
    width_ = amax / double(bins);
  } else if (amax > range()) {
    // Grow by an integer factor so old bins merge exactly into new ones.
    auto k = size_t(std::floor(amax / range())) + 1;
    std::vector<uint64_t> merged(bins, 0);
    for (size_t i = 0; i < bins; ++i)
      merged[i / k] += counts_[i];
    counts_ = std::move(merged);
    width_ *= double(k);
  }
  for (int64_t i = 0; i < count; ++i) {
    double a = std::fabs(double(values[i]));
    size_t bin = width_ == 0 ? 0 : size_t(a / width_);
    counts_[std::min(bin, bins - 1)]++;
  }
  total_ += uint64_t(count);
}

void TensorStats::observe(const Tensor &t) {
  check(t.elementType() == ElementType::F32,
        "calibration statistics need f32 values, not {}",
        toString(t.elementType()));
  const float *p = t.data<float>();
  int64_t n = t.numElements();
  std::vector<float> pos, neg;
  for (int64_t i = 0; i < n; ++i) {
    check(std::isfinite(p[i]), "the value is {} at element {}", p[i], i);
    if (!seen) {
      min = max = p[i];
      seen = true;
    }
    min = std::min(min, double(p[i]));
    max = std::max(max, double(p[i]));
    if (p[i] >= 0)
      pos.push_back(p[i]);
    else
      neg.push_back(-p[i]);
  }
  positive.add(pos);
  negative.add(neg);
}

double percentileThreshold(const AbsHistogram &h, double percent) {
  check(percent > 0 && percent <= 100,
        "the calibration percentile must be in (0, 100], not {}", percent);
  if (h.total() == 0 || h.binWidth() == 0)
    return 0;
  // The count that must lie at or below the threshold, rounded up.
  double wanted = std::ceil(double(h.total()) * percent / 100.0 - 1e-9);
  uint64_t cumulative = 0;
  const std::vector<uint64_t> &c = h.counts();
  for (size_t i = 0; i < c.size(); ++i) {
    cumulative += c[i];
    if (double(cumulative) >= wanted)
      return double(i + 1) * h.binWidth();
  }
  return h.range();
}

// KL(P || Q) for a cut after `cut` bins. P is the histogram clipped there
// (the mass beyond added to its last bin); Q is the unclipped slice merged
// into `levels` groups of neighbouring bins, each group's mass spread evenly
// over its nonempty bins. Clipped mass that Q cannot explain costs a lot,
// which keeps a cut from slicing through a dense peak.
static double klForCut(const std::vector<uint64_t> &c, size_t cut, int levels,
                       uint64_t beyond, std::vector<double> &q) {
  q.assign(cut, 0.0);
  double qTotal = 0;
  for (int j = 0; j < levels; ++j) {
    size_t begin = cut * size_t(j) / size_t(levels);
    size_t end = cut * size_t(j + 1) / size_t(levels);
    double sum = 0;
    size_t nonzero = 0;
    for (size_t b = begin; b < end; ++b) {
      sum += double(c[b]);
      nonzero += c[b] != 0;
    }
    for (size_t b = begin; b < end && nonzero; ++b)
      if (c[b] != 0)
        q[b] = sum / double(nonzero);
    qTotal += sum;
  }
  if (qTotal == 0)
    return std::numeric_limits<double>::infinity();
  double pTotal = qTotal + double(beyond);
  // A bin P fills and Q leaves empty gets a tiny share of Q instead of an
  // infinite divergence.
  const double floor = 1e-6 * qTotal / double(cut);
  double kl = 0;
  for (size_t b = 0; b < cut; ++b) {
    double p = double(c[b]) + (b + 1 == cut ? double(beyond) : 0.0);
    if (p == 0)
      continue;
    double pn = p / pTotal, qn = std::max(q[b], floor) / qTotal;
    kl += pn * std::log(pn / qn);
  }
  return kl;
}

double entropyThreshold(const AbsHistogram &h, int levels) {
  check(levels >= 2, "entropy calibration needs at least 2 levels");
  const std::vector<uint64_t> &c = h.counts();
  if (h.total() == 0 || h.binWidth() == 0)
    return 0;
  size_t used = c.size();
  while (used > 0 && c[used - 1] == 0)
    --used;
  // Few enough occupied bins: every level can get its own, no clipping.
  if (used <= size_t(levels))
    return double(used) * h.binWidth();

  std::vector<uint64_t> suffix(c.size() + 1, 0);
  for (size_t i = c.size(); i-- > 0;)
    suffix[i] = suffix[i + 1] + c[i];
  std::vector<double> q;
  size_t best = used;
  double bestKl = std::numeric_limits<double>::infinity();
  for (size_t cut = size_t(levels); cut <= used; ++cut) {
    double kl = klForCut(c, cut, levels, suffix[cut], q);
    if (kl < bestKl) {
      bestKl = kl;
      best = cut;
    }
  }
  return double(best) * h.binWidth();
}

Range chooseRange(const TensorStats &stats, CalibrationMethod method,
                  double percentile) {
  Range r{stats.min, stats.max};
  if (method == CalibrationMethod::MinMax || !stats.seen)
    return r;
  int levels = stats.min >= 0 || stats.max <= 0 ? 256 : 128;
  auto threshold = [&](const AbsHistogram &h) {
    return method == CalibrationMethod::Percentile
               ? percentileThreshold(h, percentile)
               : entropyThreshold(h, levels);
  };
  if (stats.max > 0)
    r.hi = std::min(r.hi, threshold(stats.positive));
  if (stats.min < 0)
    r.lo = std::max(r.lo, -threshold(stats.negative));
  return r;
}

namespace {
// Restores a function's outputs when calibration is done or fails.
class OutputsGuard {
public:
  explicit OutputsGuard(Function &f) : f_(f), saved_(f.outputs()) {}
  ~OutputsGuard() { f_.setOutputs(saved_); }

private:
  Function &f_;
  std::vector<Value *> saved_;
};
} // namespace

void calibrateOnSample(Function &f, const std::vector<Tensor> &inputs,
                       CalibrationStats &stats) {
  // Every observed value becomes an output for the run, so the interpreter
  // hands back all of them without an observer hook.
  std::vector<Value *> observed;
  for (Value *v : f.inputs())
    if (v->type().elementType() == ElementType::F32)
      observed.push_back(v);
  for (const auto &node : f.nodes()) {
    if (node->kind() == OpKind::Constant)
      continue;
    for (Value *r : node->results())
      if (r->type().elementType() == ElementType::F32)
        observed.push_back(r);
  }
  std::vector<Tensor> values;
  {
    OutputsGuard guard(f);
    f.setOutputs(observed);
    values = Interpreter().run(f, inputs);
  }
  for (size_t i = 0; i < observed.size(); ++i) {
    try {
      stats[observed[i]->name()].observe(values[i]);
    } catch (const Error &e) {
      fail("calibration: value '{}': {}", observed[i]->name(), e.what());
    }
  }
}

} // namespace kiln
