//===- RandomInputs.h - seeded random input tensors -------------*- C++ -*-===//
// Reproducible inputs for running a function without data: the same seed
// gives the same tensors on every platform.
//===----------------------------------------------------------------------===//
#ifndef KILN_DRIVER_RANDOMINPUTS_H
#define KILN_DRIVER_RANDOMINPUTS_H

#include "kiln/IR/Function.h"
#include "kiln/IR/Tensor.h"

namespace kiln {

/// A tensor of `type` (which must have a static shape) filled from `seed`:
/// floats uniform in [-1, 1], signed integers in [-10, 10], unsigned ones
/// in [0, 10], bools fair coin flips.
Tensor makeRandomTensor(const TensorType &type, uint64_t seed);

/// One random tensor per input of `f`; input i uses seed + i. Throws naming
/// the input and dimension when a shape is not static (pin it with
/// --input-shape).
std::vector<Tensor> makeRandomInputs(const Function &f, uint64_t seed);

/// Throws unless `v`'s type is ranked with static dims, naming the first
/// symbolic or unknown dimension.
void requireStaticInput(const Value &v);

} // namespace kiln

#endif
