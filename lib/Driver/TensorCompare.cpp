//===- TensorCompare.cpp - compare results against references -------------===//
#include "kiln/Driver/TensorCompare.h"
#include "kiln/Driver/TensorPrint.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace kiln {

std::string multiIndexStr(const std::vector<int64_t> &shape, int64_t flat) {
  std::vector<int64_t> index(shape.size(), 0);
  for (size_t d = shape.size(); d-- > 0;) {
    if (shape[d] > 0) {
      index[d] = flat % shape[d];
      flat /= shape[d];
    }
  }
  std::string s = "[";
  for (size_t d = 0; d < index.size(); ++d)
    s += (d ? "," : "") + std::to_string(index[d]);
  return s + "]";
}

namespace {

// How far outside the tolerance one element is; <= 0 means it matches.
struct Badness {
  double excess = 0;
  double tolerance = 0;
};

Badness floatBadness(double a, double e, double rtol, double atol) {
  Badness b;
  if (std::isnan(a) || std::isnan(e)) {
    b.excess = std::isnan(a) && std::isnan(e)
                   ? 0
                   : std::numeric_limits<double>::infinity();
    return b;
  }
  if (std::isinf(a) || std::isinf(e)) {
    b.excess = a == e ? 0 : std::numeric_limits<double>::infinity();
    return b;
  }
  b.tolerance = atol + rtol * std::fabs(e);
  b.excess = std::fabs(a - e) - b.tolerance;
  return b;
}

} // namespace

CompareResult compareTensors(const Tensor &actual, const Tensor &expected,
                             double rtol, double atol) {
  CompareResult r;
  if (actual.elementType() != expected.elementType()) {
    r.passed = false;
    r.message = fmt::format("element type mismatch: actual {}, expected {}",
                            actual.type().str(), expected.type().str());
    return r;
  }
  if (actual.shape() != expected.shape()) {
    r.passed = false;
    r.message = fmt::format("shape mismatch: actual {}, expected {}",
                            actual.type().str(), expected.type().str());
    return r;
  }
  ElementType type = actual.elementType();
  int64_t n = actual.numElements();
  int64_t worst = -1;
  Badness worstBad;
  worstBad.excess = -std::numeric_limits<double>::infinity();
  if (isFloat(type)) {
    for (int64_t i = 0; i < n; ++i) {
      Badness b =
          floatBadness(actual.getDouble(i), expected.getDouble(i), rtol, atol);
      if (!(b.excess <= 0)) {
        ++r.numMismatches;
        if (b.excess > worstBad.excess) {
          worstBad = b;
          worst = i;
        }
      }
    }
  } else {
    // Exact comparison of the stored bytes covers every integer width and
    // bool without conversions that could lose u64 values.
    size_t width = byteSize(type);
    const uint8_t *a = actual.rawData(), *e = expected.rawData();
    for (int64_t i = 0; i < n; ++i) {
      if (std::memcmp(a + i * width, e + i * width, width) != 0) {
        if (worst < 0)
          worst = i;
        ++r.numMismatches;
      }
    }
  }
  if (r.numMismatches == 0)
    return r;
  r.passed = false;
  std::string where = multiIndexStr(actual.shape(), worst);
  std::string a = formatElement(actual, worst);
  std::string e = formatElement(expected, worst);
  if (isFloat(type)) {
    double diff =
        std::fabs(actual.getDouble(worst) - expected.getDouble(worst));
    if (std::isfinite(worstBad.excess))
      r.message = fmt::format("at {}: actual {}, expected {}, |diff| {:g} > "
                              "tolerance {:g}",
                              where, a, e, diff, worstBad.tolerance);
    else
      r.message = fmt::format("at {}: actual {}, expected {}", where, a, e);
  } else {
    r.message = fmt::format("at {}: actual {}, expected {}", where, a, e);
  }
  r.message += fmt::format(" ({} of {} elements differ)", r.numMismatches, n);
  return r;
}

} // namespace kiln
