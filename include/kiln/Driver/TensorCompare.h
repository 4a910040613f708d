//===- TensorCompare.h - compare results against references -----*- C++ -*-===//
// Element-wise comparison with ONNX's tolerances, reporting the worst
// mismatch in a form a person can act on.
//===----------------------------------------------------------------------===//
#ifndef KILN_DRIVER_TENSORCOMPARE_H
#define KILN_DRIVER_TENSORCOMPARE_H

#include "kiln/IR/Tensor.h"

#include <string>

namespace kiln {

/// ONNX backend-test defaults.
constexpr double kDefaultRtol = 1e-3;
constexpr double kDefaultAtol = 1e-7;

struct CompareResult {
  bool passed = true;
  /// Elements outside the tolerance (0 for a type or shape mismatch).
  int64_t numMismatches = 0;
  /// Empty when passed; otherwise the worst mismatch, e.g.
  /// "at [0,2]: actual 1.5, expected 1.25, |diff| 0.25 > tolerance 0.00125
  /// (3 of 6 elements differ)", or a type/shape mismatch.
  std::string message;
};

/// Floats pass when |a - e| <= atol + rtol * |e|; NaN matches NaN and an
/// infinity matches the same-signed infinity. Integers and bools must be
/// equal. Element type and shape must be identical.
CompareResult compareTensors(const Tensor &actual, const Tensor &expected,
                             double rtol = kDefaultRtol,
                             double atol = kDefaultAtol);

/// "[1,0,3]" for flat index `flat` of `shape` (row-major).
std::string multiIndexStr(const std::vector<int64_t> &shape, int64_t flat);

} // namespace kiln

#endif
