//===- NNKernelUtils.h - helpers of reduction and NN kernels ----*- C++ -*-===//
// Float kernels widen their operands to double, compute, and round once into
// the result type; these helpers do the widening, rounding and type checks.
//===----------------------------------------------------------------------===//
#ifndef KILN_INTERPRETER_KERNELS_NNKERNELUTILS_H
#define KILN_INTERPRETER_KERNELS_NNKERNELUTILS_H

#include "kiln/IR/InferUtils.h"
#include "kiln/Interpreter/KernelUtils.h"

namespace kiln {

/// Throws naming the node unless operand i has a float element type.
inline const Tensor &floatInput(const EvalContext &ctx, size_t i) {
  const Tensor &t = ctx.input(i);
  if (!isFloat(t.elementType()))
    ctx.error("operand {} must be a float tensor, not {}", i,
              toString(t.elementType()));
  return t;
}

/// The elements of a tensor as doubles.
inline std::vector<double> toDoubles(const Tensor &t) {
  return t.toDoubleVector();
}

/// A tensor of `type` and `shape` holding `values` (rounded once).
inline Tensor fromDoubles(ElementType type, const std::vector<int64_t> &shape,
                          const std::vector<double> &values) {
  Tensor t(type, shape);
  for (int64_t i = 0; i < t.numElements(); ++i)
    t.setDouble(i, values[size_t(i)]);
  return t;
}

/// Product of shape[begin, end).
inline int64_t product(const std::vector<int64_t> &shape, size_t begin,
                       size_t end) {
  int64_t p = 1;
  for (size_t i = begin; i < end && i < shape.size(); ++i)
    p *= shape[i];
  return p;
}

/// Advances a multi-index over `shape` in row-major order; returns false
/// after the last index (wrapping it back to all zeros).
inline bool nextIndex(std::vector<int64_t> &index,
                      const std::vector<int64_t> &shape) {
  for (size_t i = index.size(); i-- > 0;) {
    if (++index[i] < shape[i])
      return true;
    index[i] = 0;
  }
  return false;
}

} // namespace kiln

#endif
