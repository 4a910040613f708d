//===- TensorPrint.h - human-readable tensor values -------------*- C++ -*-===//
// Formats tensors for kiln-run's output: type, shape and (elided) elements.
//===----------------------------------------------------------------------===//
#ifndef KILN_DRIVER_TENSORPRINT_H
#define KILN_DRIVER_TENSORPRINT_H

#include "kiln/IR/Tensor.h"

#include <string>

namespace kiln {

/// Element i as text: shortest round-trip form for floats, "true"/"false"
/// for bools, decimal for integers.
std::string formatElement(const Tensor &t, int64_t i);

/// "f32[2,3] = [1, 2, 3, 4, 5, 6]"; with more than `limit` elements the
/// list ends in "..., (N elements)". limit 0 prints every element.
std::string formatTensor(const Tensor &t, int64_t limit);

} // namespace kiln

#endif
