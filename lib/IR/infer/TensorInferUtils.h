//===- TensorInferUtils.h - helpers for Tensor.def inference ----*- C++ -*-===//
// Reading shape-like constant operands and combining partially known dims;
// private to the inference functions of data-movement ops.
//===----------------------------------------------------------------------===//
#ifndef KILN_LIB_IR_INFER_TENSORINFERUTILS_H
#define KILN_LIB_IR_INFER_TENSORINFERUTILS_H

#include "kiln/IR/InferContext.h"
#include "kiln/IR/TensorOpHelpers.h"

#include <optional>

namespace kiln {
namespace tensorinfer {

/// Operand i's values as int64 if it is present and a known constant.
inline std::optional<std::vector<int64_t>> constInts(const InferContext &ctx,
                                                     size_t i) {
  const Tensor *t = ctx.hasInput(i) ? ctx.constant(i) : nullptr;
  if (!t)
    return std::nullopt;
  return t->toIntVector();
}

/// The number of elements of a 1-D (or scalar) operand if it is static:
/// the length of a shape-like operand.
inline std::optional<int64_t> staticLength(const TensorType &t) {
  if (!t.isRanked() || t.rank() > 1)
    return std::nullopt;
  if (t.rank() == 0)
    return 1;
  if (!t.dim(0).isStatic())
    return std::nullopt;
  return t.dim(0).size();
}

inline std::vector<Dim> unknownDims(size_t n) {
  return std::vector<Dim>(n, Dim::unknown());
}

/// Product of dims, unknown unless all are static; throws on overflow.
inline Dim productOf(const std::vector<Dim> &dims, size_t begin, size_t end) {
  int64_t n = 1;
  for (size_t i = begin; i < end; ++i) {
    if (dims[i].isStatic() && dims[i].size() == 0)
      return Dim(0);
  }
  for (size_t i = begin; i < end; ++i) {
    if (!dims[i].isStatic())
      return Dim::unknown();
    n = checkedMul(n, dims[i].size());
  }
  return Dim(n);
}

/// A result type like `in` (element type, per-tensor quantization) with new
/// dims. Per-axis quantization is dropped: the axis may have moved.
inline TensorType withDims(const TensorType &in, std::vector<Dim> dims) {
  TensorType t(in.elementType(), std::move(dims));
  if (in.quant() && in.quant()->axis < 0)
    t.setQuant(in.quant());
  return t;
}

inline TensorType unrankedLike(const TensorType &in) {
  return TensorType::unranked(in.elementType());
}

} // namespace tensorinfer
} // namespace kiln

#endif
