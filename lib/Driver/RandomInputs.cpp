//===- RandomInputs.cpp - seeded random input tensors ---------------------===//
#include "kiln/Driver/RandomInputs.h"

#include <random>

namespace kiln {

void requireStaticInput(const Value &v) {
  const TensorType &type = v.type();
  check(
      type.isRanked(),
      "input '{}' has no known rank; pin its shape with --input-shape={}=DIMS",
      v.name(), v.name());
  for (size_t i = 0; i < type.rank(); ++i) {
    const Dim &d = type.dim(i);
    if (d.isSymbol())
      fail("input '{}' ({}) has symbolic dimension '{}'; pin it with "
           "--input-shape={}=DIMS",
           v.name(), type.str(), d.symbolName(), v.name());
    if (d.isUnknown())
      fail("input '{}' ({}) has unknown dimension {}; pin it with "
           "--input-shape={}=DIMS",
           v.name(), type.str(), i, v.name());
  }
}

Tensor makeRandomTensor(const TensorType &type, uint64_t seed) {
  Tensor t(type.elementType(), type.staticShape());
  // The distributions are written out by hand: std::uniform_*_distribution
  // differ between standard libraries, and inputs must be reproducible.
  std::mt19937_64 rng(seed);
  ElementType elem = type.elementType();
  for (int64_t i = 0; i < t.numElements(); ++i) {
    uint64_t bits = rng();
    if (isFloat(elem)) {
      double unit = double(bits >> 11) * 0x1.0p-53; // [0, 1)
      t.setDouble(i, 2 * unit - 1);
    } else if (elem == ElementType::Bool) {
      t.setInt(i, int64_t(bits >> 63));
    } else if (isSigned(elem)) {
      t.setInt(i, int64_t(bits % 21) - 10);
    } else {
      t.setInt(i, int64_t(bits % 11));
    }
  }
  return t;
}

std::vector<Tensor> makeRandomInputs(const Function &f, uint64_t seed) {
  std::vector<Tensor> inputs;
  for (size_t i = 0; i < f.inputs().size(); ++i) {
    requireStaticInput(*f.inputs()[i]);
    inputs.push_back(makeRandomTensor(f.inputs()[i]->type(), seed + i));
  }
  return inputs;
}

} // namespace kiln
